import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { describeChanges, diff, patchedRules, type Rule, toDocument } from '../../../cli/policyYaml';

const BOB = '375306f3-8c15-476d-9f9d-01dc542d1672';
const APPROVERS = 'a5135109-50e1-4961-8b3f-f3cf6aa1e9ec';

const rules: Rule[] = [
  { id: 'Expiration_EndUser_Assignment', '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', isExpirationRequired: true, maximumDuration: 'PT8H', target: { caller: 'EndUser' } },
  { id: 'Enablement_EndUser_Assignment', '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', enabledRules: ['MultiFactorAuthentication', 'Justification'] },
  { id: 'AuthenticationContext_EndUser_Assignment', isEnabled: false, claimValue: null },
  {
    id: 'Approval_EndUser_Assignment',
    setting: {
      isApprovalRequired: true,
      approvalStages: [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 30, primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: BOB }], escalationApprovers: [] }],
    },
  },
  { id: 'Expiration_Admin_Eligibility', isExpirationRequired: false, maximumDuration: 'P365D' },
  { id: 'Expiration_Admin_Assignment', isExpirationRequired: true, maximumDuration: 'P180D' },
  { id: 'Enablement_Admin_Assignment', enabledRules: ['Justification'] },
  { id: 'Notification_Admin_Admin_Eligibility', isDefaultRecipientsEnabled: true },
];

const role = { role: 'User Administrator', roleDefinitionId: 'fe930be7-5e62-47db-91af-98c3a49a38b1' };

describe('the role settings YAML', () => {
  it('exports the rules that matter in readable names', () => {
    expect(toDocument(role, rules)).toEqual({
      role: 'User Administrator',
      roleDefinitionId: role.roleDefinitionId,
      activation: {
        maximumDuration: 'PT8H',
        requireMfa: true,
        requireJustification: true,
        requireTicket: false,
        authenticationContext: null,
        approval: { required: true, stages: [{ timeoutDays: 1, requireJustification: true, approvers: [{ user: BOB }] }] },
      },
      eligibility: { expirationRequired: false, maximumDuration: 'P365D' },
      assignment: { expirationRequired: true, maximumDuration: 'P180D', requireMfa: false, requireJustification: true },
    });
  });

  it('round-trips through YAML with no changes', () => {
    const doc = parse(stringify(toDocument(role, rules)));
    expect(diff(rules, doc)).toEqual([]);
  });

  it('diffs only what the file changes and patches only those rules, keeping what it does not map', () => {
    const doc = toDocument(role, rules) as unknown as { activation: Record<string, unknown> };
    doc.activation.maximumDuration = 'PT4H';
    doc.activation.requireMfa = false;
    doc.activation.authenticationContext = 'c1';
    (doc.activation.approval as { stages: unknown[] }).stages = [{ timeoutDays: 2, requireJustification: false, approvers: [{ group: APPROVERS }] }];
    const changes = diff(rules, parse(stringify(doc)));
    expect(changes.map((c) => c.path)).toEqual(['activation.maximumDuration', 'activation.requireMfa', 'activation.authenticationContext', 'activation.approval.stages']);
    expect(describeChanges(changes)).toContain('~ activation.maximumDuration: PT8H → PT4H');

    const patched = patchedRules(rules, changes);
    expect(patched.map((r) => r.id)).toEqual(['Expiration_EndUser_Assignment', 'Enablement_EndUser_Assignment', 'AuthenticationContext_EndUser_Assignment', 'Approval_EndUser_Assignment']);
    expect(patched[0]).toMatchObject({ maximumDuration: 'PT4H', isExpirationRequired: true, target: { caller: 'EndUser' } });
    expect(patched[1]).toMatchObject({ enabledRules: ['Justification'] });
    expect(patched[2]).toMatchObject({ isEnabled: true, claimValue: 'c1' });
    const stage = (patched[3]?.setting as { approvalStages: Array<Record<string, unknown>> }).approvalStages[0];
    expect(stage).toEqual({
      approvalStageTimeOutInDays: 2,
      isApproverJustificationRequired: false,
      escalationTimeInMinutes: 30,
      escalationApprovers: [],
      primaryApprovers: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId: APPROVERS }],
    });
  });

  it('leaves out of the diff what the file does not mention', () => {
    expect(diff(rules, { role: 'User Administrator', activation: { maximumDuration: 'PT2H' } }).map((c) => c.path)).toEqual(['activation.maximumDuration']);
  });

  it('says what is wrong with an approver it cannot read', () => {
    expect(() => diff(rules, { activation: { approval: { stages: [{ approvers: [{ person: 'bob' }] }] } } })).toThrow(/approvers\[0\] must be/);
  });
});
