import type {
  ApprovalRule,
  AuthenticationContextRule,
  Caller,
  EnabledRule,
  EnablementRule,
  ExpirationRule,
  Level,
  NotificationRule,
  PolicyRule,
  RecipientType,
  RolePolicy,
  RuleTarget,
} from './types';

const target = (caller: Caller, level: Level): RuleTarget => ({
  caller,
  level,
  operations: ['All'],
  inheritableSettings: [],
  enforcedSettings: [],
});

const expiration = (id: string, caller: Caller, level: Level, required: boolean, max: string): ExpirationRule => ({
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
  id,
  isExpirationRequired: required,
  maximumDuration: max,
  target: target(caller, level),
});

const enablement = (id: string, caller: Caller, level: Level, enabledRules: EnabledRule[]): EnablementRule => ({
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
  id,
  enabledRules,
  target: target(caller, level),
});

const notifications = (scenario: 'Admin_Eligibility' | 'Admin_Assignment' | 'EndUser_Assignment'): NotificationRule[] => {
  const [caller, level] = scenario === 'EndUser_Assignment' ? (['EndUser', 'Assignment'] as const) : scenario === 'Admin_Eligibility' ? (['Admin', 'Eligibility'] as const) : (['Admin', 'Assignment'] as const);
  return (['Admin', 'Requestor', 'Approver'] as RecipientType[]).map((recipientType) => ({
    '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule',
    id: `Notification_${recipientType}_${scenario}`,
    notificationType: 'Email',
    recipientType,
    notificationLevel: 'All',
    isDefaultRecipientsEnabled: true,
    notificationRecipients: [],
    target: target(caller, level),
  }));
};

/**
 * The rules every role starts with, as Microsoft Entra sets them: activation up to 8 hours
 * with MFA and justification, no approval (24-hour stage when turned on), eligible assignments
 * up to a year and active ones up to 180 days unless made permanent-allowed.
 */
export function defaultRules(): PolicyRule[] {
  const approval: ApprovalRule = {
    '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
    id: 'Approval_EndUser_Assignment',
    target: target('EndUser', 'Assignment'),
    setting: {
      isApprovalRequired: false,
      isApprovalRequiredForExtension: false,
      isRequestorJustificationRequired: true,
      approvalMode: 'SingleStage',
      approvalStages: [
        {
          approvalStageTimeOutInDays: 1,
          isApproverJustificationRequired: true,
          escalationTimeInMinutes: 0,
          isEscalationEnabled: false,
          primaryApprovers: [],
          escalationApprovers: [],
        },
      ],
    },
  };
  const authContext: AuthenticationContextRule = {
    '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule',
    id: 'AuthenticationContext_EndUser_Assignment',
    isEnabled: false,
    claimValue: '',
    target: target('EndUser', 'Assignment'),
  };
  return [
    expiration('Expiration_Admin_Eligibility', 'Admin', 'Eligibility', false, 'P365D'),
    enablement('Enablement_Admin_Eligibility', 'Admin', 'Eligibility', []),
    ...notifications('Admin_Eligibility'),
    expiration('Expiration_Admin_Assignment', 'Admin', 'Assignment', false, 'P180D'),
    enablement('Enablement_Admin_Assignment', 'Admin', 'Assignment', ['Justification']),
    ...notifications('Admin_Assignment'),
    expiration('Expiration_EndUser_Assignment', 'EndUser', 'Assignment', true, 'PT8H'),
    enablement('Enablement_EndUser_Assignment', 'EndUser', 'Assignment', ['MultiFactorAuthentication', 'Justification']),
    approval,
    authContext,
    ...notifications('EndUser_Assignment'),
  ];
}

export function policyIdFor(tenantId: string, roleDefinitionId: string): string {
  return `DirectoryRole_${tenantId}_${roleDefinitionId}`;
}

export function defaultPolicy(tenantId: string, roleDefinitionId: string): RolePolicy {
  return {
    id: policyIdFor(tenantId, roleDefinitionId),
    roleDefinitionId,
    scopeId: '/',
    scopeType: 'DirectoryRole',
    lastModifiedDateTime: null,
    lastModifiedBy: { id: null, displayName: null },
    rules: defaultRules(),
  };
}
