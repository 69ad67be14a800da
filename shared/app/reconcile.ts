import { randomUUID } from 'node:crypto';
import type { ScheduleKind } from '../domain/schedules';
import type { ScheduleDeps } from './scheduleRequests';
import { needsSettling, settleSchedule } from './settleSchedule';

export interface ReconcileReport {
  settled: number;
  failed: Array<{ scheduleId: string; error: string }>;
}

/**
 * The reconcile pass: every schedule whose state disagrees with the clock is settled (active
 * assignments granted at their start and revoked at their end, eligibilities expired). Safe to
 * run at any time and as often as wanted; one failure does not stop the others.
 */
export async function reconcileSchedules(deps: ScheduleDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { settled: 0, failed: [] };
  const correlationId = randomUUID();
  for (const kind of ['eligibility', 'assignment'] as ScheduleKind[]) {
    const now = deps.clock.now();
    for (const schedule of await deps.schedules.listSchedules(kind)) {
      if (!needsSettling(schedule, now)) continue;
      try {
        await settleSchedule(deps, schedule, correlationId);
        report.settled++;
      } catch (error) {
        report.failed.push({ scheduleId: schedule.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return report;
}
