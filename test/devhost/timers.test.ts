import { TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import { DevHost } from '../../devhost/core/host';
import { Logger } from '../../devhost/core/logger';
import { TimerExtension } from '../../devhost/timers';
import { parseSchedule } from '../../devhost/timers/schedule';
import { runs } from './fixtures/timerApp';
import { eventually, testStorage, uniquePrefix } from './helpers';

const hosts: DevHost[] = [];
async function start(tablePrefix = uniquePrefix()): Promise<DevHost> {
  const host = new DevHost({
    port: 0,
    storageConnectionString: testStorage(),
    tablePrefix,
    extensions: [new TimerExtension()],
    logger: new Logger('silent'),
  });
  await host.start();
  hosts.push(host);
  return host;
}

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.stop();
});

describe('devhost timer triggers', () => {
  it('runs a 6-field schedule repeatedly, passing the Timer object the handler expects', async () => {
    await start();
    const list = await eventually(async () => {
      const r = runs.get('EverySecond');
      return r && r.length >= 2 ? r : undefined;
    }, 5_000);
    const [first, second] = list;
    expect(first?.timer).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true } });
    expect(typeof first?.timer.scheduleStatus?.next).toBe('string');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(800);
  });

  it('runs a runOnStartup function once at start', async () => {
    const before = runs.get('OnStartup')?.length ?? 0;
    await start();
    await eventually(async () => runs.get('OnStartup')?.[before], 3_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(runs.get('OnStartup')).toHaveLength(before + 1);
  });

  it('never overlaps runs of one function', async () => {
    await start();
    await new Promise((r) => setTimeout(r, 3_200));
    const list = runs.get('SlowEverySecond') ?? [];
    expect(list.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < list.length; i++) {
      expect((list[i]?.at ?? 0) - (list[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(2_400);
    }
  });

  it('runs a function on demand over HTTP and answers 404 for unknown names', async () => {
    const host = await start();
    const before = runs.get('EveryMinute')?.length ?? 0;
    expect((await fetch(`${host.url}/.devhost/timers/EveryMinute/run`, { method: 'POST' })).status).toBe(202);
    await eventually(async () => ((runs.get('EveryMinute')?.length ?? 0) > before ? true : undefined), 3_000);
    expect((await fetch(`${host.url}/.devhost/timers/Nope/run`, { method: 'POST' })).status).toBe(404);
  });

  it('runs once as past due when an occurrence was missed while stopped', async () => {
    const prefix = uniquePrefix();
    const table = TableClient.fromConnectionString(testStorage(), `${prefix}TimerStatus`, {
      allowInsecureConnection: true,
    });
    await table.createTable();
    // As left by a host that stopped before the 'next' occurrence it had planned.
    await table.upsertEntity({
      partitionKey: 'timer',
      rowKey: 'EveryMinute',
      last: new Date(Date.now() - 180_000).toISOString(),
      next: new Date(Date.now() - 120_000).toISOString(),
    });
    const before = runs.get('EveryMinute')?.length ?? 0;
    await start(prefix);
    const run = await eventually(async () => runs.get('EveryMinute')?.[before], 3_000);
    expect(run.timer.isPastDue).toBe(true);
  });

  it('refuses an invalid schedule, naming it', () => {
    expect(() => parseSchedule('*/5 * * * *')).toThrow(/6-field/);
    expect(() => parseSchedule('0 0 99 * * *')).toThrow(/not a valid/);
    expect(parseSchedule('00:00:30').next(new Date(0))?.getTime()).toBe(30_000);
  });
});
