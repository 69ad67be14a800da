import { DomainError } from '../../domain/errors';
import type { Approver, ApprovalStage, PolicyRule, RuleTarget } from '../../domain/policy/types';

/**
 * The one place policy rules change shape between ARM (Microsoft.Authorization
 * roleManagementPolicies, api-version 2020-10-01) and the domain (Graph's shapes). The rule ids
 * and settings are the same; ARM differs in:
 * - the discriminator: `ruleType` (RoleManagementPolicy…Rule), not `@odata.type`;
 * - `target.targetObjects`, which the domain does not keep (shown as null, as ARM shows it);
 * - approvers: `{id, description, isBackup, userType: User|Group}`, not Graph's singleUser/groupMembers;
 * - `exceptionMembers` on expiration rules in ARM's examples (not in the 2020-10-01 schema):
 *   accepted when null or empty, refused otherwise (the domain has no exceptions).
 */
export type ArmRuleType =
  | 'RoleManagementPolicyApprovalRule'
  | 'RoleManagementPolicyAuthenticationContextRule'
  | 'RoleManagementPolicyEnablementRule'
  | 'RoleManagementPolicyExpirationRule'
  | 'RoleManagementPolicyNotificationRule';

export interface ArmRuleTarget {
  caller: string;
  operations: string[];
  level: string;
  targetObjects: string[] | null;
  inheritableSettings: string[];
  enforcedSettings: string[];
}

export interface ArmUserSet {
  id: string;
  description: string | null;
  isBackup: boolean;
  userType: 'User' | 'Group';
}

export type ArmPolicyRule = { id: string; ruleType: ArmRuleType; target: ArmRuleTarget } & Record<string, unknown>;

const RULE_TYPES: Record<PolicyRule['@odata.type'], ArmRuleType> = {
  '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule': 'RoleManagementPolicyApprovalRule',
  '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule': 'RoleManagementPolicyAuthenticationContextRule',
  '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule': 'RoleManagementPolicyEnablementRule',
  '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule': 'RoleManagementPolicyExpirationRule',
  '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule': 'RoleManagementPolicyNotificationRule',
};

const ODATA_TYPES = new Map(Object.entries(RULE_TYPES).map(([odata, arm]) => [arm.toLowerCase(), odata as PolicyRule['@odata.type']]));

/** A domain rule as ARM shows it: its settings, then `id`, `ruleType` and `target`, as in ARM's responses. */
export function toArmRule(rule: PolicyRule): ArmPolicyRule {
  const head = { id: rule.id, ruleType: RULE_TYPES[rule['@odata.type']], target: toArmTarget(rule.target) };
  switch (rule['@odata.type']) {
    case '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule':
      return { setting: { ...rule.setting, approvalStages: rule.setting.approvalStages.map(toArmStage) }, ...head };
    case '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule':
      return { isEnabled: rule.isEnabled, claimValue: rule.claimValue, ...head };
    case '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule':
      return { enabledRules: [...rule.enabledRules], ...head };
    case '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule':
      return { isExpirationRequired: rule.isExpirationRequired, maximumDuration: rule.maximumDuration, ...head };
    case '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule':
      return {
        notificationType: rule.notificationType,
        recipientType: rule.recipientType,
        isDefaultRecipientsEnabled: rule.isDefaultRecipientsEnabled,
        notificationLevel: rule.notificationLevel,
        notificationRecipients: [...rule.notificationRecipients],
        ...head,
      };
    default: {
      const never: never = rule;
      throw new Error(`Unknown rule ${JSON.stringify(never)}`);
    }
  }
}

function toArmTarget(target: RuleTarget): ArmRuleTarget {
  return {
    caller: target.caller,
    operations: [...target.operations],
    level: target.level,
    targetObjects: null,
    inheritableSettings: [...target.inheritableSettings],
    enforcedSettings: [...target.enforcedSettings],
  };
}

function toArmStage(stage: ApprovalStage): Record<string, unknown> {
  return { ...stage, primaryApprovers: stage.primaryApprovers.map(toArmUserSet), escalationApprovers: stage.escalationApprovers.map(toArmUserSet) };
}

function toArmUserSet(approver: Approver): ArmUserSet {
  const common = { description: approver.description ?? null, isBackup: approver.isBackup ?? false };
  return approver['@odata.type'] === '#microsoft.graph.singleUser'
    ? { id: approver.userId, ...common, userType: 'User' }
    : { id: approver.groupId, ...common, userType: 'Group' };
}

/** One ARM rule of a PATCH body, read: its id, and its settings in the domain's shape as `patchRule` takes them. */
export interface ArmRulePatch {
  id: string;
  patch: Record<string, unknown>;
  /** The rule's target as sent (the domain never changes a rule's target; kept for a full read, see `fromArmRule`). */
  target: unknown;
}

interface Problem {
  code: string;
  message: string;
  target: string;
}

/**
 * The rules of a PATCH body (`properties.rules`), each read into the domain's shape. Every
 * problem of every rule is reported at once: a rule without an id, an unknown `ruleType`,
 * exception members, a malformed approver. Settings are checked after, by `patchRule`.
 */
export function armRulePatches(rules: unknown): ArmRulePatch[] {
  if (!Array.isArray(rules)) throw invalidRules([{ code: 'InvalidPolicyRule', message: 'properties.rules must be a list of rules.', target: 'properties.rules' }]);
  const problems: Problem[] = [];
  const out = rules.map((raw, i) => readArmRule(raw, `properties.rules[${i}]`, problems));
  if (problems.length > 0) throw invalidRules(problems);
  return out;
}

/** A complete ARM rule as the domain rule it shows (the inverse of `toArmRule`). */
export function fromArmRule(raw: unknown): PolicyRule {
  const problems: Problem[] = [];
  const { id, patch, target } = readArmRule(raw, 'rule', problems);
  if (problems.length > 0) throw invalidRules(problems);
  const t = (typeof target === 'object' && target !== null ? target : {}) as Partial<ArmRuleTarget>;
  const ruleTarget: RuleTarget = {
    caller: t.caller as RuleTarget['caller'],
    level: t.level as RuleTarget['level'],
    operations: (t.operations ?? []) as RuleTarget['operations'],
    inheritableSettings: t.inheritableSettings ?? [],
    enforcedSettings: t.enforcedSettings ?? [],
  };
  return { ...patch, id, target: ruleTarget } as unknown as PolicyRule;
}

function readArmRule(raw: unknown, at: string, problems: Problem[]): ArmRulePatch {
  const rule = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const { id, ruleType, target, exceptionMembers, ...settings } = rule;
  if (typeof id !== 'string' || id.trim() === '') problems.push({ code: 'InvalidPolicyRule', message: `${at}: each rule needs its id (e.g. Expiration_EndUser_Assignment).`, target: `${at}.id` });
  const odataType = typeof ruleType === 'string' ? ODATA_TYPES.get(ruleType.toLowerCase()) : undefined;
  if (!odataType) {
    problems.push({ code: 'InvalidPolicyRule', message: `${at}: ruleType must be one of ${Object.values(RULE_TYPES).join(', ')}.`, target: `${at}.ruleType` });
  }
  if (exceptionMembers !== undefined && exceptionMembers !== null && !(Array.isArray(exceptionMembers) && exceptionMembers.length === 0)) {
    problems.push({ code: 'InvalidPolicyRule', message: `${at}: exceptionMembers are not supported; send null or leave them out.`, target: `${at}.exceptionMembers` });
  }
  const patch: Record<string, unknown> = { ...settings, ...(odataType ? { '@odata.type': odataType } : {}) };
  if (odataType === '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule') patch.setting = readSetting(settings.setting, `${at}.setting`, problems);
  // ARM shows "no additional recipients" as null.
  if (odataType === '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule' && settings.notificationRecipients === null) patch.notificationRecipients = [];
  return { id: typeof id === 'string' ? id : '', patch, target };
}

function readSetting(raw: unknown, at: string, problems: Problem[]): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const setting = raw as Record<string, unknown>;
  if (!Array.isArray(setting.approvalStages)) return setting;
  return {
    ...setting,
    approvalStages: setting.approvalStages.map((s: unknown, i) => {
      if (typeof s !== 'object' || s === null) return s;
      const stage = s as Record<string, unknown>;
      return {
        ...stage,
        primaryApprovers: readUserSets(stage.primaryApprovers, `${at}.approvalStages[${i}].primaryApprovers`, problems),
        escalationApprovers: readUserSets(stage.escalationApprovers, `${at}.approvalStages[${i}].escalationApprovers`, problems),
      };
    }),
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readUserSets(raw: unknown, at: string, problems: Problem[]): Approver[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push({ code: 'InvalidPolicyRule', message: `${at} must be a list of approvers.`, target: at });
    return [];
  }
  const out: Approver[] = [];
  raw.forEach((item: unknown, i) => {
    const a = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const description = typeof a.description === 'string' ? a.description : null;
    const isBackup = a.isBackup === true;
    const userType = typeof a.userType === 'string' ? a.userType.toLowerCase() : undefined;
    if (typeof a.id !== 'string' || !GUID.test(a.id) || (userType !== 'user' && userType !== 'group')) {
      problems.push({ code: 'InvalidPolicyRule', message: `${at}[${i}]: each approver is {"id": "{objectId}", "userType": "User" or "Group"}.`, target: `${at}[${i}]` });
      return;
    }
    out.push(
      userType === 'user'
        ? { '@odata.type': '#microsoft.graph.singleUser', userId: a.id, description, isBackup }
        : { '@odata.type': '#microsoft.graph.groupMembers', groupId: a.id, description, isBackup },
    );
  });
  return out;
}

const invalidRules = (problems: Problem[]) => new DomainError('InvalidPolicy', problems.map((p) => p.message).join(' '), 400, problems);

/** A domain message in ARM's words: its rule type names for Graph's. */
export function armWording(message: string): string {
  return message.replace(/#?(?:microsoft\.graph\.)?unifiedRoleManagementPolicy(\w+?)Rule/g, 'RoleManagementPolicy$1Rule');
}
