import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';
import type { InvokeResult } from '../core/invoker';
import { functionsWithTrigger, type RegisteredFunction } from '../core/registry';
import { defineTimer } from './definition';
import { TimerJob, type TimerSummary } from './job';
import { InvalidScheduleError, scheduleTimeZone } from './schedule';
import { TimerStatusTable } from './status';

/** How long stop() waits for runs in progress before giving up on them. */
const STOP_WAIT_MS = 10_000;

export interface TimerExtensionOptions {
  /** Only these timer functions run (like host.json's "functions" list); all of them by default. */
  functions?: string[];
  /** The current time. Tests move it forward to stand for time that passed while devhost was down. */
  now?: () => Date;
}

/**
 * Timer triggers, as the Functions host runs them: each registered `timerTrigger` function on
 * its NCRONTAB or "hh:mm:ss" schedule (UTC, or WEBSITE_TIME_ZONE), `runOnStartup`, no overlapping
 * runs of one function, and for monitored schedules a status row in Table Storage so an
 * occurrence missed while devhost was down runs once at start with `isPastDue`.
 * `POST /.devhost/timers/{name}/run` (or runNow/trigger) runs one now; `GET /.devhost/timers` lists them.
 */
export class TimerExtension implements HostExtension {
  readonly name = 'timers';
  private jobs = new Map<string, TimerJob>();
  private host?: HostContext;

  constructor(private readonly options: TimerExtensionOptions = {}) {}

  async start(host: HostContext): Promise<void> {
    this.host = host;
    const now = this.options.now ?? (() => new Date());
    let timeZone: string;
    try {
      timeZone = scheduleTimeZone();
    } catch (error) {
      if (error instanceof InvalidScheduleError) {
        throw new Error(`Timer triggers cannot start: ${error.message}`, { cause: error });
      }
      throw error;
    }
    const definitions = this.selectFunctions().map((fn) => defineTimer(fn, timeZone));
    const statusTable = definitions.some((d) => d.monitored)
      ? await TimerStatusTable.open(host.storageConnectionString, `${host.tablePrefix}TimerStatus`)
      : undefined;
    const jobs = definitions.map(
      (d) => new TimerJob(d, { host, now, statusTable: d.monitored ? statusTable : undefined }),
    );
    for (const job of jobs) await job.prepare();
    this.jobs = new Map(jobs.map((job) => [job.name.toLowerCase(), job]));
    for (const job of jobs) {
      job.begin();
      const { schedule, next, useMonitor } = job.summary();
      host.logger.info(
        `Timer '${job.name}': schedule '${schedule}' (${timeZone}), next at ${next}${useMonitor ? '' : ', not monitored'}.`,
      );
    }
  }

  async stop(): Promise<void> {
    const jobs = [...this.jobs.values()];
    for (const job of jobs) job.stop();
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      deadline = setTimeout(() => resolve(true), STOP_WAIT_MS);
    });
    const finished = Promise.all(jobs.map((job) => job.idle())).then(() => false);
    if (await Promise.race([finished, timedOut])) {
      this.host?.logger.warn(`Timer runs still going after ${STOP_WAIT_MS} ms; stopping without them.`);
    }
    clearTimeout(deadline);
  }

  /** Starts a run of the named timer function now without waiting for it; false if there is none. */
  trigger(name: string): boolean {
    const job = this.jobs.get(name.toLowerCase());
    if (!job) return false;
    job.runNow().catch((error: unknown) => this.host?.logger.error(`Timer '${job.name}' could not be run: ${String(error)}`));
    return true;
  }

  /** Runs the named timer function now (after a run in progress) and resolves with how it went. */
  async runNow(name: string): Promise<InvokeResult> {
    const job = this.jobs.get(name.toLowerCase());
    if (!job) throw new Error(`No timer function '${name}'. Known: ${this.knownNames()}.`);
    return job.runNow();
  }

  /** The timers and their state, as GET /.devhost/timers shows them. */
  list(): TimerSummary[] {
    return [...this.jobs.values()].map((job) => job.summary());
  }

  async handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    const path = req.url.pathname;
    if (path === '/.devhost/timers') {
      return req.method === 'GET' ? json(200, { value: this.list() }) : methodNotAllowed('GET');
    }
    const match = /^\/\.devhost\/timers\/([^/]+)\/run$/.exec(path);
    if (!match) return undefined;
    if (req.method !== 'POST') return methodNotAllowed('POST');
    const name = safeDecode(match[1] ?? '');
    if (name !== undefined && this.trigger(name)) return { status: 202 };
    return json(404, { error: `No timer function '${name ?? match[1]}'. Known: ${this.knownNames()}.` });
  }

  describe(): Record<string, string> {
    return { timers: `${this.jobs.size} timer function(s)` };
  }

  private selectFunctions(): RegisteredFunction[] {
    const all = functionsWithTrigger('timerTrigger');
    const wanted = this.options.functions;
    if (!wanted) return all;
    const byName = new Map(all.map((fn) => [fn.metadata.name.toLowerCase(), fn]));
    return wanted.map((name) => {
      const fn = byName.get(name.toLowerCase());
      if (!fn) throw new Error(`'${name}' (in the timer extension's functions option) is not a registered timer function.`);
      return fn;
    });
  }

  private knownNames(): string {
    return [...this.jobs.values()].map((job) => job.name).join(', ') || 'none';
  }
}

function json(status: number, body: unknown): RawResponse {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

function methodNotAllowed(allow: string): RawResponse {
  return { status: 405, headers: { Allow: allow }, body: '' };
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
