import { randomUUID } from 'node:crypto';
import { dueForEscalation, escalate, overdueStep } from '../domain/approval';
import { isInEffect, isLive, type Schedule, STALLED_AFTER_MS } from '../domain/schedules';
import { sameTarget } from '../domain/target';
import { targetResource } from './targets';
import type { DueWork } from '../ports/schedules';
import type { AlertRepository } from '../ports/alerts';
import { raiseRevocationFailed } from './alerts/revocationFailed';
import { endActivation, grantActivation, settleStage } from './activationSteps';
import { approvalEscalated } from './approvalEvents';
import { auditRecord } from './audit';
import { domainEvent } from './events';
import type { ScheduleDeps } from './requestContext';
import { needsSettling, revokeUnlessNeeded, settleSchedule } from './settleSchedule';

export interface ReconcileDeps extends ScheduleDeps {
  /** The alerts' store: RevocationFailedAlert is raised here, the moment a removal is seen failing. */
  alertRepository: AlertRepository;
  /** How early holders are told an end is near: activations in minutes, the rest in days. */
  expiryNotice: { activationMinutes: number; days: number };
}

export interface ReconcileReport {
  settled: number;
  timedOut: number;
  escalated: number;
  expiryNotices: number;
  revocationAlerts: number;
  failed: Array<{ subject: string; error: string }>;
}

/** Whether the schedule's end is near enough to tell its holder, and they were not told of this end yet. */
function noticeDue(deps: ReconcileDeps, schedule: Schedule, now: Date): boolean {
  if (!isLive(schedule) || schedule.status === 'PendingApproval' || !schedule.endDateTime || schedule.expiryNoticeFor === schedule.endDateTime) return false;
  const left = Date.parse(schedule.endDateTime) - now.getTime();
  const window = schedule.assignmentType === 'Activated' ? deps.expiryNotice.activationMinutes * 60_000 : deps.expiryNotice.days * 86_400_000;
  return left > 0 && left <= window && Date.parse(schedule.startDateTime) <= now.getTime();
}

/** Records that this end was announced, with the expiring-soon event in the same write. */
async function announceExpiry(deps: ReconcileDeps, schedule: Schedule, now: Date): Promise<boolean> {
  const live = await deps.schedules.liveInSlot(schedule.kind, schedule);
  if (!live || live.value.id !== schedule.id || !noticeDue(deps, live.value, now)) return false;
  const request = await deps.schedules.getRequest(schedule.kind, schedule.createdUsing);
  const next = { ...live.value, expiryNoticeFor: live.value.endDateTime };
  const minutesLeft = Math.max(1, Math.round((Date.parse(live.value.endDateTime ?? '') - now.getTime()) / 60_000));
  const event = await domainEvent(deps, schedule.kind === 'eligibility' ? 'eligibility.expiringSoon' : 'assignment.expiringSoon', {
    slot: schedule,
    request,
    schedule: next,
    data: { scheduleId: schedule.id, minutesLeft, assignmentType: schedule.assignmentType },
  });
  await deps.schedules.update(next, live.etag, undefined, { events: [event] });
  return true;
}

/** How long past its end a role may still be held (removal failing) before an alert is raised. */
const REVOCATION_ALERT_AFTER_MS = 10 * 60_000;

/**
 * Raises RevocationFailedAlert (an alert of the alerts API), once per schedule, when a role that
 * should have been removed is still held well past its end: removal keeps failing (Graph down,
 * or refusing), so a person must look. True when the alert was raised now.
 */
async function alertIfRevocationStuck(deps: ReconcileDeps, schedule: Schedule, now: Date, error: unknown, correlationId: string): Promise<boolean> {
  const end = schedule.endDateTime ? Date.parse(schedule.endDateTime) : Number.POSITIVE_INFINITY;
  const overdue = now.getTime() - end > REVOCATION_ALERT_AFTER_MS;
  if (schedule.kind !== 'assignment' || !schedule.roleAssignmentOriginId || !overdue) return false;
  return raiseRevocationFailed(deps, schedule, error instanceof Error ? error.message : String(error), now, correlationId);
}

/**
 * Finishes what a lost workflow left half-done for one activation request: a decided approval
 * whose request still waits (the decision is applied), a request whose approval was never
 * stored (it fails: nobody could decide it), and a granted activation never marked provisioned.
 * Each step is idempotent, so racing a live workflow is harmless.
 */
async function finishStalledRequest(deps: ReconcileDeps, requestId: string, now: Date, report: ReconcileReport): Promise<void> {
  const request = await deps.schedules.getRequest('assignment', requestId);
  if (!request || request.action !== 'selfActivate') return;
  const stalled = (since: string | null | undefined) => !since || now.getTime() - Date.parse(since) >= STALLED_AFTER_MS;
  if (request.status === 'PendingApproval') {
    const approval = await deps.approvals.get(request.id);
    if (!approval) {
      if (!stalled(request.createdDateTime)) return;
      await endActivation(deps, request.id, 'Failed', 'The approval could not be set up; request the activation again.');
      report.settled++;
      return;
    }
    const last = approval.value.steps.at(-1);
    const decidedAt = approval.value.steps.map((s) => s.reviewedDateTime).filter((t): t is string => t !== null).sort().at(-1);
    if (approval.value.status !== 'Completed' || !last || !stalled(decidedAt)) return;
    await settleStage(deps, request.id, last.stage, false);
    report.settled++;
  } else if (request.status === 'Granted' && stalled(request.scheduleInfo.startDateTime)) {
    const schedule = request.targetScheduleId ? await deps.schedules.getSchedule('assignment', request.targetScheduleId) : undefined;
    if (!schedule?.roleAssignmentOriginId) return;
    await grantActivation(deps, request.id);
    report.settled++;
  }
}

/** One schedule the due index says needs a look: settle it with the clock, announce its end, finish its request. */
async function reconcileSchedule(deps: ReconcileDeps, work: DueWork, now: Date, correlationId: string, report: ReconcileReport): Promise<void> {
  const schedule = await deps.schedules.getSchedule(work.kind, work.id);
  if (!schedule) return;
  // Read again only after a step that wrote: the copy in hand is the stored one otherwise.
  const reread = async (fallback: Schedule) => (await deps.schedules.getSchedule(work.kind, work.id)) ?? fallback;
  let current = schedule;
  const settledBefore = report.settled;
  if (schedule.assignmentType === 'Activated') await finishStalledRequest(deps, schedule.createdUsing, now, report);
  if (report.settled !== settledBefore) current = await reread(current);
  if (needsSettling(current, now)) {
    try {
      // An activation due its grant is granted and marked provisioned in one write.
      const grantsActivation = current.assignmentType === 'Activated' && isInEffect(current, now) && current.roleAssignmentOriginId === null;
      current = grantsActivation && (await grantActivation(deps, current.createdUsing)) !== 'gone' ? await reread(current) : await settleSchedule(deps, current, correlationId);
    } catch (error) {
      if (await alertIfRevocationStuck(deps, current, now, error, correlationId)) report.revocationAlerts++;
      throw error;
    }
    report.settled++;
  } else if (await restoreMissingGrant(deps, current, now, correlationId)) {
    report.settled++;
    current = await reread(current);
  }
  if (noticeDue(deps, current, now) && (await announceExpiry(deps, current, now))) {
    report.expiryNotices++;
    current = await reread(current);
  }
  // Look again when it next needs it (a write already filed that; this covers work left as it was).
  const latest = current;
  const request = latest.assignmentType === 'Activated' ? await deps.schedules.getRequest('assignment', latest.createdUsing) : undefined;
  const pending = request?.status === 'Granted' || (request?.status === 'PendingApproval' && !(await deps.approvals.get(request.id)));
  await deps.schedules.remind(latest, pending, laterMinute(work.at, now));
}

/**
 * An assignment in effect that PIM recorded as granted, yet the directory no longer holds: put
 * back, and recorded. Why: a removal takes the role out of the directory before it records the
 * removal (scheduleRequests.ts, revokeFirst); one that dies in between leaves it so, and asked
 * this pass to look. True when it was restored.
 */
async function restoreMissingGrant(deps: ReconcileDeps, schedule: Schedule, now: Date, correlationId: string): Promise<boolean> {
  if (schedule.kind !== 'assignment' || !isLive(schedule) || !isInEffect(schedule, now) || schedule.roleAssignmentOriginId === null || schedule.grantedByPim === false) return false;
  const access = deps.access.of(schedule.target.kind);
  const held = await access.listGrants({ principalId: schedule.principalId, targets: [schedule.target] }).catch(() => undefined);
  // Unknown (the directory did not answer) is not missing: look again next time.
  if (!held || held.some((g) => sameTarget(g.target, schedule.target))) return false;
  const live = await deps.schedules.liveInSlot(schedule.kind, schedule);
  if (!live || JSON.stringify(live.value) !== JSON.stringify(schedule)) return false;
  const grant = await access.grant(schedule.principalId, schedule.target, { condition: schedule.condition ?? null });
  const next: Schedule = { ...schedule, roleAssignmentOriginId: grant.id, modifiedDateTime: now.toISOString() };
  const audit = auditRecord({
    activity: 'Role assignment restored in the directory by PIM (it was missing)',
    operationType: 'Assign',
    caller: null,
    correlationId,
    at: now,
    targets: [
      { id: schedule.principalId, displayName: null, type: 'User', modifiedProperties: [] },
      targetResource(schedule.target, null, [{ displayName: 'roleAssignmentOriginId', oldValue: schedule.roleAssignmentOriginId, newValue: grant.id }]),
    ],
    details: { scheduleId: schedule.id, kind: schedule.kind },
  });
  try {
    await deps.schedules.update(next, live.etag, undefined, { audit: [audit] });
  } catch (error) {
    // Changed meanwhile (the removal recorded after all): the grant just made is not wanted unless the stored schedule still is.
    const stored = await deps.schedules.getSchedule(schedule.kind, schedule.id);
    if (!stored || !isInEffect(stored, deps.clock.now())) await revokeUnlessNeeded(deps, schedule, deps.clock.now());
    throw error;
  }
  return true;
}

/** One approval the due index says needs a look: escalate its stage, time it out, or apply a decision its workflow lost. */
async function reconcileApproval(deps: ReconcileDeps, work: DueWork, now: Date, report: ReconcileReport): Promise<void> {
  const found = await deps.approvals.get(work.id);
  if (!found) return;
  if (found.value.status === 'Completed') {
    await finishStalledRequest(deps, found.value.requestId, now, report);
    return;
  }
  if (overdueStep(found.value, now)) {
    await endActivation(deps, found.value.requestId, 'TimedOut', "No decision within the approval stage's time limit.");
    await deps.workflow?.notify(found.value.requestId, 'canceled');
    report.timedOut++;
    return;
  }
  const due = dueForEscalation(found.value, now);
  if (!due) return;
  const request = await deps.schedules.getRequest('assignment', found.value.requestId);
  if (!request) return;
  const escalated = escalate(found.value, now);
  await deps.approvals.replace(escalated, found.etag, { events: [await approvalEscalated(deps, escalated, { ...due, escalatedDateTime: now.toISOString() }, request)] });
  report.escalated++;
}

/** At or after `now`, in a later minute than `dueAt`: work filed again gets a new row, not the one being dropped. */
function laterMinute(dueAt: string, now: Date): Date {
  return new Date(Math.max(now.getTime(), Date.parse(dueAt) + 60_000));
}

/**
 * The reconcile pass (every minute by default). It reads only what the due index says is due
 * now, never every schedule, so its cost follows live work. Safe at any time, alongside the
 * workflows, and as often as wanted; one failure does not stop the rest (its work stays due):
 * - schedules that disagree with the clock are settled (active assignments granted at their
 *   start and revoked at their end, eligibilities expired), catching anything a lost
 *   workflow missed;
 * - holders are told once when an end is near (expiring-soon events);
 * - open approval stages past their escalation time are escalated;
 * - approvals past their stage's time limit end as TimedOut;
 * - decisions and grants a lost workflow never applied are applied.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { settled: 0, timedOut: 0, escalated: 0, expiryNotices: 0, revocationAlerts: 0, failed: [] };
  const correlationId = randomUUID();
  const now = deps.clock.now();
  const handled: DueWork[] = [];
  for (const work of await deps.schedules.dueWork(now)) {
    try {
      if (work.what === 'settle') await reconcileSchedule(deps, work, now, correlationId, report);
      else await reconcileApproval(deps, work, now, report);
      handled.push(work);
    } catch (error) {
      report.failed.push({ subject: work.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  await deps.schedules.completeDue(handled);
  return report;
}
