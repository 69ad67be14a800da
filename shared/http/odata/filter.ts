/**
 * OData $filter as Microsoft Graph accepts it for PIM resources: comparisons (eq, ne, gt, ge,
 * lt, le), `in`, `and`, `or`, `not`, parentheses, `startswith`/`endswith`/`contains`, property
 * paths (a/b), lambda operators on collections (`targetResources/any(t: t/id eq '…')`, `all`),
 * and string, number, boolean, null, GUID and date-time literals.
 */
export type Literal = string | number | boolean | null;

export type FilterNode =
  | { kind: 'compare'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: Operand; right: Operand }
  | { kind: 'in'; left: Operand; values: Literal[] }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'call'; fn: 'startswith' | 'endswith' | 'contains'; args: [Operand, Operand] }
  /** `path/any(v: predicate)`: the predicate's property paths start with `v`, the collection's item. */
  | { kind: 'lambda'; fn: 'any' | 'all'; path: string[]; variable: string; predicate: FilterNode };

export type Operand = { kind: 'property'; path: string[] } | { kind: 'literal'; value: Literal };

export class ODataSyntaxError extends Error {}

type Token =
  | { t: 'str'; v: string; at: number }
  | { t: 'num'; v: number; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'punct'; v: '(' | ')' | ','; at: number };

const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['startswith', 'endswith', 'contains']);
const LAMBDA = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*\/(any|all)$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new ODataSyntaxError(`unterminated string starting at position ${i}`);
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
      tokens.push({ t: 'str', v: value, at: i });
      i = j + 1;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'punct', v: c, at: i });
      i++;
    } else {
      const m = /^[^\s(),']+/.exec(text.slice(i));
      const word = m?.[0] ?? c;
      if (/^-?\d+(\.\d+)?$/.test(word)) tokens.push({ t: 'num', v: Number(word), at: i });
      else tokens.push({ t: 'word', v: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

/** Limits that keep a hostile $filter from exhausting the stack (parser and evaluator recurse). */
const MAX_NESTING = 64;
const MAX_TOKENS = 1_000;

export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  if (tokens.length > MAX_TOKENS) throw new ODataSyntaxError(`the expression is too long (at most ${MAX_TOKENS} terms)`);
  let pos = 0;
  let depth = 0;
  const nested = <T>(parse: () => T): T => {
    if (++depth > MAX_NESTING) throw new ODataSyntaxError(`the expression is nested too deeply (at most ${MAX_NESTING} levels)`);
    try {
      return parse();
    } finally {
      depth--;
    }
  };
  const peek = () => tokens[pos];
  const isWord = (w: string) => {
    const tok = peek();
    return tok?.t === 'word' && tok.v.toLowerCase() === w;
  };
  const expectPunct = (p: '(' | ')' | ',') => {
    const tok = tokens[pos];
    if (tok?.t !== 'punct' || tok.v !== p) {
      throw new ODataSyntaxError(`expected '${p}' ${tok ? `at position ${tok.at}` : 'at the end'}`);
    }
    pos++;
  };

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isWord('or')) {
      pos++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseNot();
    while (isWord('and')) {
      pos++;
      left = { kind: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): FilterNode => {
    if (isWord('not')) {
      pos++;
      return { kind: 'not', operand: nested(parseNot) };
    }
    return parsePrimary();
  };
  const parsePrimary = (): FilterNode => {
    const tok = peek();
    if (!tok) throw new ODataSyntaxError('unexpected end of expression');
    if (tok.t === 'punct' && tok.v === '(') {
      pos++;
      const inner = nested(parseOr);
      expectPunct(')');
      return inner;
    }
    if (tok.t === 'word' && LAMBDA.test(tok.v) && tokens[pos + 1]?.t === 'punct') return parseLambda(tok);
    if (tok.t === 'word' && FUNCTIONS.has(tok.v.toLowerCase()) && tokens[pos + 1]?.t === 'punct') {
      pos++;
      expectPunct('(');
      const a = parseOperand();
      expectPunct(',');
      const b = parseOperand();
      expectPunct(')');
      return { kind: 'call', fn: tok.v.toLowerCase() as 'startswith', args: [a, b] };
    }
    const left = parseOperand();
    const opTok = peek();
    if (opTok?.t !== 'word') {
      throw new ODataSyntaxError(`expected an operator (eq, ne, gt, ge, lt, le, in) ${opTok ? `at position ${opTok.at}` : 'at the end'}`);
    }
    const op = opTok.v.toLowerCase();
    pos++;
    if (op === 'in') {
      expectPunct('(');
      const values: Literal[] = [];
      for (;;) {
        const v = parseOperand();
        if (v.kind !== 'literal') throw new ODataSyntaxError('the list after "in" may hold only literals');
        values.push(v.value);
        const next = peek();
        if (next?.t === 'punct' && next.v === ',') {
          pos++;
          continue;
        }
        break;
      }
      expectPunct(')');
      return { kind: 'in', left, values };
    }
    if (!COMPARE.has(op)) throw new ODataSyntaxError(`unknown operator '${opTok.v}' at position ${opTok.at}`);
    return { kind: 'compare', op: op as 'eq', left, right: parseOperand() };
  };
  /** `path/any(v: predicate)`; the variable may be written `v:` or `v:rest-of-word` (no space after the colon). */
  const parseLambda = (tok: Token & { t: 'word' }): FilterNode => {
    const segments = tok.v.split('/');
    const fn = (segments.pop() as string).toLowerCase() as 'any' | 'all';
    pos++;
    expectPunct('(');
    const v = tokens[pos];
    const m = v?.t === 'word' ? /^([A-Za-z_][A-Za-z0-9_]*):(.*)$/.exec(v.v) : null;
    if (!v || !m) throw new ODataSyntaxError(`expected a variable like 't:' after '${tok.v}(' ${v ? `at position ${v.at}` : 'at the end'}`);
    const variable = m[1] as string;
    const rest = m[2] as string;
    if (rest) tokens.splice(pos, 1, { t: 'word', v: rest, at: v.at + variable.length + 1 });
    else pos++;
    const predicate = nested(parseOr);
    expectPunct(')');
    const outside = filterPaths(predicate).find((path) => path[0]?.toLowerCase() !== variable.toLowerCase());
    if (outside) throw new ODataSyntaxError(`inside ${fn}(), properties must start with '${variable}/' (found '${outside.join('/')}')`);
    return { kind: 'lambda', fn, path: segments, variable, predicate };
  };
  const parseOperand = (): Operand => {
    const tok = tokens[pos++];
    if (!tok) throw new ODataSyntaxError('unexpected end of expression');
    if (tok.t === 'str') return { kind: 'literal', value: tok.v };
    if (tok.t === 'num') return { kind: 'literal', value: tok.v };
    if (tok.t === 'punct') throw new ODataSyntaxError(`unexpected '${tok.v}' at position ${tok.at}`);
    const word = tok.v;
    const lower = word.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true' };
    if (lower === 'null') return { kind: 'literal', value: null };
    if (GUID.test(word) || DATE_TIME.test(word)) return { kind: 'literal', value: word };
    if (!/^[A-Za-z_@][A-Za-z0-9_.@]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/.test(word)) {
      throw new ODataSyntaxError(`'${word}' at position ${tok.at} is neither a property nor a literal`);
    }
    return { kind: 'property', path: word.split('/') };
  };

  if (tokens.length === 0) throw new ODataSyntaxError('the expression is empty');
  const node = parseOr();
  const rest = tokens[pos];
  if (rest) throw new ODataSyntaxError(`unexpected '${rest.v}' at position ${rest.at}`);
  return node;
}

/** Property names a filter refers to (top-level segment), so callers can reject unknown ones. */
export function filterProperties(node: FilterNode): string[] {
  return [...new Set(filterPaths(node).flatMap((path) => (path[0] ? [path[0]] : [])))];
}

/**
 * Property paths a filter refers to. A lambda contributes its collection's path, not the
 * paths inside it (those start with its variable).
 */
export function filterPaths(node: FilterNode): string[][] {
  const out: string[][] = [];
  const visitOperand = (o: Operand) => {
    if (o.kind === 'property') out.push(o.path);
  };
  const visit = (n: FilterNode): void => {
    switch (n.kind) {
      case 'compare':
        visitOperand(n.left);
        visitOperand(n.right);
        return;
      case 'in':
        visitOperand(n.left);
        return;
      case 'and':
      case 'or':
        visit(n.left);
        visit(n.right);
        return;
      case 'not':
        visit(n.operand);
        return;
      case 'call':
        n.args.forEach(visitOperand);
        return;
      case 'lambda':
        out.push(n.path);
        return;
      default: {
        const never: never = n;
        return never;
      }
    }
  };
  visit(node);
  return out;
}

function resolve(o: Operand, item: Record<string, unknown>): unknown {
  if (o.kind === 'literal') return o.value;
  let value: unknown = item;
  for (const key of o.path) {
    if (value === null || typeof value !== 'object') return undefined;
    const record = value as Record<string, unknown>;
    const actual = Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase());
    value = actual === undefined ? undefined : record[actual];
  }
  return value;
}

/** Compares like Graph: strings case-insensitively, date-times by instant, numbers numerically. */
function compare(a: unknown, b: unknown): number | undefined {
  if (a === undefined || b === undefined || a === null || b === null) return undefined;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b ? 0 : undefined;
  const sa = String(a);
  const sb = String(b);
  if (DATE_TIME.test(sa) && DATE_TIME.test(sb) && sa.length > 10 && sb.length > 10) {
    return Date.parse(sa) - Date.parse(sb);
  }
  const la = sa.toLowerCase();
  const lb = sb.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

function equals(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return compare(a, b) === 0;
}

export function evaluate(node: FilterNode, item: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, item) && evaluate(node.right, item);
    case 'or':
      return evaluate(node.left, item) || evaluate(node.right, item);
    case 'not':
      return !evaluate(node.operand, item);
    case 'in': {
      const value = resolve(node.left, item);
      return node.values.some((v) => equals(value, v));
    }
    case 'call': {
      const [a, b] = node.args.map((o) => resolve(o, item));
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      const x = a.toLowerCase();
      const y = b.toLowerCase();
      return node.fn === 'startswith' ? x.startsWith(y) : node.fn === 'endswith' ? x.endsWith(y) : x.includes(y);
    }
    case 'lambda': {
      const items = resolve({ kind: 'property', path: node.path }, item);
      if (!Array.isArray(items)) return false;
      const holds = (element: unknown) => evaluate(node.predicate, { [node.variable]: element });
      return node.fn === 'any' ? items.some(holds) : items.every(holds);
    }
    case 'compare': {
      const a = resolve(node.left, item);
      const b = resolve(node.right, item);
      if (node.op === 'eq') return equals(a, b);
      if (node.op === 'ne') return !equals(a, b);
      const c = compare(a, b);
      if (c === undefined || Number.isNaN(c)) return false;
      return node.op === 'gt' ? c > 0 : node.op === 'ge' ? c >= 0 : node.op === 'lt' ? c < 0 : c <= 0;
    }
    default: {
      const never: never = node;
      return never;
    }
  }
}

/** Values the filter pins a property to with `eq` at top level (e.g. roleDefinitionId eq '...'), for index use. */
export function pinnedValue(node: FilterNode, property: string): Literal | undefined {
  if (node.kind === 'and') return pinnedValue(node.left, property) ?? pinnedValue(node.right, property);
  if (node.kind !== 'compare' || node.op !== 'eq') return undefined;
  const [p, l] = node.left.kind === 'property' ? [node.left, node.right] : [node.right, node.left];
  if (p.kind !== 'property' || l.kind !== 'literal') return undefined;
  return p.path.length === 1 && p.path[0]?.toLowerCase() === property.toLowerCase() ? l.value : undefined;
}
