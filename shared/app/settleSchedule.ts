import { type GrantCondition, grantsAtLeast } from '../domain/condition';
import { conflict } from '../domain/errors';
import { isInEffect, isLive, type Schedule, type ScheduleRequest, type Slot } from '../domain/schedules';
import { sameTarget, scopeOf } from '../domain/target';
import { targetName, targetResource } from './targets';
import type { AuditRecord } from '../ports/audit';
import type { DomainEvent } from '../domain/events';
import { auditRecord } from './audit';
import { domainEvent } from './events';
import type { ScheduleDeps } from './requestContext';

/** Whether the schedule's state and the directory disagree with the clock (work for settleSchedule). */
export function needsSettling(schedule: Schedule, now: Date): boolean {
  const ended = schedule.endDateTime !== null && Date.parse(schedule.endDateTime) <= now.getTime();
  if (isLive(schedule) && ended) return true;
  if (schedule.kind !== 'assignment') return false;
  const holds = schedule.roleAssignmentOriginId !== null;
  return isInEffect(schedule, now) !== holds;
}

/**
 * A request change to record in the same write as the settlement (e.g. the activation marked
 * provisioned together with its grant), given the schedule as settled.
 */
export type Alongside = (settled: Schedule) => Promise<{ request?: ScheduleRequest; events?: DomainEvent[] } | undefined>;

/**
 * Brings one schedule in line (`version`: the slot's ETag the schedule was read at, which saves
 * reading it again) with the clock: an active assignment in effect is granted in
 * the directory, one out of effect is revoked there, and a schedule past its end expires
 * (freeing its slot). Idempotent, so the reconcile timer can call it as often as it likes.
 * Returns the schedule as stored afterwards.
 */
export async function settleSchedule(deps: ScheduleDeps, schedule: Schedule, correlationId: string, alongside?: Alongside, version?: string): Promise<Schedule> {
  const now = deps.clock.now();
  const shouldHold = schedule.kind === 'assignment' && isInEffect(schedule, now);
  const holds = schedule.roleAssignmentOriginId !== null;
  const ended = schedule.endDateTime !== null && Date.parse(schedule.endDateTime) <= now.getTime();
  let next: Schedule = schedule;
  // Why: PIM never expires or revokes an emergency access account's access; its schedule stays as it is.
  if (((!shouldHold && holds) || (isLive(schedule) && ended)) && (await deps.breakGlass?.isBreakGlass(schedule.principalId))) return schedule;

  let granted = false;
  if (shouldHold && !holds) {
    const grant = await deps.access.of(schedule.target.kind).grant(schedule.principalId, schedule.target, { condition: schedule.condition ?? null });
    granted = true;
    next = { ...next, status: 'Provisioned', roleAssignmentOriginId: grant.id, modifiedDateTime: now.toISOString() };
  } else if (!shouldHold && holds) {
    await revokeUnlessNeeded(deps, schedule, now);
    next = { ...next, roleAssignmentOriginId: null, modifiedDateTime: now.toISOString() };
  }
  if (isLive(next) && ended) next = { ...next, status: 'Expired', modifiedDateTime: now.toISOString() };
  if (next === schedule) return schedule;

  const events: DomainEvent[] = [];
  if (schedule.status !== 'Expired' && next.status === 'Expired') {
    events.push(await domainEvent(deps, schedule.kind === 'eligibility' ? 'eligibility.expired' : 'assignment.expired', { slot: schedule, schedule: next, data: { scheduleId: schedule.id, assignmentType: schedule.assignmentType, requestId: schedule.createdUsing } }));
  }
  const audit = await settleAudit(deps, schedule, next, correlationId, now);
  const along = await alongside?.(next);
  const changes = { events: [...events, ...(along?.events ?? [])], audit };
  try {
    if (isLive(schedule) && version) {
      // Read with its version just now: the write is refused (409) if anything changed since.
      await deps.schedules.update(next, version, along?.request, changes);
    } else if (isLive(schedule)) {
      const current = await deps.schedules.liveInSlot(schedule.kind, schedule);
      if (!current || current.value.id !== schedule.id) throw conflict('The schedule ended while it was being granted.', 'ConcurrentModification');
      // Why: decided on a stale copy (another pass settled it meanwhile), this write would record
      // the same grant twice; the caller re-reads and finds nothing left to do.
      if (JSON.stringify(current.value) !== JSON.stringify(schedule)) throw conflict('The schedule changed while it was being settled.', 'ConcurrentModification');
      await deps.schedules.update(next, current.etag, along?.request, changes);
    } else {
      await deps.schedules.saveEnded(next, changes);
      if (along?.request) await deps.schedules.saveRequest(along.request);
    }
  } catch (error) {
    // Why: the schedule changed (e.g. removed) while we granted; a grant nobody records would
    // outlive it, so take it back unless the schedule as stored now still wants it.
    if (granted) {
      const stored = await deps.schedules.getSchedule(schedule.kind, schedule.id);
      if (!stored || !isInEffect(stored, deps.clock.now())) await revokeUnlessNeeded(deps, schedule, deps.clock.now());
    }
    throw error;
  }
  return next;
}

/** The audit record of a settlement that changed something a person would care about. */
async function settleAudit(deps: ScheduleDeps, schedule: Schedule, next: Schedule, correlationId: string, now: Date): Promise<AuditRecord[]> {
  const changes = describeChange(schedule, next);
  if (!changes) return [];
  const holds = schedule.roleAssignmentOriginId !== null;
  const name = await targetName(deps, schedule.target);
  return [
    auditRecord({
      activity: changes,
      operationType: next.status === 'Expired' || (holds && !next.roleAssignmentOriginId) ? 'Unassign' : 'Assign',
      caller: null,
      correlationId,
      at: now,
      targets: [
        { id: schedule.principalId, displayName: null, type: 'User', modifiedProperties: [] },
        targetResource(schedule.target, name, [
          { displayName: 'status', oldValue: schedule.status, newValue: next.status },
          { displayName: 'roleAssignmentOriginId', oldValue: schedule.roleAssignmentOriginId, newValue: next.roleAssignmentOriginId },
        ]),
      ],
      details: { scheduleId: schedule.id, kind: schedule.kind },
    }),
  ];
}

/**
 * Whether the target system already grants this to the principal (then it is not PIM's to
 * remove). One that carries a condition other than `condition` is refused (409
 * RoleAssignmentExists) before anything is stored: Azure holds one assignment per (scope,
 * principal, role), and PIM neither changes one it did not make nor pretends it grants what
 * was asked. One without a condition already grants at least what is asked.
 */
export async function alreadyInDirectory(deps: ScheduleDeps, slot: Slot, condition: GrantCondition | null = null): Promise<boolean> {
  const grants = await deps.access.of(slot.target.kind).listGrants({ principalId: slot.principalId, targets: [slot.target] });
  const held = grants.find((g) => sameTarget(g.target, slot.target));
  if (held && !grantsAtLeast(held.condition, condition)) {
    throw conflict(
      `The principal already holds this role at scope '${scopeOf(slot.target)}' through a role assignment made outside PIM (${held.id}) with another condition; PIM does not change assignments it did not make. Remove or align that assignment first.`,
      'RoleAssignmentExists',
    );
  }
  return held !== undefined;
}

/**
 * Removes the schedule's role from the directory unless PIM did not put it there (it was
 * assigned outside PIM before) or another schedule of the slot in effect still needs it.
 */
export async function revokeUnlessNeeded(deps: ScheduleDeps, schedule: Schedule, now: Date): Promise<void> {
  // Why: an assignment PIM found already in place (made outside PIM) is not PIM's to remove.
  if (schedule.grantedByPim === false) return;
  // Why: an emergency access account must keep its access whatever its schedules say.
  if (await deps.breakGlass?.isBreakGlass(schedule.principalId)) return;
  // Why: a newer schedule in the same slot may rely on the same directory assignment.
  const current = await deps.schedules.liveInSlot(schedule.kind, schedule);
  if (current && current.value.id !== schedule.id && isInEffect(current.value, now)) return;
  await deps.access.of(schedule.target.kind).revoke(schedule.principalId, schedule.target);
}

function describeChange(before: Schedule, after: Schedule): string | undefined {
  const noun = before.kind === 'eligibility' ? 'eligible member' : 'member';
  if (!before.roleAssignmentOriginId && after.roleAssignmentOriginId) return 'Role assignment granted in the directory by PIM';
  if (before.roleAssignmentOriginId && !after.roleAssignmentOriginId) return 'Role assignment removed from the directory by PIM';
  if (before.status !== 'Expired' && after.status === 'Expired') return `Remove ${noun} from role in PIM completed (expired)`;
  return undefined;
}
