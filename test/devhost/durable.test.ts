import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevHost } from '../../devhost/core/host';
import { DurableExtension } from '../../devhost/durable';
import { TimerExtension } from '../../devhost/timers';
import './fixtures/durableApp';
import { getStatus, raiseEvent, startOrchestration, startTestHost, waitForStatus } from './helpers';

let host: DevHost;
let base: string;

beforeAll(async () => {
  host = await startTestHost([new DurableExtension({ hubName: 'TestHub' }), new TimerExtension()]);
  base = host.url;
});

afterAll(async () => {
  await host?.stop();
});

describe('Durable orchestrations through devhost', () => {
  it('runs activities in sequence and returns their results', async () => {
    const { id } = await startOrchestration(base, 'HelloSequence');
    const status = await waitForStatus(base, id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
  });

  it('fans out with Task.all', async () => {
    const { id } = await startOrchestration(base, 'FanOut');
    const status = await waitForStatus(base, id);
    expect(status.output).toEqual(['Hello a', 'Hello b', 'Hello c', 'Hello d', 'Hello e']);
  });

  it('Task.any(event, timer): the event wins and the timer is canceled', async () => {
    const { id } = await startOrchestration(base, 'ApprovalWait', { timeoutMs: 60_000 });
    await waitForStatus(base, id, ['Running']);
    expect(await raiseEvent(base, id, 'Approval', { approver: 'bob' })).toBe(202);
    const status = await waitForStatus(base, id);
    expect(status.output).toEqual({ outcome: 'approved', by: { approver: 'bob' } });
  });

  it('Task.any(event, timer): the timer wins when no event comes', async () => {
    const started = Date.now();
    const { id } = await startOrchestration(base, 'ApprovalWait', { timeoutMs: 600 });
    const status = await waitForStatus(base, id);
    expect((status.output as { outcome: string }).outcome).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(await raiseEvent(base, id, 'Approval', {})).toBe(410);
  });

  it('keeps an event raised before the orchestration waits for it', async () => {
    const { id } = await startOrchestration(base, 'TwoEvents');
    await waitForStatus(base, id, ['Running']);
    expect(await raiseEvent(base, id, 'B', 'second')).toBe(202);
    expect(await raiseEvent(base, id, 'A', 'first')).toBe(202);
    const status = await waitForStatus(base, id);
    expect(status.output).toEqual(['first', 'second']);
  });

  it('retries an activity until its third attempt succeeds', async () => {
    const { id } = await startOrchestration(base, 'RetryThenSucceed', 'retry-key-1');
    const status = await waitForStatus(base, id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ key: 'retry-key-1', attempts: 3 });
  });

  it('surfaces an activity that always fails to the orchestrator after the last retry', async () => {
    const { id } = await startOrchestration(base, 'RetryExhausted');
    const status = await waitForStatus(base, id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toMatch(/^caught: .*always fails: x/);
  });

  it('fails the orchestration when an activity failure is not handled', async () => {
    const { id } = await startOrchestration(base, 'UnhandledFailure');
    const status = await waitForStatus(base, id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(String(status.output)).toContain('always fails: boom');
  });

  it('runs sub-orchestrations, including in parallel and with a given instance id', async () => {
    const { id } = await startOrchestration(base, 'Parent');
    const status = await waitForStatus(base, id);
    expect(status.output).toEqual([['Hello x'], ['Hello y'], ['Hello z']]);
    const child = await getStatus(base, `${id}-child-z`);
    expect(child?.runtimeStatus).toBe('Completed');
  });

  it('delivers a failed sub-orchestration to its parent as an error', async () => {
    const { id } = await startOrchestration(base, 'FailingParent');
    const status = await waitForStatus(base, id);
    expect(status.output).toBe('child failed: true');
  });

  it('continues as new until done', async () => {
    const { id } = await startOrchestration(base, 'Counter', 0);
    const status = await waitForStatus(base, id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(3);
    expect(status.input).toBe(3);
  });

  it('exposes custom status while waiting', async () => {
    const { id } = await startOrchestration(base, 'StatusThenEvent');
    const waiting = await waitForStatus(base, id, ['Running']);
    expect(waiting.customStatus === null || (waiting.customStatus as { stage: string }).stage === 'waiting').toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect((await getStatus(base, id))?.customStatus).toEqual({ stage: 'waiting' });
    await raiseEvent(base, id, 'Go', 42);
    const done = await waitForStatus(base, id);
    expect(done.output).toBe(42);
    expect(done.customStatus).toEqual({ stage: 'done' });
  });

  it('chains a timer longer than the maximum short timer and cancels it', async () => {
    const { id } = await startOrchestration(base, 'LongTimer');
    await waitForStatus(base, id, ['Running']);
    const history = await getStatus(base, id, '?showHistory=true');
    const timers = (history?.historyEvents ?? []).filter((e) => e.EventType === 10);
    expect(timers).toHaveLength(1);
    const firstLink = Date.parse(String(timers[0]?.FireAt)) - Date.parse(String(history?.createdTime));
    expect(firstLink).toBeGreaterThan(2.9 * 24 * 3600 * 1000);
    expect(firstLink).toBeLessThan(3.1 * 24 * 3600 * 1000);
    await raiseEvent(base, id, 'Stop', null);
    expect((await waitForStatus(base, id)).output).toBe('stopped');
  });

  it('fires a timer on time', async () => {
    const started = Date.now();
    const { id } = await startOrchestration(base, 'TimerOnly', { delayMs: 500 });
    const status = await waitForStatus(base, id);
    const elapsed = Date.now() - started;
    expect((status.output as { firedAfterMs: number }).firedAfterMs).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeGreaterThanOrEqual(500);
  });
});

describe('the durable client HTTP API', () => {
  it('answers 409 for a duplicate running instance id and 400 for an unknown orchestrator', async () => {
    await startOrchestration(base, 'StatusThenEvent', undefined, 'dup-1');
    const again = await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/StatusThenEvent/dup-1`, {
      method: 'POST',
    });
    expect(again.status).toBe(409);
    const unknown = await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/NoSuchThing`, { method: 'POST' });
    expect(unknown.status).toBe(400);
    await raiseEvent(base, 'dup-1', 'Go', 1);
    await waitForStatus(base, 'dup-1');
  });

  it('answers 404 for unknown instances', async () => {
    expect(await getStatus(base, 'nope')).toBeUndefined();
    expect(await raiseEvent(base, 'nope', 'X', 1)).toBe(404);
    const terminate = await fetch(`${base}/runtime/webhooks/durabletask/instances/nope/terminate?reason=x`, {
      method: 'POST',
    });
    expect(terminate.status).toBe(404);
  });

  it('terminates a running instance, then answers 410', async () => {
    const { id } = await startOrchestration(base, 'StatusThenEvent');
    await waitForStatus(base, id, ['Running']);
    const res = await fetch(`${base}/runtime/webhooks/durabletask/instances/${id}/terminate?reason=stop`, {
      method: 'POST',
    });
    expect(res.status).toBe(202);
    const status = await waitForStatus(base, id);
    expect(status.runtimeStatus).toBe('Terminated');
    expect(status.output).toBe('stop');
    const again = await fetch(`${base}/runtime/webhooks/durabletask/instances/${id}/terminate?reason=stop`, {
      method: 'POST',
    });
    expect(again.status).toBe(410);
  });

  it('raises events through the unmodified durable client from an HTTP function', async () => {
    const { id } = await startOrchestration(base, 'StatusThenEvent');
    await waitForStatus(base, id, ['Running']);
    const res = await fetch(`${base}/raise/${id}/Go`, { method: 'POST', body: JSON.stringify('via-client') });
    expect(res.status).toBe(200);
    expect((await waitForStatus(base, id)).output).toBe('via-client');
  });

  it('lists instances by status and purges finished ones', async () => {
    const { id } = await startOrchestration(base, 'HelloSequence', ['p']);
    await waitForStatus(base, id);
    const list = await fetch(`${base}/runtime/webhooks/durabletask/instances/?runtimeStatus=Completed`);
    const items = (await list.json()) as Array<{ instanceId: string; runtimeStatus: string }>;
    expect(items.some((i) => i.instanceId === id)).toBe(true);
    expect(items.every((i) => i.runtimeStatus === 'Completed')).toBe(true);
    const purge = await fetch(`${base}/runtime/webhooks/durabletask/instances/${id}`, { method: 'DELETE' });
    expect(purge.status).toBe(200);
    expect(await purge.json()).toEqual({ instancesDeleted: 1 });
    expect(await getStatus(base, id)).toBeUndefined();
  });

  it('suspends an instance (events wait) and resumes it', async () => {
    const { id } = await startOrchestration(base, 'StatusThenEvent');
    await waitForStatus(base, id, ['Running']);
    const api = `${base}/runtime/webhooks/durabletask/instances/${id}`;
    expect((await fetch(`${api}/suspend?reason=hold`, { method: 'POST' })).status).toBe(202);
    await waitForStatus(base, id, ['Suspended']);
    expect(await raiseEvent(base, id, 'Go', 'later')).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect((await getStatus(base, id))?.runtimeStatus).toBe('Suspended');
    expect((await fetch(`${api}/resume?reason=go`, { method: 'POST' })).status).toBe(202);
    expect((await waitForStatus(base, id)).output).toBe('later');
  });

  it('fills the durable client input of non-HTTP triggers too', async () => {
    expect((await fetch(`${base}/.devhost/timers/StartFromTimer/run`, { method: 'POST' })).status).toBe(202);
    const status = await waitForStatus(base, 'from-timer');
    expect(status.output).toEqual(['Hello timer']);
  });

  it('gives the starter a check-status response pointing at this host', async () => {
    const payload = await startOrchestration(base, 'HelloSequence', ['q']);
    expect(payload.statusQueryGetUri.startsWith(base)).toBe(true);
    await waitForStatus(base, payload.id);
    const res = await fetch(payload.statusQueryGetUri);
    expect(res.status).toBe(200);
  });
});
