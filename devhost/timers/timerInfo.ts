import type { ScheduleStatus } from './status';

/** How the host writes a DateTime that was never set (DateTime.MinValue). */
const NEVER = '0001-01-01T00:00:00.000Z';

/**
 * The trigger value as the host sends it to the Node worker: its TimerInfo serialized with
 * PascalCase names, which @azure/functions camel-cases into the `Timer` the handler receives.
 * Like the host, `ScheduleStatus` is null for a timer whose schedule is not monitored.
 */
export function timerInfoJson(status: ScheduleStatus | undefined, isPastDue: boolean): string {
  return JSON.stringify({
    Schedule: { AdjustForDST: true },
    ScheduleStatus: status
      ? {
          Last: status.last?.toISOString() ?? NEVER,
          Next: status.next.toISOString(),
          LastUpdated: status.lastUpdated.toISOString(),
        }
      : null,
    IsPastDue: isPastDue,
  });
}
