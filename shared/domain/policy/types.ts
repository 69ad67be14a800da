import type { WebhookTarget } from '../webhooks';

/**
 * Role management policy rules, in Microsoft Graph's own shapes (unifiedRoleManagementPolicy*Rule),
 * so they travel through the API unchanged.
 */
export type Caller = 'None' | 'Admin' | 'EndUser';
export type Level = 'Eligibility' | 'Assignment';
export type Operation = 'All' | 'Activate' | 'Deactivate' | 'Assign' | 'Update' | 'Remove' | 'Extend' | 'Renew';

export interface RuleTarget {
  caller: Caller;
  level: Level;
  operations: Operation[];
  inheritableSettings: string[];
  enforcedSettings: string[];
}

interface RuleBase {
  id: string;
  target: RuleTarget;
}

export interface ExpirationRule extends RuleBase {
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule';
  isExpirationRequired: boolean;
  /** ISO 8601 duration, e.g. PT8H or P365D. */
  maximumDuration: string;
}

export type EnabledRule = 'MultiFactorAuthentication' | 'Justification' | 'Ticketing';

export interface EnablementRule extends RuleBase {
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule';
  enabledRules: EnabledRule[];
}

export type Approver =
  | { '@odata.type': '#microsoft.graph.singleUser'; userId: string; description?: string | null; isBackup?: boolean }
  | { '@odata.type': '#microsoft.graph.groupMembers'; groupId: string; description?: string | null; isBackup?: boolean };

export interface ApprovalStage {
  approvalStageTimeOutInDays: number;
  isApproverJustificationRequired: boolean;
  escalationTimeInMinutes: number;
  isEscalationEnabled: boolean;
  primaryApprovers: Approver[];
  escalationApprovers: Approver[];
  /**
   * Extension (not in Graph): how many distinct approvers must approve the stage, and whether
   * one deny ends the request ('any', Entra's behaviour) or only a majority of the approvers
   * ('majority'). Absent means 1 approval and 'any'.
   */
  quorum?: ApprovalQuorum;
}

export interface ApprovalQuorum {
  approvalsRequired: number;
  denyMode: 'any' | 'majority';
}

export interface ApprovalSettings {
  isApprovalRequired: boolean;
  isApprovalRequiredForExtension: boolean;
  isRequestorJustificationRequired: boolean;
  approvalMode: 'SingleStage' | 'Serial' | 'Parallel' | 'NoApproval';
  approvalStages: ApprovalStage[];
}

export interface ApprovalRule extends RuleBase {
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule';
  setting: ApprovalSettings;
}

export interface AuthenticationContextRule extends RuleBase {
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule';
  isEnabled: boolean;
  claimValue: string | null;
}

export type RecipientType = 'Requestor' | 'Approver' | 'Admin';

export interface NotificationRule extends RuleBase {
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule';
  notificationType: 'Email';
  recipientType: RecipientType;
  notificationLevel: 'None' | 'Critical' | 'All';
  isDefaultRecipientsEnabled: boolean;
  notificationRecipients: string[];
}

export type PolicyRule = ExpirationRule | EnablementRule | ApprovalRule | AuthenticationContextRule | NotificationRule;

/**
 * What a policy governs: a directory role (at the tenant) or a group's membership or ownership,
 * in Graph's words; or an Azure role at one ARM scope ('AzureResource'). ARM's policies carry no
 * scope type of their own: this one value covers every level (management group, subscription,
 * resource group, resource), which follows from `scopeId`, and the ARM surface shows ARM's word
 * for the level in `policyProperties.scope.type`.
 */
export type PolicyScopeType = 'DirectoryRole' | 'Group' | 'AzureResource';

/**
 * A role's (or a group access's) policy as PIM keeps it. A directory role's: `scopeId` "/",
 * `roleDefinitionId` the role. A group's: `scopeId` the group id, `roleDefinitionId` 'member'
 * or 'owner'. An Azure role's: `scopeId` the canonical ARM scope, `roleDefinitionId` the role
 * definition's GUID (lower-case), `id` ARM's full policy id.
 */
export interface RolePolicy {
  id: string;
  roleDefinitionId: string;
  scopeId: string;
  scopeType: PolicyScopeType;
  lastModifiedDateTime: string | null;
  lastModifiedBy: { id: string | null; displayName: string | null };
  rules: PolicyRule[];
  /** Extension (not in Graph): where this role's events are also sent (Teams, Slack, signed JSON). */
  pimWebhooks?: WebhookTarget[];
  /**
   * Extension (not in Graph), directory roles and groups: whether an early end (deactivation,
   * admin removal) revokes the user's sign-in sessions (Graph revokeSignInSessions). Absent or
   * null: the default, on for roles Graph marks isPrivileged and off otherwise.
   */
  pimRevokeSessionsOnEarlyEnd?: boolean | null;
  /**
   * Extension (not in Entra), Azure roles only: the scopes below this one that have no settings
   * of their own follow this policy (see `effectivePolicyOf`). Absent means false.
   */
  isInheritedBySubscopes?: boolean;
  /**
   * Set on what `policyFor` returns for an Azure role, never stored: the scope whose policy
   * (marked inherited) applies in place of the target scope's own, or null when its own does.
   */
  inheritedFrom?: string | null;
}
