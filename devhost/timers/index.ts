import { odata, TableClient } from '@azure/data-tables';
import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';
import { functionsWithTrigger, type RegisteredFunction, triggerOf } from '../core/registry';
import { InvalidScheduleError, parseSchedule, type Schedule } from './schedule';

const MAX_SET_TIMEOUT_MS = 2 ** 31 - 1;

function intervalMs(schedule: Schedule): number {
  const first = schedule.next(new Date());
  const second = first ? schedule.next(first) : undefined;
  return first && second ? second.getTime() - first.getTime() : Number.POSITIVE_INFINITY;
}

interface TimerJob {
  fn: RegisteredFunction;
  triggerName: string;
  schedule: Schedule;
  runOnStartup: boolean;
  useMonitor: boolean;
  handle?: NodeJS.Timeout;
  running?: Promise<void>;
  last?: Date;
  next?: Date;
}

/**
 * Timer triggers: runs each function on its NCRONTAB schedule (UTC, or WEBSITE_TIME_ZONE),
 * never overlapping one function's runs, remembering the last run in Table Storage so a run
 * missed while devhost was down happens once at start as past due (the host's schedule monitor).
 */
export class TimerExtension implements HostExtension {
  readonly name = 'timers';
  private readonly jobs = new Map<string, TimerJob>();
  private host?: HostContext;
  private table?: TableClient;
  private stopped = false;

  async start(host: HostContext): Promise<void> {
    this.host = host;
    const timezone = process.env.WEBSITE_TIME_ZONE || 'UTC';
    for (const fn of functionsWithTrigger('timerTrigger')) {
      const [triggerName, binding] = triggerOf(fn);
      let schedule: Schedule;
      try {
        // Like the host, %Name% in a schedule is read from the app settings.
        const expression = String(binding.schedule ?? '').replace(/%([^%]+)%/g, (_, key: string) => process.env[key] ?? '');
        schedule = parseSchedule(expression, timezone);
      } catch (error) {
        if (error instanceof InvalidScheduleError) {
          throw new Error(`Timer function '${fn.metadata.name}' has an invalid schedule: ${error.message}`, { cause: error });
        }
        throw error;
      }
      this.jobs.set(fn.metadata.name.toLowerCase(), {
        fn,
        triggerName,
        schedule,
        runOnStartup: binding.runOnStartup === true,
        // The host monitors schedules of a minute or longer unless told otherwise.
        useMonitor: typeof binding.useMonitor === 'boolean' ? binding.useMonitor : intervalMs(schedule) >= 60_000,
      });
    }
    if (this.jobs.size === 0) return;
    this.table = TableClient.fromConnectionString(host.storageConnectionString, `${host.tablePrefix}TimerStatus`, {
      allowInsecureConnection: true,
    });
    await this.table.createTable();
    const saved = await this.loadStatus();
    const now = new Date();
    for (const job of this.jobs.values()) {
      const status = saved.get(job.fn.metadata.name);
      job.last = status?.last;
      const missed = job.useMonitor && status?.next !== undefined && status.next.getTime() < now.getTime();
      if (job.runOnStartup || missed) void this.run(job, missed);
      this.arm(job, now);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs.values()) if (job.handle) clearTimeout(job.handle);
    const running = [...this.jobs.values()].map((j) => j.running).filter((r): r is Promise<void> => r !== undefined);
    const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
    await Promise.race([Promise.allSettled(running), deadline]);
  }

  /** Runs a timer function now (as an admin's "run" in the portal would); false if unknown. */
  trigger(name: string): boolean {
    const job = this.jobs.get(name.toLowerCase());
    if (!job) return false;
    void this.run(job, false);
    return true;
  }

  /** Runs a timer function now and resolves when that run has finished (waiting out one in progress). */
  async runNow(name: string): Promise<void> {
    const job = this.jobs.get(name.toLowerCase());
    if (!job) throw new Error(`No timer function '${name}'.`);
    await job.running;
    await this.run(job, false);
  }

  async handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    const m = /^\/\.devhost\/timers\/([^/]+)\/run$/.exec(req.url.pathname);
    if (!m || req.method !== 'POST') return undefined;
    return this.trigger(decodeURIComponent(m[1] ?? '')) ? { status: 202 } : { status: 404 };
  }

  describe(): Record<string, string> {
    return { timers: `${this.jobs.size} timer function(s)` };
  }

  private arm(job: TimerJob, after: Date): void {
    if (this.stopped) return;
    const next = job.schedule.next(after);
    job.next = next;
    if (!next) return;
    const delay = Math.min(Math.max(0, next.getTime() - Date.now()), MAX_SET_TIMEOUT_MS);
    job.handle = setTimeout(() => {
      if (Date.now() < next.getTime()) return this.arm(job, new Date());
      const late = Date.now() - next.getTime();
      this.host?.logger.debug(`Timer '${job.fn.metadata.name}' fired ${late} ms after ${next.toISOString()}.`);
      void this.run(job, false);
      this.arm(job, next);
    }, delay);
  }

  private async run(job: TimerJob, isPastDue: boolean): Promise<void> {
    const host = this.host;
    if (!host || this.stopped) return;
    if (job.running) {
      host.logger.info(`Timer '${job.fn.metadata.name}' is still running; skipping this occurrence.`);
      return;
    }
    const started = new Date();
    const timerInfo = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: (job.last ?? started).toISOString(),
        Next: job.next?.toISOString(),
        LastUpdated: started.toISOString(),
      },
      IsPastDue: isPastDue,
    };
    const run = (async () => {
      await host.invoke(
        job.fn,
        { inputData: [{ name: job.triggerName, data: { json: JSON.stringify(timerInfo) } }] },
        host.logger,
      );
      job.last = started;
      await this.saveStatus(job).catch((e) => host.logger.warn(`Timer status not saved: ${String(e)}`));
    })();
    job.running = run;
    try {
      await run;
    } finally {
      job.running = undefined;
    }
  }

  private async loadStatus(): Promise<Map<string, { last?: Date; next?: Date }>> {
    const out = new Map<string, { last?: Date; next?: Date }>();
    if (!this.table) return out;
    for await (const row of this.table.listEntities<{ last?: string; next?: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${'timer'}` },
    })) {
      out.set(row.rowKey ?? '', {
        last: row.last ? new Date(row.last) : undefined,
        next: row.next ? new Date(row.next) : undefined,
      });
    }
    return out;
  }

  private async saveStatus(job: TimerJob): Promise<void> {
    await this.table?.upsertEntity(
      {
        partitionKey: 'timer',
        rowKey: job.fn.metadata.name,
        last: job.last?.toISOString(),
        next: job.schedule.next(new Date())?.toISOString(),
      },
      'Replace',
    );
  }
}
