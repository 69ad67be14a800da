import { describe, expect, it } from 'vitest';
import { planActivation } from '../../../shared/domain/activation';
import type { Schedule } from '../../../shared/domain/schedules';
import { defaultGroupPolicy, defaultPolicy, defaultRules, policyAssignmentIdOf } from '../../../shared/domain/policy/defaults';
import { targetOfPolicy } from '../../../shared/domain/policy/governs';
import type { EnablementRule, PolicyRule } from '../../../shared/domain/policy/types';

const GROUP = '7e526275-97a8-4dc6-932a-4db521cccf96';
const GUID = 'c2e2ba31-f113-406b-9e86-4ae08781ce2e';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

const byId = (rules: PolicyRule[]) => new Map(rules.map((r) => [r.id, r]));

describe('default policies', () => {
  it('gives a group Entra\'s documented group defaults where they differ from a directory role\'s, and the same rules otherwise', () => {
    const role = byId(defaultRules('DirectoryRole'));
    const group = byId(defaultRules('Group'));
    expect([...group.keys()]).toEqual([...role.keys()]);
    expect(group.size).toBe(17);
    const differing = [...group.keys()].filter((id) => JSON.stringify(group.get(id)) !== JSON.stringify(role.get(id)));
    expect(differing.sort()).toEqual(['Enablement_EndUser_Assignment', 'Expiration_Admin_Assignment', 'Expiration_Admin_Eligibility']);
    // As in Graph's example of a group's owner policy.
    expect(group.get('Expiration_Admin_Eligibility')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P365D' });
    expect(group.get('Expiration_Admin_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P180D' });
    expect(group.get('Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification'] });
    expect(group.get('Expiration_EndUser_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'PT8H' });
    expect(group.get('Enablement_Admin_Assignment')).toMatchObject({ enabledRules: ['Justification'] });
    expect(group.get('Approval_EndUser_Assignment')).toMatchObject({ setting: { isApprovalRequired: false, approvalStages: [{ approvalStageTimeOutInDays: 1 }] } });
    // ...and a directory role keeps its own.
    expect(role.get('Expiration_Admin_Eligibility')).toMatchObject({ isExpirationRequired: false });
    expect(role.get('Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['MultiFactorAuthentication', 'Justification'] });
    expect(defaultRules()).toEqual(defaultRules('DirectoryRole'));
  });

  it('hands out fresh rules each time: changing one policy\'s rules changes no other default', () => {
    const first = defaultRules('Group').find((r) => r.id === 'Enablement_EndUser_Assignment') as EnablementRule;
    first.enabledRules.push('Ticketing');
    first.target.operations.push('Activate');
    expect(defaultRules('Group').find((r) => r.id === 'Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification'], target: { operations: ['All'] } });
    expect(defaultRules('DirectoryRole').find((r) => r.id === 'Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['MultiFactorAuthentication', 'Justification'] });
  });

  it('names a group\'s policy and its assignment as Entra does, and reads the group target back from them', () => {
    const policy = defaultGroupPolicy(GROUP, 'owner', GUID);
    expect(policy).toMatchObject({ id: `Group_${GROUP}_${GUID}`, scopeId: GROUP, scopeType: 'Group', roleDefinitionId: 'owner', lastModifiedDateTime: null });
    expect(policyAssignmentIdOf(policy)).toBe(`Group_${GROUP}_${GUID}_owner`);
    expect(targetOfPolicy(policy)).toEqual({ kind: 'group', groupId: GROUP, accessId: 'owner' });
    expect(() => targetOfPolicy({ ...policy, roleDefinitionId: GLOBAL_ADMIN })).toThrow(/'member' or 'owner'/);
  });

  it('keeps a directory role\'s policy id and assignment id as they were', () => {
    const policy = defaultPolicy('tenant', GLOBAL_ADMIN);
    expect(policy.id).toBe(`DirectoryRole_tenant_${GLOBAL_ADMIN}`);
    expect(policyAssignmentIdOf(policy)).toBe(`DirectoryRole_tenant_${GLOBAL_ADMIN}_${GLOBAL_ADMIN}`);
    expect(targetOfPolicy(policy)).toEqual({ kind: 'directoryRole', roleDefinitionId: GLOBAL_ADMIN, directoryScopeId: '/' });
  });

  it('lets a group member activate with a justification and no MFA under the defaults, where a directory role asks for MFA', () => {
    const now = new Date('2025-01-01T10:00:00Z');
    const group = { kind: 'group' as const, groupId: GROUP, accessId: 'member' as const };
    const eligibility: Schedule = {
      id: 'e1', kind: 'eligibility', principalId: 'p', target: group, appScopeId: null, startDateTime: '2024-12-01T00:00:00Z', endDateTime: null,
      status: 'Provisioned', memberType: 'Direct', assignmentType: null, createdUsing: 'e1', createdDateTime: '2024-12-01T00:00:00Z', modifiedDateTime: '2024-12-01T00:00:00Z', roleAssignmentOriginId: null,
    };
    const ask = { justification: 'on call', ticketInfo: { ticketNumber: null, ticketSystem: null }, scheduleInfo: { startDateTime: null, expiration: { type: 'afterDuration' as const, duration: 'PT1H', endDateTime: null } } };
    const noMfa = { amr: ['pwd'], acrs: [] };
    expect(planActivation(defaultGroupPolicy(GROUP, 'member', GUID), eligibility, ask, noMfa, now).end.toISOString()).toBe('2025-01-01T11:00:00.000Z');
    expect(() => planActivation(defaultGroupPolicy(GROUP, 'member', GUID), eligibility, { ...ask, justification: null }, noMfa, now)).toThrow(/JustificationRule/);
    expect(() => planActivation(defaultPolicy('tenant', GLOBAL_ADMIN), eligibility, ask, noMfa, now)).toThrow(/multifactor/);
  });
});
