import { describe, expect, it } from 'vitest';
import { decisionsCsv, recurrenceOf, reviewersOf, scopeOf } from '../../../portal/src/admin/reviewBody';
import { parseReviewer, parseReviewScope } from '../../../shared/domain/accessReviews';

const ROLE = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
const GROUP = 'a261738d-44fa-4fe5-b885-502ea33c4838';
const USER = '375306f3-8c15-476d-9f9d-01dc542d1672';
const SUB = '/subscriptions/8d2f5a1c-6e4b-4c9a-b7d3-0e5f8a2c4b97';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

describe("the admin page's review scopes and reviewers are the ones the API reads", () => {
  it('directory roles: eligible, active or both', () => {
    const role = { kind: 'role', roleDefinitionId: ROLE, directoryScopeId: '/' } as const;
    expect(parseReviewScope(scopeOf(role, 'eligible'))).toMatchObject({ target: { kind: 'directoryRole', roleDefinitionId: ROLE, directoryScopeId: '/' }, kinds: ['eligibility'] });
    expect(parseReviewScope(scopeOf(role, 'active')).kinds).toEqual(['assignment']);
    expect(parseReviewScope(scopeOf(role, 'both')).kinds).toEqual(['eligibility', 'assignment']);
  });

  it("a group's members or owners", () => {
    expect(parseReviewScope(scopeOf({ kind: 'group', groupId: GROUP, accessId: 'member' }, 'eligible')).target).toEqual({ kind: 'group', groupId: GROUP, accessId: 'member' });
    expect(parseReviewScope(scopeOf({ kind: 'group', groupId: GROUP, accessId: 'owner' }, 'eligible')).target).toEqual({ kind: 'group', groupId: GROUP, accessId: 'owner' });
  });

  it('an Azure role at a scope, from its full ARM id', () => {
    const azure = { kind: 'azure', scope: `${SUB}/resourceGroups/rg-web`, roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${READER}` } as const;
    const parsed = parseReviewScope(scopeOf(azure, 'active'));
    expect(parsed.target).toMatchObject({ kind: 'azureRole', roleDefinitionId: READER });
    expect(parsed.kinds).toEqual(['assignment']);
    expect(parseReviewScope(scopeOf(azure, 'eligible')).kinds).toEqual(['eligibility']);
  });

  it('reviewers: named users, a group, its owners, managers; self-review is no reviewer', () => {
    expect(reviewersOf('self', [USER], GROUP)).toEqual([]);
    expect(reviewersOf('users', [USER], GROUP).map((r) => parseReviewer({ ...r, queryType: r.queryType ?? '' }, 'reviewers[0]'))).toEqual([{ type: 'user', userId: USER }]);
    const read = (kind: Parameters<typeof reviewersOf>[0]) => reviewersOf(kind, [], GROUP).map((r) => parseReviewer({ ...r, queryType: r.queryType ?? '' }, 'reviewers[0]'));
    expect(read('groupMembers')).toEqual([{ type: 'groupMembers', groupId: GROUP }]);
    expect(read('groupOwners')).toEqual([{ type: 'groupOwners', groupId: GROUP }]);
    expect(read('manager')).toEqual([{ type: 'manager' }]);
  });
});

describe('recurrence from the form', () => {
  it('quarterly from a date, ending after four reviews', () => {
    expect(recurrenceOf({ cadence: 'quarterly', startDate: '2027-01-15', end: 'numbered', endDate: '', occurrences: 4 }, '2026-11-29')).toEqual({
      pattern: { type: 'absoluteMonthly', interval: 3, dayOfMonth: 15 },
      range: { type: 'numbered', startDate: '2027-01-15', numberOfOccurrences: 4 },
    });
  });

  it('one time: none when it starts today (it starts at once), one occurrence when later', () => {
    expect(recurrenceOf({ cadence: 'once', startDate: '2026-11-29', end: 'noEnd', endDate: '', occurrences: 1 }, '2026-11-29')).toBeNull();
    expect(recurrenceOf({ cadence: 'once', startDate: '2026-12-03', end: 'noEnd', endDate: '', occurrences: 1 }, '2026-11-29')).toMatchObject({ range: { type: 'numbered', startDate: '2026-12-03', numberOfOccurrences: 1 } });
  });
});

describe('decisions as CSV', () => {
  it('quotes commas and quotes, and defuses spreadsheet formulas', () => {
    const csv = decisionsCsv([
      { id: '1', decision: 'Deny', principal: { displayName: 'Dave Diaz' }, resource: { displayName: 'Exchange Administrator', type: 'directoryRole', assignmentState: 'Eligible' }, reviewedBy: { displayName: 'Bob Baker' }, reviewedDateTime: '2026-11-29T10:00:00Z', justification: '=HYPERLINK("x")', applyResult: 'New' },
    ]);
    expect(csv).toBe('principal,resource,decision,reviewedBy,reviewedDateTime,justification,applyResult\r\nDave Diaz,"Exchange Administrator (directory role, eligible)",Denied,Bob Baker,2026-11-29T10:00:00Z,"\'=HYPERLINK(""x"")",New\r\n');
  });
});
