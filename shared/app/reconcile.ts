import { randomUUID } from 'node:crypto';
import { dueForEscalation, escalate, overdueStep } from '../domain/approval';
import type { Schedule } from '../domain/schedules';
import { isLive, type ScheduleKind } from '../domain/schedules';
import type { AlertStore } from '../ports/alerts';
import { endActivation, grantActivation, settleStage } from './activationSteps';
import { approvalEscalated } from './approvalEvents';
import { auditRecord } from './audit';
import { domainEvent } from './events';
import type { ScheduleDeps } from './requestContext';
import { needsSettling, settleSchedule } from './settleSchedule';

export interface ReconcileDeps extends ScheduleDeps {
  alerts: AlertStore;
  /** How early holders are told an end is near: activations in minutes, the rest in days. */
  expiryNotice: { activationMinutes: number; days: number };
}

export interface ReconcileReport {
  settled: number;
  timedOut: number;
  escalated: number;
  expiryNotices: number;
  revocationAlerts: number;
  outsidePim: number;
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
  await deps.schedules.update(next, live.etag, undefined, [event]);
  return true;
}

/** How long past its end a role may still be held (removal failing) before an alert is raised. */
const REVOCATION_ALERT_AFTER_MS = 10 * 60_000;

/**
 * Raises RevocationFailedAlert, once per schedule, when a role that should have been removed is
 * still held well past its end: removal keeps failing (Graph down, or refusing), so a person
 * must look. Audited. True when the alert was raised now.
 */
async function alertIfRevocationStuck(deps: ReconcileDeps, schedule: Schedule, now: Date, error: unknown, correlationId: string): Promise<boolean> {
  const end = schedule.endDateTime ? Date.parse(schedule.endDateTime) : Number.POSITIVE_INFINITY;
  const overdue = now.getTime() - end > REVOCATION_ALERT_AFTER_MS;
  if (schedule.kind !== 'assignment' || !schedule.roleAssignmentOriginId || !overdue) return false;
  const reason = error instanceof Error ? error.message : String(error);
  const raised = await deps.alerts.raise({
    type: 'RevocationFailedAlert',
    subjectId: schedule.id,
    detectedDateTime: now.toISOString(),
    details: { principalId: schedule.principalId, roleDefinitionId: schedule.roleDefinitionId, directoryScopeId: schedule.directoryScopeId, endDateTime: schedule.endDateTime ?? '', error: reason },
  });
  if (!raised) return false;
  await deps.audit.append(
    auditRecord({
      activity: 'Role assignment removal failing (PIM alert)',
      operationType: 'Other',
      caller: null,
      correlationId,
      at: now,
      result: 'failure',
      resultReason: reason,
      targets: [
        { id: schedule.principalId, displayName: null, type: 'User', modifiedProperties: [] },
        { id: schedule.roleDefinitionId, displayName: null, type: 'Role', modifiedProperties: [] },
      ],
      details: { scheduleId: schedule.id, endDateTime: schedule.endDateTime ?? undefined },
    }),
  );
  return true;
}

/** How long a workflow may take to act on a decision or a grant before the reconcile pass does. */
const STALLED_AFTER_MS = 2 * 60_000;

/**
 * Finishes what a lost workflow left half-done: a decided approval whose request still waits
 * (the decision is applied), and a granted activation whose request was never marked
 * provisioned (it is, with its event). Both steps are idempotent, so racing a live workflow is
 * harmless.
 */
async function finishStalledRequests(deps: ReconcileDeps, now: Date, attempt: (subject: string, work: () => Promise<void>) => Promise<void>, report: ReconcileReport): Promise<void> {
  const stalled = (since: string | null | undefined) => !since || now.getTime() - Date.parse(since) > STALLED_AFTER_MS;
  for (const request of await deps.schedules.listRequests('assignment')) {
    if (request.action !== 'selfActivate') continue;
    if (request.status === 'PendingApproval') {
      const approval = await deps.approvals.get(request.id);
      if (!approval && stalled(request.createdDateTime)) {
        // Its creation was cut off before the approval was stored: nobody could ever decide it.
        await attempt(request.id, async () => {
          await endActivation(deps, request.id, 'Failed', 'The approval could not be set up; request the activation again.');
          report.settled++;
        });
        continue;
      }
      const last = approval?.value.steps.at(-1);
      const decidedAt = approval?.value.steps.map((s) => s.reviewedDateTime).filter((t): t is string => t !== null).sort().at(-1);
      if (!approval || approval.value.status !== 'Completed' || !last || !stalled(decidedAt)) continue;
      await attempt(request.id, async () => {
        await settleStage(deps, request.id, last.stage, false);
        report.settled++;
      });
    } else if (request.status === 'Granted' && stalled(request.scheduleInfo.startDateTime)) {
      const schedule = request.targetScheduleId ? await deps.schedules.getSchedule('assignment', request.targetScheduleId) : undefined;
      if (!schedule?.roleAssignmentOriginId) continue;
      await attempt(request.id, async () => {
        await grantActivation(deps, request.id);
        report.settled++;
      });
    }
  }
}

/**
 * The reconcile pass (every minute by default). Safe at any time, alongside the workflows,
 * and as often as wanted; one failure does not stop the rest:
 * - schedules that disagree with the clock are settled (active assignments granted at their
 *   start and revoked at their end, eligibilities expired), catching anything a lost
 *   workflow missed;
 * - holders are told once when an end is near (expiring-soon events);
 * - open approval stages past their escalation time are escalated;
 * - approvals past their stage's time limit end as TimedOut;
 * - directory role assignments that no PIM schedule accounts for are recorded once as
 *   RolesAssignedOutsidePimAlert.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { settled: 0, timedOut: 0, escalated: 0, expiryNotices: 0, revocationAlerts: 0, outsidePim: 0, failed: [] };
  const correlationId = randomUUID();
  const attempt = async (subject: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      report.failed.push({ subject, error: error instanceof Error ? error.message : String(error) });
    }
  };

  for (const kind of ['eligibility', 'assignment'] as ScheduleKind[]) {
    const now = deps.clock.now();
    for (const schedule of await deps.schedules.listSchedules(kind)) {
      if (!needsSettling(schedule, now)) continue;
      await attempt(schedule.id, async () => {
        try {
          await settleSchedule(deps, schedule, correlationId);
        } catch (error) {
          if (await alertIfRevocationStuck(deps, schedule, now, error, correlationId)) report.revocationAlerts++;
          throw error;
        }
        report.settled++;
      });
    }
  }

  for (const kind of ['eligibility', 'assignment'] as ScheduleKind[]) {
    const now = deps.clock.now();
    for (const schedule of await deps.schedules.listSchedules(kind)) {
      if (!noticeDue(deps, schedule, now)) continue;
      await attempt(schedule.id, async () => {
        if (await announceExpiry(deps, schedule, now)) report.expiryNotices++;
      });
    }
  }

  const now = deps.clock.now();
  for (const approval of await deps.approvals.list()) {
    const step = dueForEscalation(approval, now);
    if (!step || overdueStep(approval, now)) continue;
    await attempt(approval.requestId, async () => {
      const current = await deps.approvals.get(approval.id);
      const request = await deps.schedules.getRequest('assignment', approval.requestId);
      const due = current && dueForEscalation(current.value, now);
      if (!current || !request || !due) return;
      const escalated = escalate(current.value, now);
      await deps.approvals.replace(escalated, current.etag, [await approvalEscalated(deps, escalated, { ...due, escalatedDateTime: now.toISOString() }, request)]);
      report.escalated++;
    });
  }

  for (const approval of await deps.approvals.list()) {
    if (approval.status !== 'InProgress' || !overdueStep(approval, now)) continue;
    await attempt(approval.requestId, async () => {
      await endActivation(deps, approval.requestId, 'TimedOut', 'No decision within the approval stage\'s time limit.');
      await deps.workflow?.notify(approval.requestId, 'canceled');
      report.timedOut++;
    });
  }

  await finishStalledRequests(deps, now, attempt, report);

  await attempt('directory', async () => {
    const schedules = await deps.schedules.listSchedules('assignment');
    const slotOf = (a: { principalId: string; roleDefinitionId: string; directoryScopeId: string }) => `${a.principalId}|${a.roleDefinitionId}|${a.directoryScopeId}`;
    // PIM's own grants: recorded ones, and any slot with a live schedule (a grant may be a moment
    // ahead of its record). A grant PIM found already in place was made outside PIM.
    const byPim = new Set(schedules.filter((s) => s.roleAssignmentOriginId && s.grantedByPim !== false).map((s) => s.roleAssignmentOriginId));
    const liveSlots = new Set(schedules.filter((s) => isLive(s) && s.grantedByPim !== false).map(slotOf));
    for (const assignment of await deps.directory.listRoleAssignments()) {
      if (byPim.has(assignment.id) || liveSlots.has(slotOf(assignment))) continue;
      const raised = await deps.alerts.raise({
        type: 'RolesAssignedOutsidePimAlert',
        subjectId: assignment.id,
        detectedDateTime: now.toISOString(),
        details: { principalId: assignment.principalId, roleDefinitionId: assignment.roleDefinitionId, directoryScopeId: assignment.directoryScopeId },
      });
      if (!raised) continue;
      report.outsidePim++;
      await deps.audit.append(
        auditRecord({
          activity: 'Role assigned outside PIM detected',
          operationType: 'Other',
          caller: null,
          correlationId,
          at: now,
          targets: [
            { id: assignment.principalId, displayName: null, type: 'User', modifiedProperties: [] },
            { id: assignment.roleDefinitionId, displayName: null, type: 'Role', modifiedProperties: [] },
          ],
          details: { roleAssignmentId: assignment.id, directoryScopeId: assignment.directoryScopeId },
        }),
      );
    }
  });
  return report;
}
