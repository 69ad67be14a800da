import type { HostContext } from '../core/extension';
import type { InvokeResult } from '../core/invoker';
import type { TimerDefinition } from './definition';
import { checkAtStartup, type ScheduleStatus, type TimerStatusTable } from './status';
import { timerInfoJson } from './timerInfo';

/** Node's longest setTimeout (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

type Run =
  | { kind: 'scheduled'; occurrence: Date; firedAt: Date }
  | { kind: 'pastDue' | 'startup' }
  | { kind: 'forced' };

export interface TimerJobContext {
  host: HostContext;
  now: () => Date;
  /** Where a monitored timer's status lives; absent for unmonitored timers. */
  statusTable?: TimerStatusTable;
}

/** What GET /.devhost/timers shows for one timer. */
export interface TimerSummary {
  name: string;
  schedule: string;
  useMonitor: boolean;
  runOnStartup: boolean;
  next: string | null;
  lastRun: string | null;
  running: boolean;
}

/**
 * One timer function: fires it at each occurrence of its schedule, never two runs at once (an
 * occurrence that comes while a run is still going is skipped, with a warning), and keeps the
 * host's schedule status for monitored timers so a missed occurrence runs at the next start.
 */
export class TimerJob {
  private status?: ScheduleStatus;
  private startupRun?: 'pastDue' | 'startup';
  private armedFor?: Date;
  private lastRun?: Date;
  private timeout?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private running?: Promise<InvokeResult>;
  private stopped = false;

  constructor(
    private readonly definition: TimerDefinition,
    private readonly context: TimerJobContext,
  ) {}

  get name(): string {
    return this.definition.fn.metadata.name;
  }

  /** Reads the saved status and decides what runs at start; invokes nothing yet (see begin). */
  async prepare(): Promise<void> {
    const { schedule, monitored, runOnStartup } = this.definition;
    const { statusTable, host } = this.context;
    if (monitored && statusTable) {
      const check = checkAtStartup(await statusTable.get(this.name), schedule, this.context.now());
      this.status = check.status;
      if (check.changed) await statusTable.put(this.name, check.status);
      if (check.pastDueMs > 0) {
        const missed = check.status.next.toISOString();
        host.logger.info(`Timer '${this.name}' missed its ${missed} occurrence while devhost was down; running it now as past due.`);
        this.startupRun = 'pastDue';
        return;
      }
    }
    if (runOnStartup) this.startupRun = 'startup';
  }

  /**
   * Starts the clock. A start-up run waits for the next turn of the event loop so the host
   * finishes starting (its appStart hooks run first) before the function is invoked.
   */
  begin(): void {
    const kind = this.startupRun;
    if (kind) {
      this.immediate = setImmediate(() => {
        this.runWhenIdle({ kind }).catch((error: unknown) => this.reportFailure(error));
      });
    }
    this.arm(this.definition.schedule.next(this.context.now()));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timeout);
    clearImmediate(this.immediate);
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  /** Runs the function now, after any run in progress (forced runs queue; they never overlap either). */
  runNow(): Promise<InvokeResult> {
    return this.runWhenIdle({ kind: 'forced' });
  }

  summary(): TimerSummary {
    return {
      name: this.name,
      schedule: this.definition.schedule.expression,
      useMonitor: this.definition.monitored,
      runOnStartup: this.definition.runOnStartup,
      next: this.armedFor?.toISOString() ?? null,
      lastRun: this.lastRun?.toISOString() ?? null,
      running: this.running !== undefined,
    };
  }

  private arm(occurrence: Date): void {
    if (this.stopped) return;
    this.armedFor = occurrence;
    const wait = Math.min(Math.max(0, occurrence.getTime() - this.context.now().getTime()), MAX_TIMEOUT_MS);
    this.timeout = setTimeout(() => this.onTimeout(occurrence), wait);
  }

  private onTimeout(occurrence: Date): void {
    const firedAt = this.context.now();
    // Not there yet: a wait longer than setTimeout allows, or a clock behind the timer's.
    if (firedAt < occurrence) return this.arm(occurrence);
    const { logger } = this.context.host;
    const due = occurrence.toISOString();
    logger.debug(`Timer '${this.name}' fired ${firedAt.getTime() - occurrence.getTime()} ms after its ${due} occurrence.`);
    this.arm(this.definition.schedule.next(firedAt));
    if (this.running) {
      logger.warn(`Timer '${this.name}' skipped its ${due} occurrence: the previous run is still going.`);
      return;
    }
    this.run({ kind: 'scheduled', occurrence, firedAt }).catch((error: unknown) => this.reportFailure(error));
  }

  private async runWhenIdle(run: Run): Promise<InvokeResult> {
    // Checked again after every wait, in the same turn as run() claims `running`, so two
    // waiters released by one finished run cannot both start.
    while (this.running) await this.running.catch(() => undefined);
    if (this.stopped) throw new Error(`Timer '${this.name}' is stopped.`);
    return this.run(run);
  }

  /** Callers make sure nothing is running: `running` is claimed before the first await. */
  private async run(run: Run): Promise<InvokeResult> {
    const current = this.invokeAndRecord(run, this.context.now());
    this.running = current;
    try {
      return await current;
    } finally {
      this.running = undefined;
    }
  }

  /** For runs nobody awaits: failing to invoke at all (not a failed function) is logged, not left unhandled. */
  private reportFailure(error: unknown): void {
    this.context.host.logger.error(`Timer '${this.name}' could not be run: ${String(error)}`);
  }

  private async invokeAndRecord(run: Run, startedAt: Date): Promise<InvokeResult> {
    const { host } = this.context;
    const status = this.status && run.kind === 'scheduled' ? { ...this.status, next: run.occurrence } : this.status;
    const json = timerInfoJson(status, run.kind === 'pastDue');
    const result = await host.invoke(
      this.definition.fn,
      { inputData: [{ name: this.definition.triggerName, data: { json } }] },
      host.logger,
    );
    this.lastRun = startedAt;
    // A forced run is outside the schedule (like the portal's "Run"): the status stays as it was.
    if (run.kind !== 'forced') await this.record(run.kind === 'scheduled' ? run.firedAt : startedAt);
    return result;
  }

  /** After a run, as the host does: Last is when it ran, Next follows from it. */
  private async record(ranAt: Date): Promise<void> {
    if (!this.status) return;
    this.status = { last: ranAt, next: this.definition.schedule.next(ranAt), lastUpdated: ranAt };
    try {
      await this.context.statusTable?.put(this.name, this.status);
    } catch (error) {
      this.context.host.logger.warn(`Timer '${this.name}': its status was not saved: ${String(error)}`);
    }
  }
}
