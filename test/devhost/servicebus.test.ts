import { app, type InvocationContext } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostContext } from '../../devhost/core/extension';
import { invoke } from '../../devhost/core/invoker';
import { Logger } from '../../devhost/core/logger';
import { type OutgoingMessage, ServiceBusExtension, type ServiceBusOptions } from '../../devhost/servicebus';
import { eventually, testStorage, uniquePrefix } from './helpers';

/** What a function saw on one invocation. */
interface Call {
  body: unknown;
  meta: Record<string, unknown>;
  retry: unknown;
  at: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const calls = new Map<string, Call[]>();
const callsOf = (name: string) => calls.get(name) ?? [];
const attempts = new Map<string, number>();
let releaseSlow: () => void = () => undefined;
let slowGate: Promise<void> = Promise.resolve();

function recorder(name: string, behave?: (call: Call) => unknown) {
  return async (message: unknown, context: InvocationContext) => {
    const call = { body: message, meta: context.triggerMetadata ?? {}, retry: context.retryContext, at: Date.now() };
    calls.set(name, [...callsOf(name), call]);
    await behave?.(call);
  };
}

app.serviceBusQueue('SbOrders', { queueName: 'orders', connection: 'Bus', handler: recorder('SbOrders') });
app.serviceBusTopic('SbMail', { topicName: 'events', subscriptionName: 'mail', connection: 'Bus', handler: recorder('SbMail') });
app.serviceBusTopic('SbAudit', {
  topicName: 'events',
  subscriptionName: 'audit',
  connection: 'Bus',
  handler: recorder('SbAudit'),
});
app.serviceBusQueue('SbFlaky', {
  queueName: 'flaky',
  connection: 'Bus',
  handler: recorder('SbFlaky', (call) => {
    const id = String(call.meta.messageId);
    const n = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, n);
    if (n <= 2) throw new Error(`not yet (${n})`);
  }),
});
app.serviceBusQueue('SbPoison', {
  queueName: 'poison',
  connection: 'Bus',
  handler: recorder('SbPoison', () => {
    throw new Error('cannot handle this message');
  }),
});
app.serviceBusQueue('SbSlow', {
  queueName: 'slow',
  connection: 'Bus',
  handler: recorder('SbSlow', (call) => (call.meta.deliveryCount === 1 ? slowGate : undefined)),
});

const batch = { order: [] as unknown[], running: 0, most: 0 };
app.serviceBusQueue('SbBatch', {
  queueName: 'batch',
  connection: 'Bus',
  handler: async (message: unknown) => {
    batch.order.push(message);
    batch.most = Math.max(batch.most, ++batch.running);
    await sleep(50);
    batch.running -= 1;
  },
});

let logs: string[] = [];
const started: ServiceBusExtension[] = [];

function hostContext(tablePrefix: string): HostContext {
  return {
    logger: new Logger('warn', (line) => logs.push(line)),
    baseUrl: 'http://127.0.0.1:0',
    storageConnectionString: testStorage(),
    tablePrefix,
    invoke,
  };
}

/** A started bus over its own tables (or the given ones, to play a restart). */
async function startBus(options: ServiceBusOptions = {}, tablePrefix = uniquePrefix('T')) {
  const bus = new ServiceBusExtension({ retryBackoffMs: 10, ...options });
  await bus.start(hostContext(tablePrefix));
  started.push(bus);
  return { bus, tablePrefix };
}

async function request(bus: ServiceBusExtension, method: string, path: string, body?: unknown) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await bus.handleHttp({
    method,
    url: new URL(path, 'http://127.0.0.1'),
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(text),
  });
  if (!res) throw new Error(`${method} ${path} was not answered by the bus`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON answers loosely.
  return { status: res.status, headers: res.headers, json: res.body ? (JSON.parse(String(res.body)) as any) : undefined };
}

async function entityCounts(bus: ServiceBusExtension, path: string) {
  const { json } = await request(bus, 'GET', '/.devhost/servicebus');
  return (json.entities as Array<Record<string, unknown>>).find((e) => e.path === path);
}

beforeEach(() => {
  calls.clear();
  attempts.clear();
  logs = [];
  Object.assign(batch, { order: [], running: 0, most: 0 });
  slowGate = new Promise((resolve) => {
    releaseSlow = resolve;
  });
});

afterEach(async () => {
  releaseSlow();
  for (const bus of started.splice(0)) await bus.stop();
});

describe('devhost Service Bus', () => {
  it('delivers a queue message once, with its body and metadata as the function sees them', async () => {
    const { bus } = await startBus();
    const sent = await request(bus, 'POST', '/.devhost/servicebus/queues/orders/messages', {
      body: { order: 1, lines: [{ sku: 'A' }] },
      messageId: 'order-1',
      contentType: 'application/json',
      subject: 'OrderPlaced',
      correlationId: 'corr-7',
      applicationProperties: { tenant: 'contoso', priority: 2 },
    });
    expect(sent).toMatchObject({ status: 201, json: { messageIds: ['order-1'], duplicates: [] } });

    const [call] = await eventually(async () => (callsOf('SbOrders').length > 0 ? callsOf('SbOrders') : undefined));
    expect(call?.body).toEqual({ order: 1, lines: [{ sku: 'A' }] });
    expect(call?.meta).toMatchObject({
      messageId: 'order-1',
      deliveryCount: 1,
      contentType: 'application/json',
      subject: 'OrderPlaced',
      label: 'OrderPlaced',
      correlationId: 'corr-7',
      applicationProperties: { tenant: 'contoso', priority: 2 },
      userProperties: { tenant: 'contoso', priority: 2 },
    });
    expect(Date.parse(String(call?.meta.enqueuedTimeUtc))).toBeLessThanOrEqual(Date.now());
    expect(typeof call?.meta.sequenceNumber).toBe('number');
    expect(call?.retry).toEqual({ retryCount: 0, maxRetryCount: 9 });

    await sleep(300);
    expect(callsOf('SbOrders')).toHaveLength(1);
    expect(await entityCounts(bus, 'orders')).toMatchObject({
      kind: 'queue',
      functions: ['SbOrders'],
      active: 0,
      deadlettered: 0,
      completed: 1,
    });
  });

  it('hands string bodies over as the same strings, even ones that look like JSON', async () => {
    const { bus } = await startBus();
    await bus.send('orders', [{ body: 'hello' }, { body: '123' }, { body: '{"a":1}' }]);
    const bodies = await eventually(async () =>
      callsOf('SbOrders').length === 3 ? callsOf('SbOrders').map((c) => c.body) : undefined,
    );
    expect(bodies).toEqual(['hello', '123', '{"a":1}']);
  });

  it('copies a topic message to each of its subscriptions', async () => {
    const { bus } = await startBus();
    const result = await bus.send({ topic: 'events' }, { body: { type: 'granted' }, subject: 'RoleGranted' });
    expect(result.messageIds).toHaveLength(1);
    const mail = await eventually(async () => callsOf('SbMail')[0]);
    const audit = await eventually(async () => callsOf('SbAudit')[0]);
    for (const call of [mail, audit]) {
      expect(call.body).toEqual({ type: 'granted' });
      expect(call.meta).toMatchObject({ messageId: result.messageIds[0], subject: 'RoleGranted', deliveryCount: 1 });
    }
    await sleep(200);
    expect([callsOf('SbMail').length, callsOf('SbAudit').length]).toEqual([1, 1]);
    expect(await entityCounts(bus, 'events/Subscriptions/mail')).toMatchObject({ completed: 1, active: 0 });
    expect(await entityCounts(bus, 'events/Subscriptions/audit')).toMatchObject({ completed: 1, active: 0 });
    // A bare name that is a known topic goes to the topic, as with a Service Bus sender.
    await bus.send('events', { body: 'second' });
    await eventually(async () => callsOf('SbAudit').find((c) => c.body === 'second'));
  });

  it("keeps a subscription's copy only when its SQL rule takes the message; a rule it cannot evaluate fails the start", async () => {
    const sql = "kind IN ('a', 'b') AND NOT EXISTS(skip) OR sys.Label = 'Always'";
    const { bus } = await startBus({ filters: [{ topic: 'events', subscription: 'audit', sql }] });
    const sends: OutgoingMessage[] = [
      { body: 1, applicationProperties: { kind: 'a' } },
      { body: 2, applicationProperties: { kind: 'c' } },
      { body: 3, applicationProperties: { kind: 'b', skip: true } },
      { body: 4 },
      { body: 5, subject: 'Always', applicationProperties: { skip: true } },
    ];
    for (const m of sends) await bus.send({ topic: 'events' }, m);
    await eventually(async () => (callsOf('SbMail').length === 5 && callsOf('SbAudit').length === 2 ? true : undefined));
    await sleep(200);
    expect(callsOf('SbAudit').map((c) => c.body).sort()).toEqual([1, 5]);
    expect(await entityCounts(bus, 'events/Subscriptions/audit')).toMatchObject({ filter: sql, completed: 2, active: 0 });
    expect(await entityCounts(bus, 'events/Subscriptions/mail')).toMatchObject({ completed: 5, active: 0 });
    expect(() => new ServiceBusExtension({ filters: [{ topic: 'events', subscription: 'audit', sql: "kind LIKE 'a%'" }] })).toThrow(/LIKE is not supported/);
  });

  it('redelivers a failing message until the function succeeds, then completes it', async () => {
    const { bus } = await startBus();
    await bus.send('flaky', { body: 'try me', messageId: 'flaky-1' });
    const deliveries = await eventually(async () => (callsOf('SbFlaky').length >= 3 ? callsOf('SbFlaky') : undefined));
    expect(deliveries.map((d) => d.meta.deliveryCount)).toEqual([1, 2, 3]);
    expect(deliveries.map((d) => d.retry)).toEqual([0, 1, 2].map((retryCount) => ({ retryCount, maxRetryCount: 9 })));
    await sleep(300);
    expect(callsOf('SbFlaky')).toHaveLength(3);
    expect(await entityCounts(bus, 'flaky')).toMatchObject({ active: 0, deadlettered: 0, completed: 1 });
    expect((await request(bus, 'GET', '/.devhost/servicebus/queues/flaky/deadletter')).json.messages).toEqual([]);
  });

  it('dead-letters a message that fails maxDeliveryCount times and keeps it visible over HTTP', async () => {
    const { bus } = await startBus({ maxDeliveryCount: 3 });
    await bus.send('poison', { body: { bad: true }, messageId: 'poison-1', subject: 'Broken' });
    const dead = await eventually(async () => {
      const { json } = await request(bus, 'GET', '/.devhost/servicebus/queues/poison/deadletter');
      return json.messages.length > 0 ? json : undefined;
    });
    expect(dead.path).toBe('poison');
    expect(dead.messages).toEqual([
      expect.objectContaining({
        messageId: 'poison-1',
        body: { bad: true },
        subject: 'Broken',
        deliveryCount: 3,
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: 'cannot handle this message',
      }),
    ]);
    await sleep(300);
    expect(callsOf('SbPoison').map((c) => c.meta.deliveryCount)).toEqual([1, 2, 3]);
    expect(await entityCounts(bus, 'poison')).toMatchObject({ active: 0, deadlettered: 1, completed: 0 });
    expect(logs.some((l) => l.includes('poison-1 dead-lettered after 3 deliveries'))).toBe(true);
  });

  it('drops a second send with the same messageId to the same entity', async () => {
    const { bus } = await startBus();
    expect(await bus.send('orders', { body: 'first', messageId: 'same-id' })).toEqual({
      messageIds: ['same-id'],
      duplicates: [],
    });
    const again = await request(bus, 'POST', '/.devhost/servicebus/queues/orders/messages', [
      { body: 'second', messageId: 'same-id' },
    ]);
    expect(again).toMatchObject({ status: 201, json: { messageIds: [], duplicates: ['same-id'] } });
    // Duplicate detection is per entity: the same id on another queue is a different message.
    expect(await bus.send('unheard', { body: 'elsewhere', messageId: 'same-id' })).toMatchObject({
      messageIds: ['same-id'],
    });
    await eventually(async () => callsOf('SbOrders')[0]);
    await sleep(300);
    expect(callsOf('SbOrders').map((c) => c.body)).toEqual(['first']);
    expect(await entityCounts(bus, 'unheard')).toMatchObject({ functions: [], active: 1 });
  });

  it('does not deliver a scheduled message before its time', async () => {
    const { bus } = await startBus();
    const at = Date.now() + 800;
    await bus.send('orders', { body: 'later', scheduledEnqueueTimeUtc: new Date(at).toISOString() });
    await sleep(400);
    expect(callsOf('SbOrders')).toHaveLength(0);
    expect(await entityCounts(bus, 'orders')).toMatchObject({ active: 1, scheduled: 1 });
    const call = await eventually(async () => callsOf('SbOrders')[0]);
    expect(call.at).toBeGreaterThanOrEqual(at);
    expect(call.body).toBe('later');
    expect(Date.parse(String(call.meta.enqueuedTimeUtc))).toBeGreaterThanOrEqual(at);
  });

  it('delivers after a restart a message sent before the extension stopped', async () => {
    const { bus: first, tablePrefix } = await startBus();
    const at = Date.now() + 300;
    await first.send('orders', { body: 'survives', messageId: 'keep-1', scheduledEnqueueTimeUtc: new Date(at) });
    await first.stop();
    await sleep(at - Date.now() + 200);
    expect(callsOf('SbOrders')).toHaveLength(0);

    const { bus: second } = await startBus({}, tablePrefix);
    const call = await eventually(async () => callsOf('SbOrders')[0]);
    expect(call.body).toBe('survives');
    expect(call.meta).toMatchObject({ messageId: 'keep-1', deliveryCount: 1 });
    await sleep(200);
    expect(callsOf('SbOrders')).toHaveLength(1);
    expect(await entityCounts(second, 'orders')).toMatchObject({ active: 0, completed: 1 });
  });

  it('redelivers a message whose invocation was cut off by a stop, counting that attempt', async () => {
    const { bus: first, tablePrefix } = await startBus({ stopTimeoutMs: 100 });
    await first.send('slow', { body: 'long job', messageId: 'slow-1' });
    await eventually(async () => callsOf('SbSlow')[0]);
    await first.stop(); // gives up on the running invocation after 100 ms

    const { bus: second } = await startBus({}, tablePrefix);
    const retried = await eventually(async () => callsOf('SbSlow')[1]);
    expect(retried.meta).toMatchObject({ messageId: 'slow-1', deliveryCount: 2 });
    await eventually(async () => ((await entityCounts(second, 'slow'))?.completed === 1 ? true : undefined));

    // The first invocation finishing late does not change what the second one recorded.
    releaseSlow();
    await sleep(200);
    expect(await entityCounts(second, 'slow')).toMatchObject({ active: 0, completed: 1, deadlettered: 0 });
    expect(callsOf('SbSlow')).toHaveLength(2);
  });

  it('processes one queue a few messages at a time, starting them in enqueue order', async () => {
    const { bus } = await startBus({ concurrency: 2 });
    await bus.send('batch', [1, 2, 3, 4, 5, 6].map((n) => ({ body: n })));
    await eventually(async () => (batch.order.length === 6 ? true : undefined));
    expect(batch.order).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batch.most).toBe(2);
  });

  it('answers bad sends over HTTP with a clear 400 and unknown paths with 404', async () => {
    const { bus } = await startBus();
    const notJson = await request(bus, 'POST', '/.devhost/servicebus/queues/orders/messages', 'not json');
    expect(notJson).toMatchObject({ status: 400, json: { error: { code: 'InvalidJson' } } });
    expect(notJson.json.error.message).toMatch(/JSON/);

    const noBody = await request(bus, 'POST', '/.devhost/servicebus/queues/orders/messages', [{ body: 1 }, { id: 2 }]);
    expect(noBody.status).toBe(400);
    expect(noBody.json.error).toMatchObject({ code: 'InvalidMessage' });
    expect(noBody.json.error.message).toMatch(/^Message 1: unknown properties id/);

    const badTime = await request(bus, 'POST', '/.devhost/servicebus/queues/orders/messages', {
      body: 1,
      scheduledEnqueueTimeUtc: 'tomorrow',
    });
    expect(badTime.json.error.message).toMatch(/scheduledEnqueueTimeUtc/);

    const asQueue = await request(bus, 'POST', '/.devhost/servicebus/queues/events/messages', { body: 1 });
    expect(asQueue).toMatchObject({ status: 409, json: { error: { code: 'EntityConflict' } } });

    expect((await request(bus, 'GET', '/.devhost/servicebus/queues/nope/deadletter')).status).toBe(404);
    expect((await request(bus, 'GET', '/.devhost/servicebus/queues/orders/messages')).status).toBe(405);
    expect((await request(bus, 'GET', '/.devhost/servicebus/whatever')).status).toBe(404);
    expect(await bus.handleHttp({ method: 'GET', url: new URL('http://h/items'), headers: {}, body: Buffer.alloc(0) })).toBe(
      undefined,
    );
    await sleep(100);
    expect(callsOf('SbOrders')).toHaveLength(0);
  });

  it('lists queues, topics and subscriptions, including ones made by a send', async () => {
    const { bus } = await startBus();
    await request(bus, 'POST', '/.devhost/servicebus/queues/audit-export/messages', { body: { n: 1 } });
    await bus.send({ topic: 'nobody-listens' }, { body: 1 });
    const { json } = await request(bus, 'GET', '/.devhost/servicebus');
    const byPath = Object.fromEntries((json.entities as Array<{ path: string }>).map((e) => [e.path, e]));
    expect(byPath['audit-export']).toMatchObject({ kind: 'queue', functions: [], active: 1 });
    expect(byPath.events).toMatchObject({ kind: 'topic', subscriptions: ['mail', 'audit'] });
    expect(byPath['events/Subscriptions/mail']).toMatchObject({ kind: 'subscription', functions: ['SbMail'] });
    expect(byPath['nobody-listens']).toMatchObject({ kind: 'topic', subscriptions: [] });
    expect(bus.describe()).toEqual({ serviceBus: 'devhost in-process bus (Azure Table Storage)' });
  });
});
