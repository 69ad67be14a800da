import { parseDuration } from '../duration';
import { DomainError } from '../errors';
import type { ApprovalQuorum, Approver, ApprovalStage, EnabledRule, PolicyRule } from './types';

/** Bounds Entra puts on policy settings. */
export const ACTIVATION_MIN_MS = 30 * 60_000;
export const ACTIVATION_MAX_MS = 24 * 3_600_000;
const ADMIN_MAX_MS = 365 * 86_400_000;
const ADMIN_MIN_MS = 86_400_000;
const MAX_STAGES = 3;

interface Problem {
  target: string;
  message: string;
}

const invalid = (problems: Problem[]) =>
  new DomainError(
    'InvalidPolicy',
    problems.map((p) => p.message).join(' '),
    400,
    problems.map((p) => ({ code: 'InvalidPolicyRule', message: p.message, target: p.target })),
  );

/**
 * The rule a PATCH asks for: the current rule with the body's settings applied, checked for
 * sense (type matches, durations in range, approvers present when approval is required, ...).
 * Throws one error listing every problem; the rule's id and target never change.
 */
export function patchRule(current: PolicyRule, body: unknown): PolicyRule {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid([{ target: 'body', message: 'Send the rule as a JSON object.' }]);
  }
  const patch = body as Record<string, unknown>;
  const problems: Problem[] = [];
  if (patch['@odata.type'] !== undefined && patch['@odata.type'] !== current['@odata.type']) {
    problems.push({ target: '@odata.type', message: `Rule '${current.id}' is a ${current['@odata.type']}, not ${shown(patch['@odata.type'])}.` });
  }
  if (patch.id !== undefined && patch.id !== current.id) {
    problems.push({ target: 'id', message: `The body's id ${shown(patch.id)} does not match the rule '${current.id}'.` });
  }
  // Why: a misspelt setting silently ignored would leave the policy other than the admin meant.
  const known = new Set(['@odata.type', 'id', 'target', ...RULE_SETTINGS[current['@odata.type']]]);
  for (const key of Object.keys(patch)) {
    if (!known.has(key) && !key.startsWith('@odata.')) {
      problems.push({ target: key.slice(0, 100), message: `'${key.slice(0, 100)}' is not a property of ${current['@odata.type'].replace('#microsoft.graph.', '')}; it takes ${RULE_SETTINGS[current['@odata.type']].join(', ')}.` });
    }
  }
  if (problems.length) throw invalid(problems);

  let next: PolicyRule;
  switch (current['@odata.type']) {
    case '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule': {
      const isExpirationRequired = pickBoolean(patch, 'isExpirationRequired', current.isExpirationRequired, problems);
      const maximumDuration = pickString(patch, 'maximumDuration', current.maximumDuration, problems);
      const ms = parseDuration(maximumDuration);
      const activation = current.id === 'Expiration_EndUser_Assignment';
      const [min, max] = activation ? [ACTIVATION_MIN_MS, ACTIVATION_MAX_MS] : [ADMIN_MIN_MS, ADMIN_MAX_MS];
      if (ms === undefined) {
        problems.push({ target: 'maximumDuration', message: `maximumDuration '${maximumDuration}' is not an ISO 8601 duration (e.g. PT8H).` });
      } else if (ms < min || ms > max) {
        problems.push({
          target: 'maximumDuration',
          message: activation
            ? `The maximum activation duration must be from 30 minutes (PT30M) to 24 hours (PT24H); '${maximumDuration}' is not.`
            : `The maximum assignment duration must be from 1 day (P1D) to 365 days (P365D); '${maximumDuration}' is not.`,
        });
      }
      if (activation && !isExpirationRequired) {
        problems.push({ target: 'isExpirationRequired', message: 'Activations always expire: isExpirationRequired must stay true for Expiration_EndUser_Assignment.' });
      }
      next = { ...current, isExpirationRequired, maximumDuration };
      break;
    }
    case '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule': {
      const allowed: EnabledRule[] = ['MultiFactorAuthentication', 'Justification', 'Ticketing'];
      const raw = patch.enabledRules ?? current.enabledRules;
      if (!Array.isArray(raw) || raw.some((r) => !allowed.includes(r as EnabledRule))) {
        problems.push({ target: 'enabledRules', message: `enabledRules may hold only ${allowed.join(', ')}.` });
        next = current;
      } else {
        next = { ...current, enabledRules: [...new Set(raw as EnabledRule[])] };
      }
      break;
    }
    case '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule': {
      const setting = (patch.setting ?? {}) as Record<string, unknown>;
      if (typeof setting !== 'object' || setting === null) {
        problems.push({ target: 'setting', message: 'setting must be an object.' });
        next = current;
        break;
      }
      const cur = current.setting;
      const isApprovalRequired = pickBoolean(setting, 'isApprovalRequired', cur.isApprovalRequired, problems);
      const stages = setting.approvalStages === undefined ? cur.approvalStages : parseStages(setting.approvalStages, problems);
      if (isApprovalRequired) {
        if (stages.length === 0 || stages.length > MAX_STAGES) {
          problems.push({ target: 'approvalStages', message: `Approval needs 1 to ${MAX_STAGES} approval stages.` });
        }
        stages.forEach((s, i) => {
          if (s.primaryApprovers.length === 0) {
            problems.push({ target: `approvalStages[${i}].primaryApprovers`, message: `Approval is required but stage ${i + 1} names no approvers: add users or groups to primaryApprovers.` });
          }
        });
      }
      next = {
        ...current,
        setting: {
          isApprovalRequired,
          isApprovalRequiredForExtension: pickBoolean(setting, 'isApprovalRequiredForExtension', cur.isApprovalRequiredForExtension, problems),
          isRequestorJustificationRequired: pickBoolean(setting, 'isRequestorJustificationRequired', cur.isRequestorJustificationRequired, problems),
          approvalMode: !isApprovalRequired ? 'NoApproval' : stages.length > 1 ? 'Serial' : 'SingleStage',
          approvalStages: stages,
        },
      };
      break;
    }
    case '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule': {
      const isEnabled = pickBoolean(patch, 'isEnabled', current.isEnabled, problems);
      const claimValue = patch.claimValue === undefined ? current.claimValue : patch.claimValue;
      if (isEnabled && (typeof claimValue !== 'string' || !/^c([1-9]|[1-9]\d)$/.test(claimValue))) {
        problems.push({ target: 'claimValue', message: 'An enabled authentication context needs a claimValue from c1 to c99.' });
      }
      next = { ...current, isEnabled, claimValue: typeof claimValue === 'string' ? claimValue : null };
      break;
    }
    case '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule': {
      const level = patch.notificationLevel ?? current.notificationLevel;
      if (level !== 'None' && level !== 'Critical' && level !== 'All') {
        problems.push({ target: 'notificationLevel', message: 'notificationLevel must be None, Critical or All.' });
      }
      if (patch.recipientType !== undefined && patch.recipientType !== current.recipientType) {
        problems.push({ target: 'recipientType', message: `Rule '${current.id}' is for ${current.recipientType}; its recipientType cannot change.` });
      }
      const recipients = patch.notificationRecipients ?? current.notificationRecipients;
      if (!Array.isArray(recipients) || recipients.some((r) => typeof r !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r))) {
        problems.push({ target: 'notificationRecipients', message: 'notificationRecipients must be a list of email addresses.' });
      }
      next = {
        ...current,
        notificationLevel: level as 'All',
        isDefaultRecipientsEnabled: pickBoolean(patch, 'isDefaultRecipientsEnabled', current.isDefaultRecipientsEnabled, problems),
        notificationRecipients: Array.isArray(recipients) ? (recipients as string[]) : current.notificationRecipients,
      };
      break;
    }
    default: {
      const never: never = current;
      return never;
    }
  }
  if (problems.length) throw invalid(problems);
  return next;
}

/** Checks that hold across rules (Entra refuses both MFA and an authentication context on activation). */
export function checkPolicyConsistency(rules: PolicyRule[]): void {
  const enablement = rules.find((r) => r.id === 'Enablement_EndUser_Assignment');
  const context = rules.find((r) => r.id === 'AuthenticationContext_EndUser_Assignment');
  if (
    enablement?.['@odata.type'] === '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule' &&
    context?.['@odata.type'] === '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule' &&
    context.isEnabled &&
    enablement.enabledRules.includes('MultiFactorAuthentication')
  ) {
    throw invalid([
      {
        target: 'enabledRules',
        message: 'Activation cannot require both MultiFactorAuthentication and an authentication context; the context already decides how people sign in. Turn one off first.',
      },
    ]);
  }
}

/** Every approver named in the rule, for the caller to check they exist. */
export function approversOf(rule: PolicyRule): Approver[] {
  if (rule['@odata.type'] !== '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule') return [];
  return rule.setting.approvalStages.flatMap((s) => [...s.primaryApprovers, ...s.escalationApprovers]);
}

function parseStages(raw: unknown, problems: Problem[]): ApprovalStage[] {
  if (!Array.isArray(raw)) {
    problems.push({ target: 'approvalStages', message: 'approvalStages must be a list.' });
    return [];
  }
  return raw.map((s, i) => {
    const stage = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    const timeout = Number(stage.approvalStageTimeOutInDays ?? 1);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 7) {
      problems.push({ target: `approvalStages[${i}].approvalStageTimeOutInDays`, message: `Stage ${i + 1}: approvalStageTimeOutInDays must be a whole number of days from 1 to 7.` });
    }
    const escalation = Number(stage.escalationTimeInMinutes ?? 0);
    const isEscalationEnabled = stage.isEscalationEnabled === true;
    const escalationApprovers = parseApprovers(stage.escalationApprovers, `approvalStages[${i}].escalationApprovers`, problems);
    if (!Number.isInteger(escalation) || escalation < 0 || escalation > timeout * 1440) {
      problems.push({ target: `approvalStages[${i}].escalationTimeInMinutes`, message: `Stage ${i + 1}: escalationTimeInMinutes must be from 0 to the stage timeout.` });
    }
    if (isEscalationEnabled && (escalationApprovers.length === 0 || escalation === 0)) {
      problems.push({ target: `approvalStages[${i}].escalationApprovers`, message: `Stage ${i + 1}: escalation needs escalationApprovers and an escalationTimeInMinutes above 0.` });
    }
    const primaryApprovers = parseApprovers(stage.primaryApprovers, `approvalStages[${i}].primaryApprovers`, problems);
    const quorum = parseQuorum(stage.quorum, primaryApprovers, i, problems);
    return {
      approvalStageTimeOutInDays: timeout,
      isApproverJustificationRequired: stage.isApproverJustificationRequired !== false,
      escalationTimeInMinutes: escalation,
      isEscalationEnabled,
      primaryApprovers,
      escalationApprovers,
      ...(quorum ? { quorum } : {}),
    };
  });
}

/** The quorum extension of a stage: N distinct approvals (1-25) and the deny mode. */
/** The settings a PATCH may change, per rule type. */
export const RULE_SETTINGS: Record<PolicyRule['@odata.type'], string[]> = {
  '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule': ['isExpirationRequired', 'maximumDuration'],
  '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule': ['enabledRules'],
  '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule': ['setting'],
  '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule': ['isEnabled', 'claimValue'],
  '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule': ['notificationType', 'recipientType', 'notificationLevel', 'isDefaultRecipientsEnabled', 'notificationRecipients'],
};

/** A value as quoted in a message: strings shortened, anything else by its type (never stringified deep). */
function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value.slice(0, 100)}'` : `a ${Array.isArray(value) ? 'list' : typeof value}`;
}

function parseQuorum(raw: unknown, approvers: Approver[], i: number, problems: Problem[]): ApprovalQuorum | undefined {
  if (raw === undefined || raw === null) return undefined;
  const target = `approvalStages[${i}].quorum`;
  const q = (typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const required = q.approvalsRequired ?? 1;
  const denyMode = q.denyMode ?? 'any';
  if (typeof required !== 'number' || !Number.isInteger(required) || required < 1 || required > 25) {
    problems.push({ target: `${target}.approvalsRequired`, message: `Stage ${i + 1}: quorum.approvalsRequired must be a whole number from 1 to 25.` });
    return undefined;
  }
  if (denyMode !== 'any' && denyMode !== 'majority') {
    problems.push({ target: `${target}.denyMode`, message: `Stage ${i + 1}: quorum.denyMode must be 'any' (one deny ends the request) or 'majority'.` });
    return undefined;
  }
  // Groups may hold any number of people; named users alone cap the quorum.
  const onlyUsers = approvers.every((a) => a['@odata.type'] === '#microsoft.graph.singleUser');
  const distinctUsers = new Set(approvers.map((a) => ('userId' in a ? a.userId : a.groupId))).size;
  if (onlyUsers && required > distinctUsers) {
    problems.push({ target: `${target}.approvalsRequired`, message: `Stage ${i + 1} needs ${required} approvals but names only ${distinctUsers} approver(s): add approvers or lower quorum.approvalsRequired.` });
  }
  return { approvalsRequired: required, denyMode };
}

function parseApprovers(raw: unknown, target: string, problems: Problem[]): Approver[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push({ target, message: `${target} must be a list of approvers.` });
    return [];
  }
  const out: Approver[] = [];
  for (const a of raw) {
    const item = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    const type = item['@odata.type'];
    const description = typeof item.description === 'string' ? item.description : null;
    if (type === '#microsoft.graph.singleUser' && typeof item.userId === 'string') {
      out.push({ '@odata.type': type, userId: item.userId, description, isBackup: item.isBackup === true });
    } else if (type === '#microsoft.graph.groupMembers' && typeof item.groupId === 'string') {
      out.push({ '@odata.type': type, groupId: item.groupId, description, isBackup: item.isBackup === true });
    } else {
      problems.push({ target, message: `Each approver is {"@odata.type":"#microsoft.graph.singleUser","userId":...} or {"@odata.type":"#microsoft.graph.groupMembers","groupId":...}.` });
    }
  }
  return out;
}

function pickBoolean(source: Record<string, unknown>, key: string, fallback: boolean, problems: Problem[]): boolean {
  const value = source[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    problems.push({ target: key, message: `${key} must be true or false.` });
    return fallback;
  }
  return value;
}

function pickString(source: Record<string, unknown>, key: string, fallback: string, problems: Problem[]): string {
  const value = source[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') {
    problems.push({ target: key, message: `${key} must be a string.` });
    return fallback;
  }
  return value;
}
