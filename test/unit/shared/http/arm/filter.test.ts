import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../../shared/domain/errors';
import { ARM_FILTER_FUNCTIONS, type ArmFilterCapabilities, parseArmFilter } from '../../../../../shared/http/arm/filter';

const ALL: ArmFilterCapabilities = { functions: ARM_FILTER_FUNCTIONS, properties: ['principalId', 'roleDefinitionId', 'status'] };
const USER = 'a3bb8764-cb92-4276-9d2a-ca1e895e55ea';

function refusal(text: string, caps: ArmFilterCapabilities = ALL): DomainError {
  try {
    parseArmFilter(text, caps);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`'${text}' was accepted`);
}

describe('parseArmFilter', () => {
  it('no filter, or a blank one, asks for nothing in particular', () => {
    for (const text of [undefined, null, '', '   ']) expect(parseArmFilter(text, ALL)).toEqual({ functions: new Set(), equals: {} });
  });

  it("reads ARM's documented forms", () => {
    expect(parseArmFilter('atScope()', ALL).functions).toEqual(new Set(['atScope']));
    expect(parseArmFilter(`assignedTo('${USER}')`, ALL)).toMatchObject({ assignedTo: USER });
    // The REST samples write `assignedTo('{id}')+and+atScope()`; the query string turns + into spaces.
    const combined = parseArmFilter(new URLSearchParams(`f=assignedTo('${USER}')+and+atScope()`).get('f'), ALL);
    expect(combined.functions).toEqual(new Set(['assignedTo', 'atScope']));
    expect(combined.assignedTo).toBe(USER);
    // The spec's descriptions write principalId eq {id} without quotes.
    expect(parseArmFilter(`principalId eq ${USER}`, ALL).equals).toEqual({ principalId: USER });
    expect(parseArmFilter("asTarget() and roleDefinitionId eq '/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/r' and status eq 'Provisioned'", ALL)).toMatchObject({
      functions: new Set(['asTarget']),
      equals: { roleDefinitionId: '/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/r', status: 'Provisioned' },
    });
  });

  it('names, eq and and in any letter case, with any spacing; properties keyed as the collection spells them', () => {
    const parsed = parseArmFilter(`  ATSCOPE( )   AND  PrincipalID  EQ  '${USER}'  aNd asapprover()`, ALL);
    expect(parsed.functions).toEqual(new Set(['atScope', 'asApprover']));
    expect(parsed.equals).toEqual({ principalId: USER });
  });

  it("a doubled quote is a quote inside a value", () => {
    expect(parseArmFilter("status eq 'it''s'", ALL).equals).toEqual({ status: "it's" });
  });

  it('refuses what the collection does not support, listing what it does', () => {
    const caps: ArmFilterCapabilities = { functions: ['atScope', 'asTarget'], properties: ['principalId'] };
    for (const text of ['asApprover()', `assignedTo('${USER}')`, "status eq 'Provisioned'", "principalId eq 'a' or atScope()"]) {
      const error = refusal(text, caps);
      expect(error.status, text).toBe(400);
      expect(error.code, text).toBe('UnsupportedQuery');
      expect(error.message, text).toContain("atScope(), asTarget(), principalId eq '{value}'");
    }
  });

  it('refuses malformed filters with a 400 that says where', () => {
    const cases = [
      'atScope(',
      'atScope() and',
      'atScope() atScope()',
      "principalId ne 'x'",
      "principalId eq",
      "status eq 'unterminated",
      "assignedTo()",
      "atScope('x')",
      'atScope() and atScope()',
      "principalId eq 'a' and principalId eq 'b'",
      "(atScope())",
      "'x'",
    ];
    for (const text of cases) {
      const error = refusal(text);
      expect(error.status, text).toBe(400);
      expect(error.code, text).toBe('InvalidFilter');
      expect(error.message, text).toMatch(/^The \$filter is not valid: .+\.$/);
    }
  });

  it('any and-combination of supported clauses reads back as what was written', () => {
    const value = fc.stringMatching(/^[A-Za-z0-9' -]{1,12}$/);
    const clause = fc.oneof(
      fc.constantFrom('atScope', 'asTarget', 'asRequestor', 'asApprover', 'asCreatedBy').map((f) => ({ text: `${f}()`, fn: f, eq: undefined as [string, string] | undefined, to: undefined as string | undefined })),
      value.map((v) => ({ text: `assignedTo('${v.replace(/'/g, "''")}')`, fn: 'assignedTo', eq: undefined, to: v })),
      fc.tuple(fc.constantFrom('principalId', 'roleDefinitionId', 'status'), value).map(([p, v]) => ({ text: `${p} eq '${v.replace(/'/g, "''")}'`, fn: undefined, eq: [p, v] as [string, string], to: undefined })),
    );
    fc.assert(
      fc.property(fc.uniqueArray(clause, { minLength: 1, maxLength: 5, selector: (c) => c.fn ?? c.eq?.[0] }), (clauses) => {
        const parsed = parseArmFilter(clauses.map((c) => c.text).join(' and '), ALL);
        expect([...parsed.functions].sort()).toEqual(clauses.flatMap((c) => (c.fn ? [c.fn] : [])).sort());
        expect(parsed.equals).toEqual(Object.fromEntries(clauses.flatMap((c) => (c.eq ? [c.eq] : []))));
        expect(parsed.assignedTo).toBe(clauses.find((c) => c.to !== undefined)?.to);
      }),
    );
  });
});
