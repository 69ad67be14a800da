import { DomainError } from '../../domain/errors';

/**
 * ARM's `$filter` for role assignments and PIM schedules: not OData's expression language but
 * a few functions (`atScope()`, `asTarget()`, `assignedTo('{id}')`, ...) and `property eq
 * 'value'` clauses, combined with `and` only (e.g. `assignedTo('{id}') and atScope()`). Names
 * and `and` are case-insensitive; a value may be quoted ('' escapes a quote) or bare (a GUID).
 */

export const ARM_FILTER_FUNCTIONS = ['atScope', 'asTarget', 'asRequestor', 'asApprover', 'asCreatedBy', 'assignedTo'] as const;
export type ArmFilterFunction = (typeof ARM_FILTER_FUNCTIONS)[number];

export interface ArmFilter {
  /** The functions named, each once. */
  functions: ReadonlySet<ArmFilterFunction>;
  /** The argument of assignedTo('{id}'), when given. */
  assignedTo?: string;
  /** `property eq 'value'`, keyed by the property's spelling in the capabilities. */
  equals: Readonly<Record<string, string>>;
}

/** What one collection accepts; anything else is refused with a message listing these. */
export interface ArmFilterCapabilities {
  functions: readonly ArmFilterFunction[];
  properties: readonly string[];
}

const invalid = (message: string) => new DomainError('InvalidFilter', `The $filter is not valid: ${message}.`, 400);

function unsupported(what: string, caps: ArmFilterCapabilities): DomainError {
  const offered = [...caps.functions.map((f) => (f === 'assignedTo' ? "assignedTo('{id}')" : `${f}()`)), ...caps.properties.map((p) => `${p} eq '{value}'`)];
  return new DomainError('UnsupportedQuery', `The filter ${what} is not supported here. Supported: ${offered.join(', ')}, combined with 'and'.`, 400);
}

type Token = { kind: 'name'; text: string; at: number } | { kind: 'string'; text: string; at: number } | { kind: 'bare'; text: string; at: number } | { kind: 'open' | 'close'; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'open' : 'close', at: i });
      i++;
    } else if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw invalid(`the string starting at position ${i} has no closing quote`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ kind: 'string', text: value, at: i });
      i = j + 1;
    } else {
      const m = /^[^\s()']+/.exec(text.slice(i));
      const word = m?.[0] ?? c;
      tokens.push({ kind: /^[A-Za-z_][A-Za-z0-9_]*$/.test(word) ? 'name' : 'bare', text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

/** Parses a `$filter` against what the collection supports; undefined or blank means no filter. */
export function parseArmFilter(text: string | null | undefined, caps: ArmFilterCapabilities): ArmFilter {
  const functions = new Set<ArmFilterFunction>();
  const equals: Record<string, string> = {};
  let assignedTo: string | undefined;
  if (!text?.trim()) return { functions, equals };
  const tokens = tokenize(text);
  let pos = 0;
  const describe = (t: Token | undefined) => (t === undefined ? 'the end' : `position ${t.at}`);
  const value = (): string => {
    const t = tokens[pos];
    if (t?.kind === 'string' || t?.kind === 'bare' || t?.kind === 'name') {
      pos++;
      return t.text;
    }
    throw invalid(`expected a value at ${describe(t)}`);
  };

  for (;;) {
    const head = tokens[pos];
    if (head?.kind !== 'name') throw invalid(`expected a function such as atScope() or a clause such as principalId eq '{id}' at ${describe(head)}`);
    pos++;
    const next = tokens[pos];
    if (next?.kind === 'open') {
      pos++;
      const fn = caps.functions.find((f) => f.toLowerCase() === head.text.toLowerCase());
      if (!fn) throw unsupported(`function '${head.text}()'`, caps);
      const args: string[] = [];
      if (tokens[pos]?.kind !== 'close') args.push(value());
      if (tokens[pos]?.kind !== 'close') throw invalid(`expected ')' after the argument of ${fn} at ${describe(tokens[pos])}`);
      pos++;
      if (fn === 'assignedTo') {
        if (args.length !== 1 || !args[0]) throw invalid("assignedTo takes the principal's object id: assignedTo('{id}')");
        assignedTo = args[0];
      } else if (args.length > 0) {
        throw invalid(`${fn}() takes no argument`);
      }
      if (functions.has(fn)) throw invalid(`${fn} is named twice`);
      functions.add(fn);
    } else if (next?.kind === 'name' && next.text.toLowerCase() === 'eq') {
      pos++;
      const property = caps.properties.find((p) => p.toLowerCase() === head.text.toLowerCase());
      if (!property) throw unsupported(`on property '${head.text}'`, caps);
      const wanted = value();
      if (equals[property] !== undefined && equals[property] !== wanted) throw invalid(`${property} cannot equal both '${equals[property]}' and '${wanted}'`);
      equals[property] = wanted;
    } else {
      throw invalid(`expected '(' or 'eq' after '${head.text}' at ${describe(next)}; ARM filters compare only with eq`);
    }
    const joiner = tokens[pos];
    if (joiner === undefined) break;
    if (joiner.kind === 'name' && joiner.text.toLowerCase() === 'and') {
      pos++;
      continue;
    }
    if (joiner.kind === 'name' && joiner.text.toLowerCase() === 'or') throw unsupported("'or'", caps);
    throw invalid(`expected 'and' or the end at ${describe(joiner)}`);
  }
  return { functions, equals, ...(assignedTo !== undefined ? { assignedTo } : {}) };
}
