import { describeDuration, parseDuration } from './duration';
import { badRequest, DomainError, mfaRequired, StepUpRequired } from './errors';
import type { Approver, RolePolicy } from './policy/types';
import type { Schedule, ScheduleInfo, TicketInfo } from './schedules';

/** Entra's floor for one activation, and its ban on deactivating within the first minutes. */
export const MIN_ACTIVATION_MS = 5 * 60_000;
export const MIN_BEFORE_DEACTIVATION_MS = 5 * 60_000;
export const MAX_JUSTIFICATION = 500;

export interface ActivationAsk {
  justification: string | null;
  ticketInfo: TicketInfo;
  scheduleInfo: ScheduleInfo;
}

export interface CallerAuth {
  amr: string[];
  acrs: string[];
}

export interface ActivationPlan {
  start: Date;
  end: Date;
  approvalStages: ApprovalStagePlan[];
}

export interface ApprovalStagePlan {
  approvers: Approver[];
  timeoutMinutes: number;
  isApproverJustificationRequired: boolean;
  approvalsRequired: number;
  denyMode: 'any' | 'majority';
  /** Who takes over, and after how many minutes without a decision; null without escalation. */
  escalation: { afterMinutes: number; approvers: Approver[] } | null;
}

function rule<T extends RolePolicy['rules'][number]['@odata.type']>(policy: RolePolicy, id: string, type: T) {
  const found = policy.rules.find((r) => r.id === id);
  if (!found || found['@odata.type'] !== type) throw new Error(`Policy ${policy.id} lacks rule ${id}.`);
  return found as Extract<RolePolicy['rules'][number], { '@odata.type': T }>;
}

/**
 * Checks a selfActivate against the role's policy and the caller's eligibility, before
 * anything is stored: duration (5 minutes to the policy maximum), justification, ticket, MFA
 * or authentication context (a claims challenge the client can answer by stepping up), and
 * that the eligibility covers the start. The activation never outlasts the eligibility.
 */
export function planActivation(policy: RolePolicy, eligibility: Schedule, ask: ActivationAsk, auth: CallerAuth, now: Date): ActivationPlan {
  const expiration = rule(policy, 'Expiration_EndUser_Assignment', '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule');
  const enablement = rule(policy, 'Enablement_EndUser_Assignment', '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule');
  const context = rule(policy, 'AuthenticationContext_EndUser_Assignment', '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule');
  const approval = rule(policy, 'Approval_EndUser_Assignment', '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule');
  const max = parseDuration(expiration.maximumDuration) ?? 8 * 3_600_000;

  const start = ask.scheduleInfo.startDateTime ? new Date(Date.parse(ask.scheduleInfo.startDateTime)) : now;
  if (Number.isNaN(start.getTime())) throw badRequest(`scheduleInfo.startDateTime '${ask.scheduleInfo.startDateTime}' is not an ISO 8601 date-time.`);
  const effectiveStart = start.getTime() < now.getTime() ? now : start;
  let lengthMs: number | undefined;
  const exp = ask.scheduleInfo.expiration;
  if (exp.type === 'afterDuration' && exp.duration) lengthMs = parseDuration(exp.duration);
  else if (exp.type === 'afterDateTime' && exp.endDateTime) lengthMs = Date.parse(exp.endDateTime) - effectiveStart.getTime();

  const failures: string[] = [];
  const reasons: string[] = [];
  if (lengthMs === undefined || Number.isNaN(lengthMs)) {
    failures.push('ExpirationRule');
    reasons.push(`Give scheduleInfo.expiration as afterDuration (e.g. PT1H) or afterDateTime; the maximum is ${describeDuration(max)} (${expiration.maximumDuration}).`);
  } else if (lengthMs < MIN_ACTIVATION_MS) {
    failures.push('ExpirationRule');
    reasons.push('An activation lasts at least 5 minutes.');
  } else if (lengthMs > max) {
    failures.push('ExpirationRule');
    reasons.push(`The requested duration is longer than the maximum of ${describeDuration(max)} (${expiration.maximumDuration}).`);
  }
  const justificationRequired = enablement.enabledRules.includes('Justification') || approval.setting.isRequestorJustificationRequired && approval.setting.isApprovalRequired;
  if (justificationRequired && !ask.justification?.trim()) {
    failures.push('JustificationRule');
    reasons.push('Give a justification.');
  }
  if ((ask.justification?.length ?? 0) > MAX_JUSTIFICATION) {
    failures.push('JustificationRule');
    reasons.push(`The justification may be at most ${MAX_JUSTIFICATION} characters.`);
  }
  if (enablement.enabledRules.includes('Ticketing') && !ask.ticketInfo.ticketNumber?.trim()) {
    failures.push('TicketingRule');
    reasons.push('Give ticketInfo.ticketNumber.');
  }
  if (failures.length > 0) {
    throw new DomainError(
      'RoleAssignmentRequestPolicyValidationFailed',
      `The following policy rules failed: ${[...new Set(failures)].join(', ')}. ${reasons.join(' ')}`,
      400,
    );
  }
  // Why: step-up is checked after the body, so a client fixes its request before signing in again.
  if (context.isEnabled && context.claimValue && !auth.acrs.includes(context.claimValue)) {
    throw new StepUpRequired(`This role requires authentication context '${context.claimValue}': sign in again satisfying it and retry.`, {
      access_token: { acrs: { essential: true, value: context.claimValue } },
    });
  }
  if (enablement.enabledRules.includes('MultiFactorAuthentication') && !auth.amr.includes('mfa')) throw mfaRequired('Activating this role');

  const eligibleFrom = Date.parse(eligibility.startDateTime);
  const eligibleUntil = eligibility.endDateTime ? Date.parse(eligibility.endDateTime) : Number.POSITIVE_INFINITY;
  if (effectiveStart.getTime() < eligibleFrom || effectiveStart.getTime() >= eligibleUntil) {
    throw badRequest('You are not eligible for this role at the requested start time.', 'RoleAssignmentRequestNotEligible');
  }
  const end = new Date(Math.min(effectiveStart.getTime() + (lengthMs ?? 0), eligibleUntil));
  const approvalStages = approval.setting.isApprovalRequired
    ? approval.setting.approvalStages.map((s) => ({
        approvers: s.primaryApprovers,
        timeoutMinutes: s.approvalStageTimeOutInDays * 1440,
        isApproverJustificationRequired: s.isApproverJustificationRequired,
        approvalsRequired: s.quorum?.approvalsRequired ?? 1,
        denyMode: s.quorum?.denyMode ?? 'any',
        escalation:
          s.isEscalationEnabled && s.escalationTimeInMinutes > 0 && s.escalationApprovers.length > 0
            ? { afterMinutes: s.escalationTimeInMinutes, approvers: s.escalationApprovers }
            : null,
      }))
    : [];
  return { start: effectiveStart, end, approvalStages };
}
