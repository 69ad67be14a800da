import { randomUUID } from 'node:crypto';
import { overdueStep } from '../domain/approval';
import { isLive, type ScheduleKind } from '../domain/schedules';
import type { AlertStore } from '../ports/alerts';
import { endActivation } from './activationSteps';
import { auditRecord } from './audit';
import type { ScheduleDeps } from './scheduleRequests';
import { needsSettling, settleSchedule } from './settleSchedule';

export interface ReconcileDeps extends ScheduleDeps {
  alerts: AlertStore;
}

export interface ReconcileReport {
  settled: number;
  timedOut: number;
  outsidePim: number;
  failed: Array<{ subject: string; error: string }>;
}

/**
 * The reconcile pass (every minute by default). Safe at any time, alongside the workflows,
 * and as often as wanted; one failure does not stop the rest:
 * - schedules that disagree with the clock are settled (active assignments granted at their
 *   start and revoked at their end, eligibilities expired), catching anything a lost
 *   workflow missed;
 * - approvals past their stage's time limit end as TimedOut;
 * - directory role assignments that no PIM schedule accounts for are recorded once as
 *   RolesAssignedOutsidePimAlert.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { settled: 0, timedOut: 0, outsidePim: 0, failed: [] };
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
        await settleSchedule(deps, schedule, correlationId);
        report.settled++;
      });
    }
  }

  const now = deps.clock.now();
  for (const approval of await deps.approvals.list()) {
    if (approval.status !== 'InProgress' || !overdueStep(approval, now)) continue;
    await attempt(approval.requestId, async () => {
      await endActivation(deps, approval.requestId, 'TimedOut', 'No decision within the approval stage\'s time limit.');
      await deps.workflow?.notify(approval.requestId, 'canceled');
      report.timedOut++;
    });
  }

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
