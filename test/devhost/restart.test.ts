import { afterEach, describe, expect, it } from 'vitest';
import { raiseEvent, startOrchestration, testStorage, uniquePrefix, waitForStatus } from './helpers';
import { killAllDevHosts, spawnDevHost } from './processHost';

afterEach(killAllDevHosts);

describe('devhost killed with SIGKILL and started again', () => {
  it('still completes orchestrations waiting on a timer, on an event and on a running activity', async () => {
    const env = {
      DEVHOST_STORAGE: testStorage(),
      DEVHOST_APP: 'test/devhost/fixtures/durableApp.ts',
      DEVHOST_TABLE_PREFIX: uniquePrefix('R'),
    };
    const first = await spawnDevHost(env);
    const timerWait = await startOrchestration(first.url, 'ApprovalWait', { timeoutMs: 4_000 });
    const deadline = Date.now() + 4_000;
    const eventWait = await startOrchestration(first.url, 'StatusThenEvent');
    const inFlight = await startOrchestration(first.url, 'SlowOne', 1_500);
    await waitForStatus(first.url, inFlight.id, ['Running']);
    await waitForStatus(first.url, timerWait.id, ['Running']);
    await waitForStatus(first.url, eventWait.id, ['Running']);

    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnDevHost(env);
    try {
      expect(await raiseEvent(second.url, eventWait.id, 'Go', 'after-restart')).toBe(202);
      const evented = await waitForStatus(second.url, eventWait.id);
      expect(evented.output).toBe('after-restart');

      // The activity that was running when the host died runs again (at-least-once).
      expect((await waitForStatus(second.url, inFlight.id)).output).toBe('slept 1500');

      const timed = await waitForStatus(second.url, timerWait.id, undefined, 20_000);
      expect((timed.output as { outcome: string }).outcome).toBe('timeout');
      const firedAt = Date.parse((timed.output as { at: string }).at);
      expect(firedAt).toBeGreaterThanOrEqual(deadline - 50);
      expect(firedAt - deadline).toBeLessThan(3_000);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 60_000);

  it('stops cleanly on SIGTERM and SIGINT, leaving its port free', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const host = await spawnDevHost({
        DEVHOST_STORAGE: testStorage(),
        DEVHOST_APP: 'test/devhost/fixtures/httpApp.ts',
        DEVHOST_TABLE_PREFIX: uniquePrefix('S'),
      });
      host.child.kill(signal);
      expect(await host.exited).toBe(0);
      await expect(fetch(`${host.url}/items/1`)).rejects.toThrow();
    }
  }, 60_000);
});
