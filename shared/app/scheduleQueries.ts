import { notFound } from '../domain/errors';
import { isInEffect, type Schedule, type ScheduleKind, type ScheduleRequest } from '../domain/schedules';
import type { Caller } from '../domain/caller';
import type { Clock } from '../ports/clock';
import type { ScheduleRepository } from '../ports/schedules';

export interface QueryDeps {
  schedules: ScheduleRepository;
  clock: Clock;
}

/** Why: admins and auditors see everyone's; everyone else sees only what concerns them. */
function visibleTo(caller: Caller, onlyMine: boolean) {
  const all = (caller.isAdmin || caller.isAuditor) && !onlyMine;
  return (item: { principalId: string }) => all || item.principalId === caller.oid;
}

export async function listRequests(deps: QueryDeps, kind: ScheduleKind, caller: Caller, onlyMine = false): Promise<ScheduleRequest[]> {
  return (await deps.schedules.listRequests(kind)).filter(visibleTo(caller, onlyMine));
}

/** One request; 404 both when it does not exist and when the caller may not see it. */
export async function getRequest(deps: QueryDeps, kind: ScheduleKind, caller: Caller, id: string): Promise<ScheduleRequest> {
  const request = await deps.schedules.getRequest(kind, id);
  if (!request || !visibleTo(caller, false)(request)) throw notFound('schedule request', id);
  return request;
}

export async function listSchedules(deps: QueryDeps, kind: ScheduleKind, caller: Caller, onlyMine = false): Promise<Schedule[]> {
  return (await deps.schedules.listSchedules(kind)).filter((s) => s.status === 'Provisioned' || s.status === 'PendingProvisioning').filter(visibleTo(caller, onlyMine));
}

export async function getSchedule(deps: QueryDeps, kind: ScheduleKind, caller: Caller, id: string): Promise<Schedule> {
  const schedule = await deps.schedules.getSchedule(kind, id);
  if (!schedule || !visibleTo(caller, false)(schedule)) throw notFound('schedule', id);
  return schedule;
}

/** Instances: the schedules in effect right now (what the principal holds at this moment). */
export async function listInstances(deps: QueryDeps, kind: ScheduleKind, caller: Caller, onlyMine = false): Promise<Schedule[]> {
  const now = deps.clock.now();
  return (await listSchedules(deps, kind, caller, onlyMine)).filter(
    (s) => isInEffect(s, now) && (kind === 'eligibility' || s.roleAssignmentOriginId !== null),
  );
}
