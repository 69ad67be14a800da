import type { AzureRoleTarget, GroupTarget } from '../target';
import { azurePolicyIdFor } from './azurePolicyIds';
import type {
  ApprovalRule,
  ApprovalStage,
  AuthenticationContextRule,
  Caller,
  EnabledRule,
  EnablementRule,
  ExpirationRule,
  Level,
  NotificationRule,
  PolicyRule,
  PolicyScopeType,
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

/** The settings where Entra's defaults for a group's membership or ownership differ from a directory role's. */
interface DefaultsVariant {
  /** Whether eligible and active assignments made by an admin must end (within P365D and P180D). */
  adminAssignmentsExpire: boolean;
  /** What an activation asks for. */
  activationRequires: EnabledRule[];
}

/**
 * Graph's documented defaults (the Global Administrator policy and a group's owner policy):
 * a group's assignments must end, and its activation asks for a justification but not MFA.
 * Azure resource roles start as Entra starts them: no permanent eligible or active assignment
 * (ARM's own examples assign for P365D, the most a default policy allows), and activation asks
 * for a justification; MFA is a setting the admin turns on (the ARM examples' policies show it
 * turned on, after a change).
 */
const VARIANTS: Record<PolicyScopeType, DefaultsVariant> = {
  DirectoryRole: { adminAssignmentsExpire: false, activationRequires: ['MultiFactorAuthentication', 'Justification'] },
  Group: { adminAssignmentsExpire: true, activationRequires: ['Justification'] },
  AzureResource: { adminAssignmentsExpire: true, activationRequires: ['Justification'] },
};

/** A stage as Entra starts one: decided within a day, approvers justify, no escalation, nobody named yet. */
export function defaultApprovalStage(): ApprovalStage {
  return {
    approvalStageTimeOutInDays: 1,
    isApproverJustificationRequired: true,
    escalationTimeInMinutes: 0,
    isEscalationEnabled: false,
    primaryApprovers: [],
    escalationApprovers: [],
  };
}

/**
 * The rules every role (or group access) starts with, as Microsoft Entra sets them:
 * activation up to 8 hours with a justification (and MFA for directory roles), no approval
 * (24-hour stage when turned on), eligible assignments up to a year and active ones up to 180
 * days (for directory roles, unless made permanent-allowed; a group's must end).
 */
export function defaultRules(scopeType: PolicyScopeType = 'DirectoryRole'): PolicyRule[] {
  const variant = VARIANTS[scopeType];
  const approval: ApprovalRule = {
    '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
    id: 'Approval_EndUser_Assignment',
    target: target('EndUser', 'Assignment'),
    setting: {
      isApprovalRequired: false,
      isApprovalRequiredForExtension: false,
      isRequestorJustificationRequired: true,
      approvalMode: 'SingleStage',
      approvalStages: [defaultApprovalStage()],
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
    expiration('Expiration_Admin_Eligibility', 'Admin', 'Eligibility', variant.adminAssignmentsExpire, 'P365D'),
    enablement('Enablement_Admin_Eligibility', 'Admin', 'Eligibility', []),
    ...notifications('Admin_Eligibility'),
    expiration('Expiration_Admin_Assignment', 'Admin', 'Assignment', variant.adminAssignmentsExpire, 'P180D'),
    enablement('Enablement_Admin_Assignment', 'Admin', 'Assignment', ['Justification']),
    ...notifications('Admin_Assignment'),
    expiration('Expiration_EndUser_Assignment', 'EndUser', 'Assignment', true, 'PT8H'),
    enablement('Enablement_EndUser_Assignment', 'EndUser', 'Assignment', [...variant.activationRequires]),
    approval,
    authContext,
    ...notifications('EndUser_Assignment'),
  ];
}

/** A directory role's policy id (stable per tenant and role, so a role not yet configured has its id already). */
export function policyIdFor(tenantId: string, roleDefinitionId: string): string {
  return `DirectoryRole_${tenantId}_${roleDefinitionId}`;
}

/** A group's policy id as Entra forms it: the group, and a guid made once when the policy is created at onboarding. */
export function groupPolicyIdFor(groupId: string, policyGuid: string): string {
  return `Group_${groupId}_${policyGuid}`;
}

/** The id of the assignment that ties a policy to its role or group access, as Entra forms it: `{policyId}_{roleDefinitionId}`. */
export function policyAssignmentIdOf(policy: Pick<RolePolicy, 'id' | 'roleDefinitionId'>): string {
  return `${policy.id}_${policy.roleDefinitionId}`;
}

export function defaultPolicy(tenantId: string, roleDefinitionId: string): RolePolicy {
  return {
    id: policyIdFor(tenantId, roleDefinitionId),
    roleDefinitionId,
    scopeId: '/',
    scopeType: 'DirectoryRole',
    lastModifiedDateTime: null,
    lastModifiedBy: { id: null, displayName: null },
    rules: defaultRules('DirectoryRole'),
  };
}

/**
 * The policy a group's membership or ownership starts with when the group is onboarded.
 * `policyGuid` is made by the caller (fresh for each of the group's two policies), which keeps
 * this function pure.
 */
export function defaultGroupPolicy(groupId: string, accessId: GroupTarget['accessId'], policyGuid: string): RolePolicy {
  return {
    id: groupPolicyIdFor(groupId, policyGuid),
    roleDefinitionId: accessId,
    scopeId: groupId,
    scopeType: 'Group',
    lastModifiedDateTime: null,
    lastModifiedBy: { id: null, displayName: null },
    rules: defaultRules('Group'),
  };
}

/**
 * The policy an Azure role has at a scope until an admin changes it (or a policy above the
 * scope marked inherited applies instead). `policyName` is the GUID ARM names it by, made by
 * the caller from (scope, role), which keeps this function pure. `target.scope` is canonical.
 */
export function defaultAzurePolicy(target: Pick<AzureRoleTarget, 'scope' | 'roleDefinitionId'>, policyName: string): RolePolicy {
  const roleGuid = target.roleDefinitionId.toLowerCase();
  return {
    id: azurePolicyIdFor(target.scope, policyName),
    roleDefinitionId: roleGuid,
    scopeId: target.scope,
    scopeType: 'AzureResource',
    lastModifiedDateTime: null,
    lastModifiedBy: { id: null, displayName: null },
    rules: defaultRules('AzureResource'),
  };
}
