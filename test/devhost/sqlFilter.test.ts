import { describe, expect, it } from 'vitest';
import { sqlFilter } from '../../devhost/servicebus/sqlFilter';

const message = (applicationProperties: Record<string, string | number | boolean | null> = {}, subject?: string) => ({ applicationProperties, subject });

describe("devhost's Service Bus SQL filter", () => {
  it('matches like Service Bus: a missing property is unknown, and only a true predicate takes the message', () => {
    const cases: Array<[string, ReturnType<typeof message>, boolean]> = [
      ["eventType IN ('x', 'y')", message({ eventType: 'y' }), true],
      ["eventType IN ('x', 'y')", message({ eventType: 'z' }), false],
      ["eventType NOT IN ('x')", message({}), false],
      ["NOT (eventType = 'x')", message({}), false],
      ["eventType = 'x' OR NOT EXISTS(flag)", message({}), true],
      ['NOT EXISTS(flag)', message({ flag: true }), false],
      ['flag = TRUE', message({ flag: true }), true],
      ['flag IS NULL', message({}), true],
      ['flag IS NOT NULL', message({ flag: 1 }), true],
      ["kind <> 'azureRole'", message({ kind: 'group' }), true],
      ["kind <> 'azureRole'", message({}), false],
      ['n >= 2 AND n < 3.5', message({ n: 3 }), true],
      ["n = '3'", message({ n: 3 }), false],
      ["sys.Label = 'It''s'", message({}, "It's"), true],
      ["user.kind = 'a'", message({ kind: 'a' }), true],
    ];
    for (const [sql, m, expected] of cases) expect(sqlFilter(sql)(m), `${sql} on ${JSON.stringify(m)}`).toBe(expected);
  });

  it('refuses what it cannot evaluate, naming it, instead of matching differently', () => {
    expect(() => sqlFilter("a LIKE 'x%'")).toThrow(/LIKE is not supported/);
    expect(() => sqlFilter('a + 1 = 2')).toThrow(/does not support '\+'/);
    expect(() => sqlFilter('sys.To = 1')).toThrow(/system property sys\.To/);
    expect(() => sqlFilter("a = 'open")).toThrow(/Unterminated string/);
    expect(() => sqlFilter('a = 1 b')).toThrow(/unexpected 'b'/);
  });
});
