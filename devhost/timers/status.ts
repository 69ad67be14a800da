import { RestError, TableClient } from '@azure/data-tables';
import type { Schedule } from './schedule';

/** The host's record of a monitored schedule (its ScheduleStatus). */
export interface ScheduleStatus {
  /** The last occurrence that ran; undefined until one has. */
  last?: Date;
  /** The occurrence expected next: if it passes while the host is down, the timer is past due. */
  next: Date;
  /** When `next` was last computed. */
  lastUpdated: Date;
}

export interface StartupCheck {
  status: ScheduleStatus;
  /** How long ago the missed occurrence (`status.next`) was; 0 when none was missed. */
  pastDueMs: number;
  /** True when `status` differs from what was saved and should be written back. */
  changed: boolean;
}

/**
 * The host's start-up check of a monitored timer (ScheduleMonitor.CheckPastDueAsync): a timer
 * seen for the first time records its next occurrence; one whose saved `next` no longer follows
 * from its schedule had its schedule changed and starts afresh; otherwise, if `next` has passed,
 * an occurrence was missed while the host was down.
 */
export function checkAtStartup(saved: ScheduleStatus | undefined, schedule: Schedule, now: Date): StartupCheck {
  if (!saved) return { status: { next: schedule.next(now), lastUpdated: now }, pastDueMs: 0, changed: true };
  const basis = saved.last ?? saved.lastUpdated;
  let expected = schedule.next(basis);
  let status = saved;
  let changed = false;
  if (saved.next.getTime() !== expected.getTime()) {
    // Why: a schedule edited while stopped must not make the old plan count as missed.
    const recompute = now.getTime() > expected.getTime();
    if (recompute) expected = schedule.next(now);
    status = { next: expected, lastUpdated: recompute ? now : basis };
    changed = true;
  }
  return { status, pastDueMs: Math.max(0, now.getTime() - status.next.getTime()), changed };
}

interface TimerStatusEntity {
  partitionKey: string;
  rowKey: string;
  Last?: string;
  Next: string;
  LastUpdated: string;
}

const PARTITION = 'timer';

/** Where monitored timers keep their status between runs of devhost: one row per function. */
export class TimerStatusTable {
  private constructor(private readonly table: TableClient) {}

  static async open(connectionString: string, tableName: string): Promise<TimerStatusTable> {
    const table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
    await table.createTable();
    return new TimerStatusTable(table);
  }

  /** The saved status, or undefined when there is none (or it cannot be read, which starts afresh). */
  async get(functionName: string): Promise<ScheduleStatus | undefined> {
    try {
      return fromEntity(await this.table.getEntity<TimerStatusEntity>(PARTITION, rowKey(functionName)));
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async put(functionName: string, status: ScheduleStatus): Promise<void> {
    // One devhost owns these rows, so a blind replace is the intended write (no ETag to honour).
    await this.table.upsertEntity(toEntity(functionName, status), 'Replace');
  }
}

/** Function names are case-insensitive to the host, so the row key is too. */
function rowKey(functionName: string): string {
  return functionName.toLowerCase();
}

function toEntity(functionName: string, status: ScheduleStatus): TimerStatusEntity {
  return {
    partitionKey: PARTITION,
    rowKey: rowKey(functionName),
    ...(status.last ? { Last: status.last.toISOString() } : {}),
    Next: status.next.toISOString(),
    LastUpdated: status.lastUpdated.toISOString(),
  };
}

function fromEntity(entity: Partial<TimerStatusEntity>): ScheduleStatus | undefined {
  const next = date(entity.Next);
  const lastUpdated = date(entity.LastUpdated);
  const last = date(entity.Last);
  if (!next || !lastUpdated || (entity.Last !== undefined && !last)) return undefined;
  return { ...(last ? { last } : {}), next, lastUpdated };
}

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}
