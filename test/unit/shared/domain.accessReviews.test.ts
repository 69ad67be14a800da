import { describe, expect, it } from 'vitest';
import { parseReviewer, parseReviewScope, recommend } from '../../../shared/domain/accessReviews';

const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const DAY = 86_400_000;

describe('access review scopes and reviewers', () => {
  it("reads Graph's PIM role scopes: all, eligible users, active (assigned) users", () => {
    expect(parseReviewScope({ query: `/roleManagement/directory/roleDefinitions/${ROLE}`, queryType: 'MicrosoftGraph' }).kinds).toEqual(['eligibility', 'assignment']);
    expect(
      parseReviewScope({ query: `/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '${ROLE}')` }),
    ).toEqual({ target: { kind: 'directoryRole', roleDefinitionId: ROLE, directoryScopeId: '/' }, kinds: ['eligibility'], usersOnly: true });
    expect(
      parseReviewScope({ query: `/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=(assignmentType eq 'Assigned' and isof(principal,'microsoft.graph.user') and roleDefinitionId eq '${ROLE}')` }).kinds,
    ).toEqual(['assignment']);
  });

  it('reads group members and owners, and Azure role assignments at a scope', () => {
    const g = 'e402c219-ba44-4a70-ae14-8d119b0f39d9';
    expect(parseReviewScope({ query: `/groups/${g}/transitiveMembers` }).target).toEqual({ kind: 'group', groupId: g, accessId: 'member' });
    expect(parseReviewScope({ query: `/groups/${g}/owners` }).target).toEqual({ kind: 'group', groupId: g, accessId: 'owner' });
    const azure = parseReviewScope({
      query: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c'",
      queryType: 'AzureResourceManager',
    });
    expect(azure).toMatchObject({ target: { kind: 'azureRole', roleDefinitionId: 'b24988ac-6180-42a0-ab88-20f7382dd24c' }, kinds: ['eligibility'] });
  });

  it('refuses a scope it cannot review with InvalidScope, naming the forms it can', () => {
    expect(() => parseReviewScope({ query: '/users' })).toThrow(expect.objectContaining({ code: 'InvalidScope', status: 400, message: expect.stringContaining('/groups/{groupId}/transitiveMembers') }));
  });

  it('reads reviewers, and wants queryRoot decisions for the manager', () => {
    expect(parseReviewer({ query: `/users/${ROLE}` }, 'r')).toEqual({ type: 'user', userId: ROLE });
    expect(parseReviewer({ query: './manager', queryRoot: 'decisions' }, 'r')).toEqual({ type: 'manager' });
    expect(() => parseReviewer({ query: './manager' }, 'r')).toThrow(expect.objectContaining({ code: 'InvalidReviewers' }));
  });

  it('recommends Deny for an eligibility not activated within the look-back, Approve inside it, nothing for active assignments', () => {
    const now = new Date('2026-06-30T00:00:00Z');
    expect(recommend('eligibility', null, now, 30 * DAY, 'P30D')).toEqual({ recommendation: 'Deny', reason: 'Not activated in the last 30 days' });
    expect(recommend('eligibility', new Date(now.getTime() - 31 * DAY).toISOString(), now, 30 * DAY, 'P30D').recommendation).toBe('Deny');
    expect(recommend('eligibility', new Date(now.getTime() - 2 * DAY).toISOString(), now, 30 * DAY, 'P30D')).toEqual({ recommendation: 'Approve', reason: 'Activated in the last 30 days' });
    expect(recommend('assignment', null, now, 30 * DAY, 'P30D').recommendation).toBe('NoInfoAvailable');
  });
});
