import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../../shared/http/graphErrors';
import { evaluate, type FilterNode, type Literal, type Operand, parseFilter } from '../../../../shared/http/odata/filter';
import { pageOf } from '../../../../shared/http/odata/collection';
import { parseExpand, parseQuery } from '../../../../shared/http/odata/query';

const props = ['principalId', 'roleDefinitionId', 'status', 'count', 'startDateTime'];
const literal: fc.Arbitrary<Literal> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.boolean(),
  fc.constant(null),
);
const operand: fc.Arbitrary<Operand> = fc.oneof(
  fc.constantFrom(...props).map((p) => ({ kind: 'property' as const, path: [p] })),
  literal.map((value) => ({ kind: 'literal' as const, value })),
);
const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record({
    kind: fc.constant('compare' as const),
    op: fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le') as fc.Arbitrary<'eq'>,
    left: operand,
    right: operand,
  }),
  fc.record({
    kind: fc.constant('in' as const),
    left: operand,
    values: fc.array(literal, { minLength: 1, maxLength: 4 }),
  }),
);
const node: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constantFrom('and', 'or') as fc.Arbitrary<'and'>, left: tie('node'), right: tie('node') }),
    fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
  ),
})).node;

function printLiteral(v: Literal): string {
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  return String(v);
}
function printOperand(o: Operand): string {
  return o.kind === 'property' ? o.path.join('/') : printLiteral(o.value);
}
function print(n: FilterNode): string {
  switch (n.kind) {
    case 'compare':
      return `${printOperand(n.left)} ${n.op} ${printOperand(n.right)}`;
    case 'in':
      return `${printOperand(n.left)} in (${n.values.map(printLiteral).join(', ')})`;
    case 'and':
    case 'or':
      return `(${print(n.left)}) ${n.kind} (${print(n.right)})`;
    case 'not':
      return `not (${print(n.operand)})`;
    case 'call':
      return `${n.fn}(${printOperand(n.args[0])}, ${printOperand(n.args[1])})`;
    case 'lambda':
      return `${n.path.join('/')}/${n.fn}(${n.variable}: ${print(n.predicate)})`;
  }
}

const item = fc.record({
  principalId: fc.string({ maxLength: 8 }),
  roleDefinitionId: fc.string({ maxLength: 8 }),
  status: fc.constantFrom('Provisioned', 'Granted', 'Revoked'),
  count: fc.integer({ min: -5, max: 5 }),
  startDateTime: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
});

describe('OData $filter', () => {
  it('parses what it prints: printing any expression and parsing it gives the same tree', () => {
    fc.assert(
      fc.property(node, (n) => {
        expect(parseFilter(print(n))).toEqual(n);
      }),
    );
  });

  it('obeys De Morgan: not (a and b) matches exactly when (not a) or (not b) does', () => {
    fc.assert(
      fc.property(leaf, leaf, item, (a, b, it) => {
        const left = evaluate(parseFilter(`not ((${print(a)}) and (${print(b)}))`), it);
        const right = evaluate(parseFilter(`(not (${print(a)})) or (not (${print(b)}))`), it);
        expect(left).toBe(right);
      }),
    );
  });

  it('treats `in` as a disjunction of `eq`', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 4 }), item, (values, it) => {
        const list = values.map(printLiteral);
        const asIn = evaluate(parseFilter(`principalId in (${list.join(',')})`), it);
        const asOr = evaluate(parseFilter(list.map((v) => `principalId eq ${v}`).join(' or ')), it);
        expect(asIn).toBe(asOr);
      }),
    );
  });

  it('evaluates the filters Graph PIM documentation uses', () => {
    const assignment = {
      scopeId: '/',
      scopeType: 'DirectoryRole',
      roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
      principalId: 'a',
      startDateTime: '2026-01-01T00:00:00Z',
    };
    const f = (text: string) => evaluate(parseFilter(text), assignment);
    expect(f("scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'")).toBe(true);
    expect(f("scopeType eq 'directoryrole'")).toBe(true);
    expect(f('startDateTime ge 2025-12-31T00:00:00Z and startDateTime lt 2026-01-02T00:00:00Z')).toBe(true);
    expect(f("startswith(scopeType, 'Dir') and not (principalId eq 'b')")).toBe(true);
    expect(f("principalId in ('x','y')")).toBe(false);
  });

  it("evaluates lambdas over collections as Graph's audit filters write them", () => {
    const audit = { category: 'RoleManagement', targetResources: [{ id: 'role-1', type: 'Role' }, { id: 'user-9', type: 'User' }] };
    const f = (text: string) => evaluate(parseFilter(text), audit);
    expect(f("targetResources/any(t: t/id eq 'user-9')")).toBe(true);
    expect(f("targetResources/any(t:t/id eq 'user-8')")).toBe(false);
    expect(f("category eq 'RoleManagement' and targetResources/any(x: x/id eq 'role-1' and x/type eq 'Role')")).toBe(true);
    expect(f("targetResources/all(t: t/type eq 'Role')")).toBe(false);
    expect(f("missing/any(t: t/id eq 'role-1')")).toBe(false);
    expect(() => parseFilter("targetResources/any(t: id eq 'x')")).toThrow(/must start with 't\/'/);
    expect(() => parseFilter("targetResources/any(t/id eq 'x')")).toThrow(/expected a variable/);
  });

  it('refuses malformed expressions, saying what is wrong', () => {
    expect(() => parseFilter("principalId eq 'open")).toThrow(/unterminated string/);
    expect(() => parseFilter('principalId equals 1')).toThrow(/unknown operator 'equals'/);
    expect(() => parseFilter('(a eq 1')).toThrow(/expected '\)'/);
    expect(() => parseFilter('')).toThrow(/empty/);
  });
});

describe('OData query options', () => {
  const caps = { filterable: ['principalId', 'roleDefinitionId'], expandable: ['policy'] };

  it('parses $filter, $top, $select, $expand and $count', () => {
    const q = parseQuery(
      new URLSearchParams("$filter=principalId eq 'a'&$top=5&$select=id,principalId&$expand=policy($expand=rules)&$count=true"),
      caps,
    );
    expect(q.top).toBe(5);
    expect(q.select).toEqual(['id', 'principalId']);
    expect(q.expand).toEqual([{ property: 'policy', expand: [{ property: 'rules', expand: [] }] }]);
    expect(q.count).toBe(true);
  });

  it('answers 400 naming what failed', () => {
    const fail = (qs: string) => {
      try {
        parseQuery(new URLSearchParams(qs), caps);
      } catch (error) {
        expect(error).toBeInstanceOf(HttpError);
        return (error as HttpError).message;
      }
      throw new Error(`accepted ${qs}`);
    };
    expect(fail('$top=0')).toMatch(/\$top '0'/);
    expect(fail('$top=abc')).toMatch(/whole number/);
    expect(fail("$filter=color eq 'red'")).toMatch(/property 'color' cannot be filtered/);
    expect(fail('$filter=principalId eq')).toMatch(/Invalid filter clause/);
    expect(fail('$expand=owner')).toMatch(/'owner' cannot be expanded/);
    expect(fail('$search=x')).toMatch(/\$search' is not supported/);
    expect(fail('$count=maybe')).toMatch(/true or false/);
  });

  it('parses nested $expand lists', () => {
    expect(parseExpand('a,b($expand=c,d($expand=e))')).toEqual([
      { property: 'a', expand: [] },
      { property: 'b', expand: [{ property: 'c', expand: [] }, { property: 'd', expand: [{ property: 'e', expand: [] }] }] },
    ]);
  });

  it('parses $select nested in an expansion, only where the collection allows it', () => {
    expect(parseExpand('principal($select=id, displayName),roleDefinition($select=id;$expand=inheritsPermissionsFrom)')).toEqual([
      { property: 'principal', expand: [], select: ['id', 'displayName'] },
      { property: 'roleDefinition', expand: [{ property: 'inheritsPermissionsFrom', expand: [] }], select: ['id'] },
    ]);
    const params = new URLSearchParams('$expand=principal($select=id)');
    expect(parseQuery(params, { filterable: [], expandable: ['principal'], expandSelect: true }).expand).toEqual([{ property: 'principal', expand: [], select: ['id'] }]);
    expect(() => parseQuery(params, { filterable: [], expandable: ['principal'] })).toThrow(/only \$expand is supported inside parentheses/);
    expect(() => parseQuery(new URLSearchParams('$expand=principal($select=)'), { filterable: [], expandable: ['principal'], expandSelect: true })).toThrow(/expected property names/);
  });
});

describe('paging', () => {
  it('visits every item exactly once across pages, whatever the page size', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (ids, top) => {
        const items = ids.map((id) => ({ id }));
        const seen: string[] = [];
        let skipToken: string | undefined;
        do {
          const page = pageOf(items, { top, skipToken, expand: [], count: false }, (i) => i.id);
          seen.push(...page.value.map((v) => v.id));
          skipToken = page.nextSkipToken;
        } while (skipToken);
        expect(seen.sort()).toEqual([...ids].sort());
      }),
    );
  });

  it('keeps a page boundary stable when items are added before it', () => {
    const items = ['a', 'c', 'e', 'g'].map((id) => ({ id }));
    const first = pageOf(items, { top: 2, expand: [], count: false }, (i) => i.id);
    items.push({ id: 'b' });
    const second = pageOf(items, { top: 2, skipToken: first.nextSkipToken, expand: [], count: false }, (i) => i.id);
    expect(second.value.map((v) => v.id)).toEqual(['e', 'g']);
  });
});
