import type { PropertyValue, ValidMessage } from './message';

/**
 * A subscription rule's SQL filter, the subset of Service Bus's grammar
 * (learn.microsoft.com/azure/service-bus-messaging/service-bus-messaging-sql-filter) that a rule
 * written for this app needs: AND, OR, NOT, parentheses, = <> != < <= > >=, [NOT] IN (...),
 * IS [NOT] NULL, EXISTS(property), string, number, TRUE/FALSE and NULL constants, and user
 * properties (bare or `user.`) and the system properties sys.Label / sys.Subject, sys.MessageId,
 * sys.CorrelationId and sys.ContentType. Anything else (LIKE, arithmetic, functions) is refused
 * when the filter is made, naming what devhost lacks, rather than matching differently than Azure.
 *
 * As in Service Bus, a user property the message lacks is "unknown" (three-valued logic): a
 * comparison with it is unknown, NOT unknown is unknown, and the rule takes the message only
 * when the whole predicate is true.
 */
export type MessageFilter = (message: Pick<ValidMessage, 'subject' | 'messageId' | 'correlationId' | 'contentType' | 'applicationProperties'>) => boolean;

/** Parses the expression (throws a SyntaxError naming the problem); the result tells whether a message matches. */
export function sqlFilter(expression: string): MessageFilter {
  const parser = new Parser(tokenize(expression), expression);
  const predicate = parser.predicate();
  parser.end();
  return (message) => predicate(message) === true;
}

type Message = Parameters<MessageFilter>[0];
/** true, false, or unknown (undefined). */
type Truth = boolean | undefined;
type Predicate = (m: Message) => Truth;
/** A value; undefined is unknown (a missing property), null is NULL. */
type Expression = (m: Message) => PropertyValue | undefined;

type Token = { kind: 'word'; text: string } | { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'symbol'; text: string };

const SYMBOLS = ['<>', '!=', '<=', '>=', '=', '<', '>', '(', ')', ',', '.'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new SyntaxError(`Unterminated string in the SQL filter "${text}".`);
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else {
          value += text.charAt(i++);
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i))?.[0] ?? c;
      tokens.push({ kind: 'number', value: Number(match) });
      i += match.length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const match = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(i))?.[0] ?? c;
      tokens.push({ kind: 'word', text: match });
      i += match.length;
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new SyntaxError(`Unterminated [name] in the SQL filter "${text}".`);
      tokens.push({ kind: 'word', text: text.slice(i + 1, end) });
      i = end + 1;
    } else {
      const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
      if (!symbol) throw new SyntaxError(`devhost's SQL filter does not support '${c}' (in "${text}").`);
      tokens.push({ kind: 'symbol', text: symbol });
      i += symbol.length;
    }
  }
  return tokens;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'EXISTS', 'TRUE', 'FALSE', 'LIKE', 'ESCAPE']);

/** The system properties devhost keeps, by their filter names (case-insensitive). */
const SYSTEM: Record<string, (m: Message) => string | undefined> = {
  label: (m) => m.subject,
  subject: (m) => m.subject,
  messageid: (m) => m.messageId,
  correlationid: (m) => m.correlationId,
  contenttype: (m) => m.contentType,
};

class Parser {
  private at = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  predicate(): Predicate {
    let left = this.conjunction();
    while (this.keyword('OR')) {
      const [a, b] = [left, this.conjunction()];
      left = (m) => {
        const x = a(m);
        const y = b(m);
        return x === true || y === true ? true : x === false && y === false ? false : undefined;
      };
    }
    return left;
  }

  end(): void {
    const token = this.tokens[this.at];
    if (token) throw this.error(`unexpected ${describe(token)}`);
  }

  private conjunction(): Predicate {
    let left = this.negation();
    while (this.keyword('AND')) {
      const [a, b] = [left, this.negation()];
      left = (m) => {
        const x = a(m);
        const y = b(m);
        return x === false || y === false ? false : x === true && y === true ? true : undefined;
      };
    }
    return left;
  }

  private negation(): Predicate {
    if (this.keyword('NOT')) {
      const inner = this.negation();
      return (m) => {
        const x = inner(m);
        return x === undefined ? undefined : !x;
      };
    }
    return this.primary();
  }

  private primary(): Predicate {
    if (this.keyword('EXISTS')) {
      this.expect('(');
      const name = this.property();
      this.expect(')');
      return (m) => name(m) !== undefined;
    }
    // A parenthesised predicate; `(expr) = ...` (a parenthesised value) is not supported.
    if (this.symbol('(')) {
      const inner = this.predicate();
      this.expect(')');
      return inner;
    }
    const left = this.operand();
    if (this.keyword('IS')) {
      const negated = this.keyword('NOT');
      if (!this.keyword('NULL')) throw this.error('expected NULL after IS');
      return (m) => (left(m) === null || left(m) === undefined) !== negated;
    }
    const negatedIn = this.keyword('NOT');
    if (this.keyword('IN')) {
      this.expect('(');
      const list = [this.operand()];
      while (this.symbol(',')) list.push(this.operand());
      this.expect(')');
      return (m) => {
        const found = list.map((e) => compare(left(m), '=', e(m)));
        const result = found.some((x) => x === true) ? true : found.every((x) => x === false) ? false : undefined;
        return result === undefined ? undefined : result !== negatedIn;
      };
    }
    if (negatedIn) throw this.error('expected IN after NOT');
    const token = this.tokens[this.at];
    if (token?.kind === 'word' && token.text.toUpperCase() === 'LIKE') throw this.error("LIKE is not supported by devhost's SQL filter");
    if (token?.kind !== 'symbol' || !['=', '<>', '!=', '<', '<=', '>', '>='].includes(token.text)) throw this.error('expected a comparison, IN, IS or EXISTS');
    this.at++;
    const right = this.operand();
    return (m) => compare(left(m), token.text, right(m));
  }

  private operand(): Expression {
    const token = this.tokens[this.at];
    if (!token) throw this.error('the filter ends too early');
    if (token.kind === 'string' || token.kind === 'number') {
      this.at++;
      return () => token.value;
    }
    if (this.keyword('NULL')) return () => null;
    if (this.keyword('TRUE')) return () => true;
    if (this.keyword('FALSE')) return () => false;
    return this.property();
  }

  private property(): Expression {
    const token = this.tokens[this.at];
    if (token?.kind !== 'word' || KEYWORDS.has(token.text.toUpperCase())) throw this.error(`expected a property name, not ${token ? describe(token) : 'the end'}`);
    this.at++;
    if (!this.symbol('.')) return (m) => userProperty(m, token.text);
    const scope = token.text.toLowerCase();
    const name = this.tokens[this.at];
    if (name?.kind !== 'word') throw this.error(`expected a property name after '${token.text}.'`);
    this.at++;
    if (scope === 'user') return (m) => userProperty(m, name.text);
    if (scope !== 'sys') throw this.error(`'${token.text}' is not a scope (sys or user)`);
    const system = SYSTEM[name.text.toLowerCase()];
    if (!system) throw this.error(`devhost's SQL filter does not know the system property sys.${name.text}`);
    return (m) => system(m) ?? null;
  }

  private keyword(word: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind === 'word' && token.text.toUpperCase() === word) {
      this.at++;
      return true;
    }
    return false;
  }

  private symbol(text: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind === 'symbol' && token.text === text) {
      this.at++;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.symbol(text)) throw this.error(`expected '${text}'`);
  }

  private error(problem: string): SyntaxError {
    return new SyntaxError(`SQL filter "${this.text}": ${problem}.`);
  }
}

function describe(token: Token): string {
  return token.kind === 'string' ? `'${token.value}'` : token.kind === 'number' ? String(token.value) : `'${token.text}'`;
}

/** A user property by its exact name; undefined (unknown) when the message lacks it. */
function userProperty(m: Message, name: string): PropertyValue | undefined {
  const properties = m.applicationProperties ?? {};
  return Object.prototype.hasOwnProperty.call(properties, name) ? properties[name] : undefined;
}

/** A comparison: unknown when either side is unknown or NULL, or the types do not compare (string with number). */
function compare(a: PropertyValue | undefined, op: string, b: PropertyValue | undefined): Truth {
  if (a === undefined || b === undefined || a === null || b === null || typeof a !== typeof b) return undefined;
  switch (op) {
    case '=':
      return a === b;
    case '<>':
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return undefined;
  }
}
