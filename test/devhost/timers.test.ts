import { app, type InvocationContext, type Timer } from '@azure/functions';
import { describe, expect, it, type TestContext } from 'vitest';
import type { HostContext, RawRequest } from '../../devhost/core/extension';
import { invoke } from '../../devhost/core/invoker';
import { Logger } from '../../devhost/core/logger';
import { TimerExtension, type TimerExtensionOptions } from '../../devhost/timers';
import { parseSchedule, resolveAppSettings, scheduleTimeZone } from '../../devhost/timers/schedule';
import { eventually, testStorage, uniquePrefix } from './helpers';

// Sample timer functions, registered the way an app registers them. Each test names the
// ones its host runs, so hosts started side by side do not run each other's functions.
const runs = new Map<string, Array<{ timer: Timer; at: number }>>();
const record = (timer: Timer, context: InvocationContext) => {
  const list = runs.get(context.functionName) ?? [];
  list.push({ timer, at: Date.now() });
  runs.set(context.functionName, list);
};
const runsOf = (name: string) => runs.get(name) ?? [];
const firstRuns = (name: string, count = 1, timeoutMs = 2_000) =>
  eventually(async () => (runsOf(name).length >= count ? runsOf(name) : undefined), timeoutMs);

let slowActive = 0;
let slowMaxActive = 0;

app.timer('tEverySecond', { schedule: '*/1 * * * * *', handler: record });
app.timer('tYearlyOnStartup', { schedule: '0 0 0 1 1 *', runOnStartup: true, handler: record });
app.timer('tSlow', {
  schedule: '*/1 * * * * *',
  handler: async (timer, context) => {
    record(timer, context);
    slowMaxActive = Math.max(slowMaxActive, ++slowActive);
    await new Promise((r) => setTimeout(r, 1_500));
    slowActive--;
  },
});
app.timer('tYearly', { schedule: '0 0 0 1 1 *', handler: record });
app.timer('tHourly', { schedule: '0 0 * * * *', handler: record });
app.timer('tFromSetting', { schedule: '%T_TIMER_SCHEDULE%', handler: record });
app.timer('tBadSchedule', { schedule: '*/5 * * *', handler: record });

/**
 * Starts a timer extension on a host context of its own, stopped when the test ends; `lines`
 * collects what it logs. (Tests run concurrently, so cleanup hangs off each test's context.)
 */
async function startTimers(
  test: Pick<TestContext, 'onTestFinished'>,
  options: TimerExtensionOptions,
  tablePrefix = uniquePrefix('Tm'),
) {
  const lines: string[] = [];
  const host: HostContext = {
    logger: new Logger('warn', (line) => lines.push(line)),
    baseUrl: 'http://localhost:7071',
    storageConnectionString: testStorage(),
    tablePrefix,
    invoke,
  };
  const timers = new TimerExtension(options);
  await timers.start(host);
  test.onTestFinished(() => timers.stop());
  return { timers, lines, tablePrefix };
}

const request = (method: string, path: string): RawRequest => ({
  method,
  url: new URL(path, 'http://localhost:7071'),
  headers: {},
  body: Buffer.alloc(0),
});

/** An hour in ms: a clock moved two hours on has passed an hourly timer's planned occurrence. */
const HOUR = 3_600_000;

describe.concurrent('devhost timer triggers', () => {
  it('runs a */1 schedule every second, handing the handler the Timer the host sends', async ({ expect, onTestFinished }) => {
    const { timers } = await startTimers({ onTestFinished }, { functions: ['tEverySecond'] });
    const [first, second] = await firstRuns('tEverySecond', 2, 3_000);
    // A sub-minute schedule is never monitored, so the host sends no schedule status.
    expect(first?.timer).toEqual({ isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: null });
    expect(second?.timer).toEqual(first?.timer);
    expect(timers.list()[0]?.next).toMatch(/:\d\d\.000Z$/); // occurrences fall on whole seconds

    await timers.stop();
    const count = runsOf('tEverySecond').length;
    await new Promise((r) => setTimeout(r, 1_100));
    expect(runsOf('tEverySecond')).toHaveLength(count);
  });

  it('runs a runOnStartup function once at start, with its schedule status', async ({ expect, onTestFinished }) => {
    const { timers } = await startTimers({ onTestFinished }, { functions: ['tYearlyOnStartup'] });
    const [run] = await firstRuns('tYearlyOnStartup');
    const nextNewYear = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1)).toISOString();
    expect(run?.timer).toMatchObject({
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: '0001-01-01T00:00:00.000Z', next: nextNewYear },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(runsOf('tYearlyOnStartup')).toHaveLength(1);
    expect(timers.list()[0]).toMatchObject({ name: 'tYearlyOnStartup', next: nextNewYear, useMonitor: true });
  });

  it('never overlaps runs of one function: an occurrence during a run is skipped and logged', async ({ expect, onTestFinished }) => {
    const { timers, lines } = await startTimers({ onTestFinished }, { functions: ['tSlow'] });
    await eventually(async () => lines.find((l) => l.includes("Timer 'tSlow' skipped")), 5_000);
    expect(slowMaxActive).toBe(1);
    const list = runsOf('tSlow');
    for (let i = 1; i < list.length; i++) {
      expect((list[i]?.at ?? 0) - (list[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1_500);
    }
    // stop() waits for the run in progress.
    await timers.stop();
    expect(slowActive).toBe(0);
  });

  it('runs a function on demand over HTTP: 202, 404 for an unknown name, 405 for GET', async ({ expect, onTestFinished }) => {
    const { timers } = await startTimers({ onTestFinished }, { functions: ['tYearly'] });
    expect((await timers.handleHttp(request('POST', '/.devhost/timers/tyearly/run')))?.status).toBe(202);
    const [run] = await firstRuns('tYearly');
    expect(run?.timer.isPastDue).toBe(false);
    const missing = await timers.handleHttp(request('POST', '/.devhost/timers/Nope/run'));
    expect(missing?.status).toBe(404);
    expect(String(missing?.body)).toContain('tYearly');
    expect((await timers.handleHttp(request('GET', '/.devhost/timers/tYearly/run')))?.status).toBe(405);
    expect(await timers.handleHttp(request('GET', '/healthz'))).toBeUndefined();

    const listed = await timers.handleHttp(request('GET', '/.devhost/timers'));
    expect(JSON.parse(String(listed?.body)).value[0]).toMatchObject({ name: 'tYearly', schedule: '0 0 0 1 1 *' });
    expect((await timers.runNow('tYearly')).ok).toBe(true);
    expect(runsOf('tYearly')).toHaveLength(2);
  });

  it('runs an occurrence missed while devhost was down once, as past due, at the next start', async ({ expect, onTestFinished }) => {
    const first = await startTimers({ onTestFinished }, { functions: ['tHourly'] });
    const planned = first.timers.list()[0]?.next;
    await first.timers.stop();

    // Two hours later (as far as the timers can tell), the planned occurrence has passed.
    const later = () => new Date(Date.now() + 2 * HOUR);
    const second = await startTimers({ onTestFinished }, { functions: ['tHourly'], now: later }, first.tablePrefix);
    const [run] = await firstRuns('tHourly');
    expect(run?.timer.isPastDue).toBe(true);
    expect(run?.timer.scheduleStatus.next).toBe(planned);
    await second.timers.stop();

    // That run is recorded: starting again at the same time owes nothing.
    await startTimers({ onTestFinished }, { functions: ['tHourly'], now: later }, first.tablePrefix);
    await new Promise((r) => setTimeout(r, 300));
    expect(runsOf('tHourly')).toHaveLength(1);
  });

  it('does not count a schedule changed while devhost was down as missed', async ({ expect, onTestFinished }) => {
    process.env.T_TIMER_SCHEDULE = '0 0 * * * *';
    const first = await startTimers({ onTestFinished }, { functions: ['tFromSetting'] });
    await first.timers.stop();
    process.env.T_TIMER_SCHEDULE = '0 30 * * * *';
    const later = () => new Date(Date.now() + 2 * HOUR);
    const second = await startTimers({ onTestFinished }, { functions: ['tFromSetting'], now: later }, first.tablePrefix);
    await new Promise((r) => setTimeout(r, 300));
    expect(runsOf('tFromSetting')).toHaveLength(0);
    expect(second.timers.list()[0]?.schedule).toBe('0 30 * * * *');
  });

  it('fails to start on an invalid schedule, naming the function and the schedule', async ({ expect, onTestFinished }) => {
    await expect(startTimers({ onTestFinished }, { functions: ['tBadSchedule'] })).rejects.toThrow(
      "Timer function 'tBadSchedule' has an invalid schedule '*/5 * * *'",
    );
  });
});

describe('timer schedules', () => {
  const at = (iso: string) => new Date(iso);

  it('reads 6-field NCRONTAB (seconds first) and, like the host, 5-field from minutes', () => {
    expect(parseSchedule('0 */5 * * * *').next(at('2024-01-01T10:02:30Z'))).toEqual(at('2024-01-01T10:05:00Z'));
    expect(parseSchedule('30 9 * * 1-5').next(at('2024-01-06T00:00:00Z'))).toEqual(at('2024-01-08T09:30:00Z'));
    expect(parseSchedule('0 0 9 * * MON').next(at('2024-01-01T10:00:00Z'))).toEqual(at('2024-01-08T09:00:00Z'));
  });

  it('needs day of month and day of week both to match, as NCRONTAB does', () => {
    expect(parseSchedule('0 0 0 13 * 5').next(at('2024-01-01T00:00:00Z'))).toEqual(at('2024-09-13T00:00:00Z'));
  });

  it('reads the host TimeSpan form as an interval', () => {
    expect(parseSchedule('00:00:30').next(at('2024-01-01T00:00:00Z'))).toEqual(at('2024-01-01T00:00:30Z'));
    expect(parseSchedule('1.02:00:00').next(at('2024-01-01T00:00:00Z'))).toEqual(at('2024-01-02T02:00:00Z'));
    expect(parseSchedule('00:00:30').subMinute).toBe(true);
    expect(parseSchedule('00:05:00').subMinute).toBe(false);
  });

  it('refuses what Azure would refuse, saying why', () => {
    expect(() => parseSchedule('*/5 * * *')).toThrow(/neither an NCRONTAB/);
    expect(() => parseSchedule('0 0 99 * * *')).toThrow(/not a valid NCRONTAB/);
    expect(() => parseSchedule('0 0 0 L * *')).toThrow(/'L' is not something NCRONTAB accepts/);
    expect(() => parseSchedule('0 0 0 ? * MON')).toThrow(/no '\?'/);
    expect(() => parseSchedule('0 0 0 * * 7')).toThrow(/0-6/);
    expect(() => parseSchedule('0 0 0 30 2 *')).toThrow(/never occurs/);
    expect(() => parseSchedule('00:00:00')).toThrow(/longer than zero/);
    expect(() => parseSchedule('25:00:00')).toThrow(/neither/);
  });

  it('resolves %Setting% from the app settings and runs in WEBSITE_TIME_ZONE', () => {
    expect(resolveAppSettings('%S%', { S: '0 0 * * * *' })).toBe('0 0 * * * *');
    expect(() => resolveAppSettings('%MISSING%', {})).toThrow(/'MISSING'/);
    const zone = scheduleTimeZone({ WEBSITE_TIME_ZONE: 'Europe/Berlin' });
    expect(parseSchedule('0 30 9 * * *', zone).next(at('2024-01-15T00:00:00Z'))).toEqual(at('2024-01-15T08:30:00Z'));
    expect(scheduleTimeZone({})).toBe('UTC');
    expect(() => scheduleTimeZone({ WEBSITE_TIME_ZONE: 'W. Europe Standard Time' })).toThrow(/IANA/);
  });
});
