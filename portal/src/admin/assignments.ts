/**
 * What Admin → Assignments shows and sends, for any kind of target: the eligible, active and
 * recently expired assignments, the admin rules of its policy, and Graph's admin actions. The
 * kinds differ only in their adapter (graphPort, armPort); everything here is shared.
 */
import type { Api } from '../api';
import { armPort } from './armPort';
import { graphPort } from './graphPort';
import type { AdminAction, AdminRequest, AdminTarget, Held, Made, ScheduleKind, TargetPort } from './ports';

export type { AdminAction, AdminRequest, AdminTarget, ScheduleChoice, ScheduleKind } from './ports';
export { isoDurationMs } from './ports';

/** The two APIs the portal calls: the Graph-compatible one and the ARM-compatible one. */
export interface AdminApis {
  graph: Api;
  /** The same signed-in Api: its arm() calls the ARM surface with the sign-in's ARM token. */
  arm: Api;
}

function portOf(apis: AdminApis, target: AdminTarget): TargetPort {
  return target.kind === 'azure' ? armPort(apis.arm, target) : graphPort(apis.graph, target);
}

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
  /** Only an admin's own assignment (not an activation, not one through a group or from above) is changed here. */
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

function stateOf(kind: ScheduleKind, h: Held, now: number): string {
  if (h.start && Date.parse(h.start) > now) return kind === 'eligibility' ? 'Eligible (starts later)' : 'Active (starts later)';
  if (kind === 'eligibility') return 'Eligible';
  if (h.pending) return 'Active (being granted)';
  return h.assignmentType === 'Activated' ? 'Active (activated)' : 'Active (assigned)';
}

function rowOf(kind: ScheduleKind, h: Held, now: number): AssignmentRow {
  const changeable = h.memberType === 'Direct' && h.assignmentType !== 'Activated';
  return {
    key: `${kind}:${h.id}`,
    kind,
    principalId: h.principalId,
    principal: h.principal,
    membership: h.memberType,
    start: h.start,
    end: h.end,
    state: stateOf(kind, h, now),
    changeable,
    extendable: changeable && h.end !== undefined && Date.parse(h.end) - now <= EXTEND_WINDOW_DAYS * 86_400_000,
  };
}

/**
 * Ended assignments, from the admin requests that made them: the API lists only live
 * schedules, so a principal with none whose latest admin request made a time-bound one (and
 * did not remove it) has seen it run out. The API decides on renewal; this only offers it.
 */
function expiredOf(kind: ScheduleKind, requests: Made[], live: AssignmentRow[], now: number): ExpiredRow[] {
  const latest = new Map<string, Made>();
  for (const r of requests) {
    if (!r.action.startsWith('admin') || r.status === 'Failed' || r.status === 'Canceled' || r.status === 'Denied') continue;
    const seen = latest.get(r.principalId);
    if (!seen || (r.created ?? '') > (seen.created ?? '')) latest.set(r.principalId, r);
  }
  const rows: ExpiredRow[] = [];
  for (const r of latest.values()) {
    if (r.action === 'adminRemove' || live.some((l) => l.principalId === r.principalId)) continue;
    // Why no "end is past" check: the API's clock decides when a schedule has ended, and it
    // lists no live schedule for this principal, so what the request made is over.
    if (r.end === undefined || now - r.end > RENEW_WINDOW_MS) continue;
    rows.push({ key: `${kind}:expired:${r.principalId}`, kind, principalId: r.principalId, principal: r.principal, end: new Date(r.end).toISOString() });
  }
  return rows;
}

async function listKind(port: TargetPort, kind: ScheduleKind, now: number): Promise<{ live: AssignmentRow[]; expired: ExpiredRow[] }> {
  const [held, made] = await Promise.all([port.schedules(kind), port.requests(kind)]);
  const live = held.map((h) => rowOf(kind, h, now));
  return { live, expired: expiredOf(kind, made, live, now) };
}

export async function loadAssignments(apis: AdminApis, target: AdminTarget): Promise<TargetAssignments> {
  const port = portOf(apis, target);
  const now = Date.now();
  const [eligible, active] = await Promise.all([listKind(port, 'eligibility', now), listKind(port, 'assignment', now)]);
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

export async function loadAdminRules(apis: AdminApis, target: AdminTarget): Promise<Record<ScheduleKind, AdminRules>> {
  const rules = await portOf(apis, target).rules();
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

export function sendAdminRequest(apis: AdminApis, target: AdminTarget, kind: ScheduleKind, action: AdminAction, r: AdminRequest): Promise<unknown> {
  return portOf(apis, target).send(kind, action, r);
}
