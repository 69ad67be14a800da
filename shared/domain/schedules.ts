import type { GrantCondition } from './condition';
import type { Target } from './target';
import { describeDuration, parseDuration } from './duration';
import { badRequest } from './errors';
import type { ExpirationRule } from './policy/types';

/** Eligible (may activate) or active (holds the role now). */
export type ScheduleKind = 'eligibility' | 'assignment';

export const REQUEST_ACTIONS = [
  'adminAssign',
  'adminUpdate',
  'adminRemove',
  'adminExtend',
  'adminRenew',
  'selfActivate',
  'selfDeactivate',
  'selfExtend',
  'selfRenew',
] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

export type RequestStatus =
  | 'Canceled'
  | 'Denied'
  | 'Failed'
  | 'Granted'
  | 'PendingAdminDecision'
  | 'PendingApproval'
  | 'PendingProvisioning'
  | 'PendingScheduleCreation'
  | 'Provisioned'
  | 'Revoked'
  | 'ScheduleCreated'
  | 'TimedOut';

export interface ScheduleInfo {
  startDateTime: string | null;
  expiration: {
    type: 'notSpecified' | 'noExpiration' | 'afterDateTime' | 'afterDuration';
    endDateTime: string | null;
    duration: string | null;
  };
}

export interface TicketInfo {
  ticketNumber: string | null;
  ticketSystem: string | null;
}

/** Who holds what: the unit PIM keeps at most one live schedule for, per kind (eligible or active). */
export interface Slot {
  principalId: string;
  target: Target;
}

export interface ScheduleRequest extends Slot {
  id: string;
  kind: ScheduleKind;
  action: RequestAction;
  appScopeId: string | null;
  justification: string | null;
  ticketInfo: TicketInfo;
  scheduleInfo: ScheduleInfo;
  status: RequestStatus;
  createdDateTime: string;
  completedDateTime: string | null;
  createdBy: { user: { id: string; displayName: string | null } };
  approvalId: string | null;
  targetScheduleId: string | null;
  isValidationOnly: boolean;
  /**
   * The ABAC condition of the grant the request makes or changes (Azure roles only); null or
   * absent: none (requests stored before conditions were carried have none).
   */
  condition?: GrantCondition | null;
}

export type ScheduleStatus =
  | 'PendingApproval'
  | 'PendingProvisioning'
  | 'Provisioned'
  | 'Revoked'
  | 'Expired'
  | 'Denied'
  | 'Canceled'
  | 'TimedOut'
  | 'Failed';

export interface Schedule extends Slot {
  id: string;
  kind: ScheduleKind;
  appScopeId: string | null;
  startDateTime: string;
  endDateTime: string | null;
  status: ScheduleStatus;
  /** Direct; Group when shown to a member of the group that holds it (never stored so). */
  memberType: 'Direct' | 'Group';
  /** For active schedules: Assigned by an admin, or Activated by the holder. */
  assignmentType: 'Assigned' | 'Activated' | null;
  createdUsing: string;
  createdDateTime: string;
  modifiedDateTime: string;
  /** The directory role assignment that carries an active schedule, once granted. */
  roleAssignmentOriginId: string | null;
  /**
   * For an activation: the eligibility schedule it was activated through (the principal's own,
   * or a group's). Graph's `activatedUsing`. Absent on activations made before it was recorded.
   */
  linkedEligibilityScheduleId?: string | null;
  /** False when the directory already held the role (e.g. assigned outside PIM): PIM then never removes it. */
  grantedByPim?: boolean;
  /** The end its holder was last told is near (so each end is announced once). */
  expiryNoticeFor?: string | null;
  /**
   * The ABAC condition its grant carries (Azure roles only): an eligibility's passes to every
   * activation made through it. Null or absent: none.
   */
  condition?: GrantCondition | null;
}

/** A schedule is live (holds its slot) until it ends; an activation awaiting approval already holds it. */
export function isLive(s: Schedule): boolean {
  return s.status === 'Provisioned' || s.status === 'PendingProvisioning' || s.status === 'PendingApproval';
}

/** In effect: approved (or needing none), and between its start and end. */
export function isInEffect(s: Schedule, now: Date): boolean {
  return (s.status === 'Provisioned' || s.status === 'PendingProvisioning') && Date.parse(s.startDateTime) <= now.getTime() && (s.endDateTime === null || Date.parse(s.endDateTime) > now.getTime());
}

export interface ResolvedWindow {
  start: Date;
  end: Date | null;
}

/**
 * Turns a request's scheduleInfo into a start and end, checked against the expiration rule:
 * permanent only where the policy allows it, and no longer than its maximum duration.
 */
export function resolveWindow(info: ScheduleInfo, rule: ExpirationRule, now: Date, what: string): ResolvedWindow {
  const start = info.startDateTime ? parseInstant(info.startDateTime, 'scheduleInfo.startDateTime') : now;
  const max = parseDuration(rule.maximumDuration) ?? Number.POSITIVE_INFINITY;
  let end: Date | null;
  switch (info.expiration.type) {
    case 'afterDateTime':
      if (!info.expiration.endDateTime) throw badRequest('scheduleInfo.expiration.endDateTime is required when expiration.type is afterDateTime.');
      end = parseInstant(info.expiration.endDateTime, 'scheduleInfo.expiration.endDateTime');
      break;
    case 'afterDuration': {
      const ms = info.expiration.duration ? parseDuration(info.expiration.duration) : undefined;
      if (ms === undefined || ms <= 0) {
        throw badRequest('scheduleInfo.expiration.duration must be an ISO 8601 duration such as PT8H when expiration.type is afterDuration.');
      }
      end = new Date(start.getTime() + ms);
      break;
    }
    case 'noExpiration':
    case 'notSpecified':
      end = null;
      break;
    default: {
      const never: never = info.expiration.type;
      throw badRequest(`Unknown expiration type '${String(never)}'.`);
    }
  }
  if (end === null) {
    if (rule.isExpirationRequired) {
      throw badRequest(
        `The role's policy does not allow permanent ${what}; give scheduleInfo.expiration an end at most ${describeDuration(max)} after the start.`,
        'RoleAssignmentRequestPolicyValidationFailed',
      );
    }
    return { start, end };
  }
  if (end.getTime() <= start.getTime()) throw badRequest('The schedule must end after it starts.');
  if (end.getTime() <= now.getTime()) throw badRequest('The schedule must end in the future.');
  if (rule.isExpirationRequired && end.getTime() - start.getTime() > max) {
    throw badRequest(
      `The requested ${what} lasts longer than the policy's maximum of ${describeDuration(max)} (${rule.maximumDuration}).`,
      'RoleAssignmentRequestPolicyValidationFailed',
    );
  }
  return { start, end };
}

function parseInstant(text: string, field: string): Date {
  const t = Date.parse(text);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) throw badRequest(`${field} '${text}' is not an ISO 8601 date-time.`);
  return new Date(t);
}

/** Directory scopes Graph accepts for directory roles. */
export function checkDirectoryScope(scope: string): void {
  if (scope === '/' || /^\/administrativeUnits\/[0-9a-f-]{36}$/i.test(scope) || /^\/[0-9a-f-]{36}$/i.test(scope)) return;
  throw badRequest(`directoryScopeId '${scope}' is not a scope: use "/" for the tenant, "/administrativeUnits/{id}" or "/{applicationObjectId}".`);
}

/** How early holders are told an end is near: activations in minutes, the rest in days. */
export interface ExpiryNotice {
  activationMinutes: number;
  days: number;
}

export const DEFAULT_EXPIRY_NOTICE: ExpiryNotice = { activationMinutes: 15, days: 14 };

/** How long a workflow may take to act on a decision or a grant before the reconcile pass does. */
export const STALLED_AFTER_MS = 2 * 60_000;

/** When its holder should hear that the schedule's end is near (undefined: no end, or told already). */
export function expiryNoticeAt(s: Schedule, notice: ExpiryNotice): Date | undefined {
  if (!s.endDateTime || s.expiryNoticeFor === s.endDateTime) return undefined;
  const window = s.assignmentType === 'Activated' ? notice.activationMinutes * 60_000 : notice.days * 86_400_000;
  return new Date(Math.max(Date.parse(s.startDateTime), Date.parse(s.endDateTime) - window));
}

/**
 * The next moment the reconcile timer must look at a schedule: a lost workflow's request
 * (shortly after it was made), a start to grant at, an end to announce, an end to expire or
 * revoke at, or a grant still held after the end. Undefined when nothing will ever be due.
 */
export function nextAttention(s: Schedule, notice: ExpiryNotice, now: Date, requestPending: boolean): Date | undefined {
  const times: number[] = [];
  if (requestPending) times.push(now.getTime() + STALLED_AFTER_MS);
  if (isLive(s)) {
    const start = Date.parse(s.startDateTime);
    if (s.kind === 'assignment' && s.roleAssignmentOriginId === null && start > now.getTime()) times.push(start);
    const noticeAt = expiryNoticeAt(s, notice);
    if (noticeAt && s.status !== 'PendingApproval') times.push(noticeAt.getTime());
    if (s.endDateTime) times.push(Date.parse(s.endDateTime));
  } else if (s.roleAssignmentOriginId !== null) {
    // Ended but still held (its removal failed): try again now.
    times.push(now.getTime());
  }
  const valid = times.filter((t) => Number.isFinite(t));
  return valid.length > 0 ? new Date(Math.max(now.getTime(), Math.min(...valid))) : undefined;
}
