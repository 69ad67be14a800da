/**
 * What Admin → Assignments reads and sends: the eligible and active assignments of one target
 * (a directory role at a directory scope, or a group's membership or ownership), the admin
 * rules of its policy, and Graph's admin schedule requests. Every kind of target goes through
 * the same functions; only `surfaceOf` knows where each kind lives in the API.
 */
import type { Api } from '../api';
import type { Target } from '../model';

export type ScheduleKind = 'eligibility' | 'assignment';
export type AdminAction = 'adminAssign' | 'adminUpdate' | 'adminRemove' | 'adminExtend' | 'adminRenew';

/** Where a target's kind lives in the API, and how its URLs and bodies name the target. */
interface Surface {
  base: string;
  prefix: Record<ScheduleKind, string>;
  /** The $filter that pins a listing to the target. */
  filter: string;
  /** The target's fields in a request body. */
  body: Record<string, string>;
  /** The $filter that finds the target's policy assignment. */
  policyFilter: string;
}

const q = (v: string) => v.replace(/'/g, "''");

function surfaceOf(t: Target): Surface {
  switch (t.kind) {
    case 'role':
      return {
        base: '/v1.0/roleManagement/directory',
        prefix: { eligibility: 'roleEligibility', assignment: 'roleAssignment' },
        filter: `roleDefinitionId eq '${q(t.roleDefinitionId)}' and directoryScopeId eq '${q(t.directoryScopeId)}'`,
        body: { roleDefinitionId: t.roleDefinitionId, directoryScopeId: t.directoryScopeId },
        policyFilter: `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${q(t.roleDefinitionId)}'`,
      };
    case 'group':
      return {
        base: '/v1.0/identityGovernance/privilegedAccess/group',
        prefix: { eligibility: 'eligibility', assignment: 'assignment' },
        filter: `groupId eq '${q(t.groupId)}' and accessId eq '${q(t.accessId)}'`,
        body: { groupId: t.groupId, accessId: t.accessId },
        policyFilter: `scopeId eq '${q(t.groupId)}' and scopeType eq 'Group' and roleDefinitionId eq '${q(t.accessId)}'`,
      };
  }
}

const setOf = (target: Target, kind: ScheduleKind, entity: 'Schedules' | 'ScheduleRequests') => {
  const s = surfaceOf(target);
  return `${s.base}/${s.prefix[kind]}${entity}`;
};

/** The API's changes hold for 14 days before an end (extend) and 90 days after it (renew). */
export const EXTEND_WINDOW_DAYS = 14;
const RENEW_WINDOW_MS = 90 * 86_400_000;

export interface AssignmentRow {
  key: string;
  kind: ScheduleKind;
  principalId: string;
  principal: string;
  membership: string;
  start?: string;
  end?: string;
  /** What the admin reads in the State column. */
  state: string;
  /** Only an admin's own assignment (not an activation, not one through a group) is changed here. */
  changeable: boolean;
  /** Time-bound and ending within the extend window. */
  extendable: boolean;
}

export interface ExpiredRow {
  key: string;
  kind: ScheduleKind;
  principalId: string;
  principal: string;
  end: string;
}

export interface TargetAssignments {
  eligible: AssignmentRow[];
  active: AssignmentRow[];
  /** Ended in the last 90 days and not assigned again: what adminRenew can bring back. */
  expired: ExpiredRow[];
}

interface RawPrincipal {
  displayName?: string | null;
  userPrincipalName?: string | null;
}

interface RawSchedule {
  id: string;
  principalId: string;
  status?: string;
  memberType?: string;
  assignmentType?: string | null;
  principal?: RawPrincipal | null;
  scheduleInfo?: { startDateTime?: string | null; expiration?: { endDateTime?: string | null } };
}

interface RawRequest {
  id: string;
  action: string;
  status?: string;
  principalId: string;
  createdDateTime?: string;
  principal?: RawPrincipal | null;
  scheduleInfo?: { startDateTime?: string | null; expiration?: { type?: string; endDateTime?: string | null; duration?: string | null } } | null;
}

const nameOf = (id: string, p?: RawPrincipal | null) => p?.displayName ?? p?.userPrincipalName ?? id;

function stateOf(kind: ScheduleKind, s: RawSchedule, now: number): string {
  const start = s.scheduleInfo?.startDateTime;
  if (start && Date.parse(start) > now) return kind === 'eligibility' ? 'Eligible (starts later)' : 'Active (starts later)';
  if (kind === 'eligibility') return 'Eligible';
  if (s.status === 'PendingProvisioning') return 'Active (being granted)';
  return s.assignmentType === 'Activated' ? 'Active (activated)' : 'Active (assigned)';
}

function rowOf(kind: ScheduleKind, s: RawSchedule, now: number): AssignmentRow {
  const end = s.scheduleInfo?.expiration?.endDateTime ?? undefined;
  const changeable = (s.memberType ?? 'Direct') === 'Direct' && s.assignmentType !== 'Activated';
  return {
    key: `${kind}:${s.id}`,
    kind,
    principalId: s.principalId,
    principal: nameOf(s.principalId, s.principal),
    membership: s.memberType ?? 'Direct',
    start: s.scheduleInfo?.startDateTime ?? undefined,
    end,
    state: stateOf(kind, s, now),
    changeable,
    extendable: changeable && end !== undefined && Date.parse(end) - now <= EXTEND_WINDOW_DAYS * 86_400_000,
  };
}

/** The end a request asked for, when it asked for one. */
function requestedEnd(r: RawRequest): number | undefined {
  const exp = r.scheduleInfo?.expiration;
  if (exp?.endDateTime) return Date.parse(exp.endDateTime);
  const start = r.scheduleInfo?.startDateTime ?? r.createdDateTime;
  const ms = exp?.duration ? isoDurationMs(exp.duration) : undefined;
  return start && ms !== undefined ? Date.parse(start) + ms : undefined;
}

/** Milliseconds in a day/time ISO 8601 duration (P30D, PT8H); undefined when unreadable. */
export function isoDurationMs(iso: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0));
  return (((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1000;
}

/**
 * Ended assignments, from the admin requests that made them: the API lists only live
 * schedules, so a principal with none whose latest admin request made a time-bound one (and
 * did not remove it) has seen it run out. The API decides on renewal; this only offers it.
 */
function expiredOf(kind: ScheduleKind, requests: RawRequest[], live: AssignmentRow[], now: number): ExpiredRow[] {
  const latest = new Map<string, RawRequest>();
  for (const r of requests) {
    if (!r.action.startsWith('admin') || r.status === 'Failed' || r.status === 'Canceled' || r.status === 'Denied') continue;
    const seen = latest.get(r.principalId);
    if (!seen || (r.createdDateTime ?? '') > (seen.createdDateTime ?? '')) latest.set(r.principalId, r);
  }
  const rows: ExpiredRow[] = [];
  for (const r of latest.values()) {
    if (r.action === 'adminRemove' || live.some((l) => l.principalId === r.principalId)) continue;
    const end = requestedEnd(r);
    // Why no "end is past" check: the API's clock decides when a schedule has ended, and it
    // lists no live schedule for this principal, so what the request made is over.
    if (end === undefined || now - end > RENEW_WINDOW_MS) continue;
    rows.push({ key: `${kind}:expired:${r.principalId}`, kind, principalId: r.principalId, principal: nameOf(r.principalId, r.principal), end: new Date(end).toISOString() });
  }
  return rows;
}

async function listAll<T>(api: Api, path: string): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = path;
  while (next) {
    const page: { value: T[]; '@odata.nextLink'?: string } = await api.call('GET', next);
    items.push(...page.value);
    // Why a relative path: the API's links are absolute, and the portal calls its own origin.
    const link = page['@odata.nextLink'];
    next = link ? link.replace(/^https?:\/\/[^/]+/, '') : undefined;
  }
  return items;
}

async function listKind(api: Api, target: Target, kind: ScheduleKind, now: number): Promise<{ live: AssignmentRow[]; expired: ExpiredRow[] }> {
  const filter = encodeURIComponent(surfaceOf(target).filter);
  const [schedules, requests] = await Promise.all([
    listAll<RawSchedule>(api, `${setOf(target, kind, 'Schedules')}?$filter=${filter}&$expand=principal`),
    listAll<RawRequest>(api, `${setOf(target, kind, 'ScheduleRequests')}?$filter=${filter}&$expand=principal`),
  ]);
  const live = schedules.map((s) => rowOf(kind, s, now));
  return { live, expired: expiredOf(kind, requests, live, now) };
}

export async function loadAssignments(api: Api, target: Target): Promise<TargetAssignments> {
  const now = Date.now();
  const [eligible, active] = await Promise.all([listKind(api, target, 'eligibility', now), listKind(api, target, 'assignment', now)]);
  const byName = (a: { principal: string }, b: { principal: string }) => a.principal.localeCompare(b.principal);
  return { eligible: eligible.live.sort(byName), active: active.live.sort(byName), expired: [...eligible.expired, ...active.expired].sort(byName) };
}

/** What the target's policy lets an admin do for one kind of assignment. */
export interface AdminRules {
  /** False when the policy requires every assignment to end. */
  permanentAllowed: boolean;
  /** The longest an assignment may last when it must end (ISO 8601), e.g. P365D. */
  maximumDuration?: string;
  justification: boolean;
  ticketing: boolean;
}

interface RawRule {
  id: string;
  isExpirationRequired?: boolean;
  maximumDuration?: string;
  enabledRules?: string[];
}

export async function loadAdminRules(api: Api, target: Target): Promise<Record<ScheduleKind, AdminRules>> {
  const filter = encodeURIComponent(surfaceOf(target).policyFilter);
  const answer = await api.call<{ value: Array<{ policy?: { rules?: RawRule[] } }> }>(
    'GET',
    `/v1.0/policies/roleManagementPolicyAssignments?$filter=${filter}&$expand=${encodeURIComponent('policy($expand=rules)')}`,
  );
  const rules = answer.value[0]?.policy?.rules ?? [];
  const of = (level: 'Eligibility' | 'Assignment'): AdminRules => {
    const expiration = rules.find((r) => r.id === `Expiration_Admin_${level}`);
    const enabled = rules.find((r) => r.id === `Enablement_Admin_${level}`)?.enabledRules ?? [];
    return {
      permanentAllowed: expiration?.isExpirationRequired !== true,
      maximumDuration: expiration?.isExpirationRequired ? expiration.maximumDuration : undefined,
      justification: enabled.includes('Justification'),
      ticketing: enabled.includes('Ticketing'),
    };
  };
  return { eligibility: of('Eligibility'), assignment: of('Assignment') };
}

/** When an assignment starts and ends; a missing start means now (the API's clock). */
export interface ScheduleChoice {
  permanent: boolean;
  start?: string;
  end?: string;
}

export interface AdminRequest {
  principalId: string;
  justification: string;
  ticketNumber?: string;
  ticketSystem?: string;
  /** Not for adminRemove. */
  schedule?: ScheduleChoice;
}

export function sendAdminRequest(api: Api, target: Target, kind: ScheduleKind, action: AdminAction, r: AdminRequest): Promise<{ id: string; status: string }> {
  const s = r.schedule;
  return api.call('POST', setOf(target, kind, 'ScheduleRequests'), {
    action,
    principalId: r.principalId,
    ...surfaceOf(target).body,
    ...(r.justification.trim() ? { justification: r.justification.trim() } : {}),
    ...(r.ticketNumber || r.ticketSystem ? { ticketInfo: { ticketNumber: r.ticketNumber, ticketSystem: r.ticketSystem } } : {}),
    ...(s
      ? {
          scheduleInfo: {
            ...(s.start ? { startDateTime: s.start } : {}),
            expiration: s.permanent ? { type: 'noExpiration' } : { type: 'afterDateTime', endDateTime: s.end },
          },
        }
      : {}),
  });
}
