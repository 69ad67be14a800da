import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../shared/domain/errors';
import { defaultRules } from '../../../../shared/domain/policy/defaults';
import type { ApprovalRule, PolicyRule } from '../../../../shared/domain/policy/types';
import { patchRule } from '../../../../shared/domain/policy/validate';
import { splitAuthorizationPath } from '../../../../shared/http/arm/armPath';
import { armRulePatches, armWording, fromArmRule, toArmRule } from '../../../../shared/http/arm/policyRules';
import { patchFullExample } from '../../../fixtures/armPolicyExamples';

const USER = 'a3bb8764-cb92-4276-9d2a-ca1e895e55ea';
const GROUP = '2385b0f3-5fa9-43cf-8ca4-b01dc97298cd';

/** An approval rule with everything a stage can hold: a user and a group, a backup, escalation and the quorum extension. */
function approvalWithApprovers(): ApprovalRule {
  const rule = defaultRules('AzureResource').find((r) => r.id === 'Approval_EndUser_Assignment') as ApprovalRule;
  return {
    ...rule,
    setting: {
      ...rule.setting,
      isApprovalRequired: true,
      approvalMode: 'SingleStage',
      approvalStages: [
        {
          approvalStageTimeOutInDays: 2,
          isApproverJustificationRequired: true,
          escalationTimeInMinutes: 120,
          isEscalationEnabled: true,
          primaryApprovers: [
            { '@odata.type': '#microsoft.graph.singleUser', userId: USER, description: 'DevOps lead', isBackup: false },
            { '@odata.type': '#microsoft.graph.groupMembers', groupId: GROUP, description: null, isBackup: true },
          ],
          escalationApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USER, description: null, isBackup: false }],
          quorum: { approvalsRequired: 1, denyMode: 'any' },
        },
      ],
    },
  };
}

describe('ARM <-> domain policy rules', () => {
  it('round-trips every default rule and a rule with every kind of approver unchanged', () => {
    const rules: PolicyRule[] = [...defaultRules('AzureResource'), ...defaultRules('DirectoryRole'), approvalWithApprovers()];
    for (const rule of rules) expect(fromArmRule(toArmRule(rule)), rule.id).toEqual(rule);
  });

  it("shows rules in ARM's shape: ruleType, a target with targetObjects, approvers with userType", () => {
    const arm = toArmRule(approvalWithApprovers());
    expect(arm).toMatchObject({
      id: 'Approval_EndUser_Assignment',
      ruleType: 'RoleManagementPolicyApprovalRule',
      target: { caller: 'EndUser', level: 'Assignment', operations: ['All'], targetObjects: null, inheritableSettings: [], enforcedSettings: [] },
      setting: {
        isApprovalRequired: true,
        approvalStages: [
          {
            primaryApprovers: [
              { id: USER, description: 'DevOps lead', isBackup: false, userType: 'User' },
              { id: GROUP, description: null, isBackup: true, userType: 'Group' },
            ],
            escalationApprovers: [{ id: USER, userType: 'User' }],
          },
        ],
      },
    });
    expect(JSON.stringify(arm)).not.toContain('@odata');
    const notification = toArmRule(defaultRules('AzureResource').find((r) => r.id === 'Notification_Admin_Admin_Eligibility') as PolicyRule);
    expect(notification).toMatchObject({ ruleType: 'RoleManagementPolicyNotificationRule', notificationRecipients: [], recipientType: 'Admin' });
  });

  it("reads every rule of ARM's PATCH example, nulls and exceptionMembers included, and shows it back as ARM does", () => {
    const example = patchFullExample().properties.rules;
    const read = example.map((r) => fromArmRule(r));
    expect(read.map((r) => r['@odata.type'].replace('#microsoft.graph.unified', ''))).toEqual(example.map((r) => r.ruleType));
    const approval = read.find((r) => r.id === 'Approval_EndUser_Assignment') as ApprovalRule;
    expect(approval.setting.approvalStages[0]?.primaryApprovers).toEqual([
      { '@odata.type': '#microsoft.graph.groupMembers', groupId: GROUP, description: 'amansw_new_group', isBackup: false },
      { '@odata.type': '#microsoft.graph.groupMembers', groupId: '2f4913c9-d15b-406a-9946-1d66a28f2690', description: 'amansw_group', isBackup: false },
    ]);
    expect(approval.setting.approvalStages[0]?.escalationApprovers).toEqual([]);
    expect(read.find((r) => r.id === 'Notification_Approver_EndUser_Assignment')).toMatchObject({ notificationRecipients: [], isDefaultRecipientsEnabled: true });
    // Back in ARM's shape: the same settings; ARM's nulls become empty lists and exceptionMembers is not shown.
    const back = read.map(toArmRule);
    const normalized = (r: Record<string, unknown>) => JSON.parse(JSON.stringify(r).replace(/"exceptionMembers":null,/g, '').replace(/"(inheritableSettings|enforcedSettings|notificationRecipients|escalationApprovers)":null/g, '"$1":[]')) as unknown;
    back.forEach((rule, i) => expect(rule, rule.id).toEqual(normalized(example[i] ?? {})));
  });

  it('turns an ARM rule into a patch the domain checks like any other: a good one applies, a bad duration is refused', () => {
    const current = defaultRules('AzureResource').find((r) => r.id === 'Expiration_EndUser_Assignment') as PolicyRule;
    const [good] = armRulePatches([{ ...toArmRule(current), maximumDuration: 'PT2H' }]);
    expect(patchRule(current, good?.patch)).toMatchObject({ id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT2H' });
    const [bad] = armRulePatches([{ id: current.id, ruleType: 'RoleManagementPolicyExpirationRule', maximumDuration: 'P3D' }]);
    expect(() => patchRule(current, bad?.patch)).toThrow(/30 minutes/);
    const [wrongType] = armRulePatches([{ id: current.id, ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: [] }]);
    try {
      patchRule(current, wrongType?.patch);
      expect.unreachable();
    } catch (error) {
      const message = armWording((error as Error).message);
      expect(message).toContain("Rule 'Expiration_EndUser_Assignment' is a RoleManagementPolicyExpirationRule, not 'RoleManagementPolicyEnablementRule'.");
      expect(message).toContain("'enabledRules' is not a property of RoleManagementPolicyExpirationRule");
    }
  });

  it('names every malformed rule of a PATCH at once', () => {
    let error: unknown;
    try {
      armRulePatches([
        { ruleType: 'RoleManagementPolicyExpirationRule' },
        { id: 'Expiration_Admin_Eligibility', ruleType: 'ExpirationRule' },
        { id: 'Expiration_Admin_Assignment', ruleType: 'RoleManagementPolicyExpirationRule', exceptionMembers: [{ id: USER }] },
        { id: 'Approval_EndUser_Assignment', ruleType: 'RoleManagementPolicyApprovalRule', setting: { approvalStages: [{ primaryApprovers: [{ id: USER, userType: 'Robot' }] }] } },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).status).toBe(400);
    expect((error as DomainError).details?.map((d) => d.target)).toEqual([
      'properties.rules[0].id',
      'properties.rules[1].ruleType',
      'properties.rules[2].exceptionMembers',
      'properties.rules[3].setting.approvalStages[0].primaryApprovers[0]',
    ]);
    expect(() => armRulePatches({ rules: [] })).toThrow(/must be a list/);
  });
});

describe('Microsoft.Authorization paths', () => {
  it('splits a path at its last Microsoft.Authorization provider, whatever the scope holds', () => {
    expect(splitAuthorizationPath('subscriptions/s1/resourceGroups/rg/providers/Microsoft.Authorization/roleManagementPolicies/p1')).toEqual({
      scope: '/subscriptions/s1/resourceGroups/rg',
      resourceType: 'roleManagementPolicies',
      name: 'p1',
    });
    expect(splitAuthorizationPath('/providers/Microsoft.Management/managementGroups/mg/providers/microsoft.authorization/roleManagementPolicyAssignments')).toEqual({
      scope: '/providers/Microsoft.Management/managementGroups/mg',
      resourceType: 'roleManagementPolicyAssignments',
    });
    expect(splitAuthorizationPath('/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Web/sites/app/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r1/cancel')).toEqual({
      scope: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Web/sites/app',
      resourceType: 'roleAssignmentScheduleRequests',
      name: 'r1',
      action: 'cancel',
    });
    expect(splitAuthorizationPath('/subscriptions/s1/resourceGroups/rg')).toBeUndefined();
    expect(splitAuthorizationPath('/subscriptions/s1/providers/Microsoft.Authorization/a/b/c/d')).toBeUndefined();
  });
});
