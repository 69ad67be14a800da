import { notFound } from '../domain/errors';
import { isInEffect, type Schedule, type ScheduleKind, type ScheduleRequest } from '../domain/schedules';
import type { TargetKind } from '../domain/target';
import type { Caller } from '../domain/caller';
import type { Clock } from '../ports/clock';
import type { Principals } from '../ports/principals';
import type { ScheduleRepository } from '../ports/schedules';

export interface QueryDeps {
  schedules: ScheduleRepository;
  clock: Clock;
  directory: Principals;
}

/** What one listing covers: a kind of target, and optionally one principal or one creator. */
export interface ListScope {
  targetKind: TargetKind;
  /** Only this principal's (a partition read): filterByCurrentUser(on='principal') or a `principalId eq` filter. */
  principalId?: string;
  /** Only requests this user made: filterByCurrentUser(on='createdBy'). */
  createdBy?: string;
}

/** Why: admins and auditors see everyone's; everyone else sees only what concerns them. */
function visibleTo(caller: Caller) {
  const all = caller.isAdmin || caller.isAuditor;
  return (item: { principalId: string; createdBy?: ScheduleRequest['createdBy'] }) => all || item.principalId === caller.oid || item.createdBy?.user.id === caller.oid;
}

function inScope(scope: ListScope) {
  return (item: { principalId: string; target: { kind: TargetKind }; createdBy?: ScheduleRequest['createdBy'] }) =>
    item.target.kind === scope.targetKind &&
    (scope.principalId === undefined || item.principalId === scope.principalId) &&
    (scope.createdBy === undefined || item.createdBy?.user.id === scope.createdBy);
}

export async function listRequests(deps: QueryDeps, kind: ScheduleKind, caller: Caller, scope: ListScope): Promise<ScheduleRequest[]> {
  const found = scope.principalId ? await deps.schedules.requestsOf(kind, scope.principalId) : await deps.schedules.listRequests(kind);
  return found.filter(inScope(scope)).filter(visibleTo(caller));
}

/** One request; 404 both when it does not exist, is of another surface, or the caller may not see it. */
export async function getRequest(deps: QueryDeps, kind: ScheduleKind, caller: Caller, id: string, targetKind: TargetKind): Promise<ScheduleRequest> {
  const request = await deps.schedules.getRequest(kind, id);
  if (!request || request.target.kind !== targetKind || !visibleTo(caller)(request)) throw notFound('schedule request', id);
  return request;
}

export async function listSchedules(deps: QueryDeps, kind: ScheduleKind, caller: Caller, scope: ListScope): Promise<Schedule[]> {
  const found = scope.principalId ? await deps.schedules.schedulesOf(kind, scope.principalId) : await deps.schedules.listSchedules(kind);
  return found.filter((s) => s.status === 'Provisioned' || s.status === 'PendingProvisioning').filter(inScope(scope)).filter(visibleTo(caller));
}

export async function getSchedule(deps: QueryDeps, kind: ScheduleKind, caller: Caller, id: string, targetKind: TargetKind): Promise<Schedule> {
  const schedule = await deps.schedules.getSchedule(kind, id);
  if (!schedule || schedule.target.kind !== targetKind || !visibleTo(caller)(schedule)) throw notFound('schedule', id);
  return schedule;
}

/** Instances: the schedules in effect right now (what the principal holds at this moment). */
export async function listInstances(deps: QueryDeps, kind: ScheduleKind, caller: Caller, scope: ListScope): Promise<Schedule[]> {
  const now = deps.clock.now();
  const inEffect = (s: Schedule) => isInEffect(s, now) && (kind === 'eligibility' || s.roleAssignmentOriginId !== null);
  const own = (await listSchedules(deps, kind, caller, scope)).filter(inEffect);
  if (!scope.principalId || scope.targetKind !== 'directoryRole') return own;
  return [...own, ...(await throughGroups(deps, kind, scope.principalId, inEffect))];
}

/** One instance by id: in effect now, or 404. */
export async function getInstance(deps: QueryDeps, kind: ScheduleKind, caller: Caller, id: string, targetKind: TargetKind): Promise<Schedule> {
  const schedule = await getSchedule(deps, kind, caller, id, targetKind);
  const now = deps.clock.now();
  if (!isInEffect(schedule, now) || (kind === 'assignment' && schedule.roleAssignmentOriginId === null)) throw notFound('schedule instance', id);
  return schedule;
}

/**
 * What a principal holds through the groups it belongs to now: the directory roles those
 * (role-assignable) groups are eligible for or hold, shown as the principal's with memberType
 * Group. Entra's Graph leaves these out of the member's own list; showing them is deliberate.
 */
async function throughGroups(deps: QueryDeps, kind: ScheduleKind, principalId: string, keep: (s: Schedule) => boolean): Promise<Schedule[]> {
  const groups = await deps.directory.groupsOf(principalId);
  const held = await Promise.all(groups.map((g) => deps.schedules.schedulesOf(kind, g)));
  return held
    .flat()
    .filter((s) => s.target.kind === 'directoryRole' && (s.status === 'Provisioned' || s.status === 'PendingProvisioning') && keep(s))
    .map((s) => ({ ...s, principalId, memberType: 'Group' as const }));
}
