import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevHost } from '../../devhost/core/host';
import { ServiceBusExtension } from '../../devhost/servicebus';
import { seen } from './fixtures/busApp';
import { eventually, startTestHost } from './helpers';

let host: DevHost;
let bus: ServiceBusExtension;

beforeAll(async () => {
  bus = new ServiceBusExtension({ maxDeliveryCount: 4, retryBackoffMs: 20 });
  host = await startTestHost([bus]);
});

afterAll(async () => {
  await host?.stop();
});

const post = (path: string, body: unknown) =>
  fetch(`${host.url}/.devhost/servicebus/${path}`, { method: 'POST', body: JSON.stringify(body) });

describe('devhost Service Bus', () => {
  it('delivers a queue message once, with its body and metadata as the function sees them', async () => {
    const res = await post('queues/orders/messages', {
      body: { order: 1 },
      messageId: 'order-1',
      subject: 'OrderPlaced',
      applicationProperties: { tenant: 'contoso' },
    });
    expect(res.status).toBe(201);
    const [delivery] = await eventually(async () => seen.get('OnOrders'));
    expect(delivery).toMatchObject({
      body: { order: 1 },
      messageId: 'order-1',
      deliveryCount: 1,
      subject: 'OrderPlaced',
      applicationProperties: { tenant: 'contoso' },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.get('OnOrders')).toHaveLength(1);
  });

  it('drops a duplicate message id within the detection window', async () => {
    await post('queues/orders/messages', { body: 'dup', messageId: 'same-id' });
    const again = await post('queues/orders/messages', { body: 'dup', messageId: 'same-id' });
    expect(await again.json()).toEqual({ messageIds: [] });
    await eventually(async () => seen.get('OnOrders')?.find((s) => s.body === 'dup'));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.get('OnOrders')?.filter((s) => s.body === 'dup')).toHaveLength(1);
  });

  it('copies a topic message to every subscription', async () => {
    await bus.send('topic', 'events', [{ body: { type: 'granted' } }]);
    const mail = await eventually(async () => seen.get('OnEventsMail'));
    const audit = await eventually(async () => seen.get('OnEventsAudit'));
    expect(mail[0]?.body).toEqual({ type: 'granted' });
    expect(audit[0]?.body).toEqual({ type: 'granted' });
  });

  it('redelivers a failing message until the handler succeeds', async () => {
    await post('queues/flaky/messages', { body: 'try me' });
    const deliveries = await eventually(async () => {
      const list = seen.get('FlakyConsumer');
      return list && list.length >= 3 ? list : undefined;
    });
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.get('FlakyConsumer')).toHaveLength(3);
    const dead = await fetch(`${host.url}/.devhost/servicebus/queues/flaky/deadletter`);
    expect(await dead.json()).toEqual([]);
  });

  it('dead-letters a message after maxDeliveryCount failures and keeps it visible', async () => {
    await post('queues/poison/messages', { body: { bad: true }, messageId: 'poison-1' });
    const dead = await eventually(async () => {
      const res = await fetch(`${host.url}/.devhost/servicebus/queues/poison/deadletter`);
      const list = (await res.json()) as Array<Record<string, unknown>>;
      return list.length > 0 ? list : undefined;
    });
    expect(dead[0]).toMatchObject({
      messageId: 'poison-1',
      body: { bad: true },
      deliveryCount: 4,
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: 'cannot handle this message',
    });
    expect(seen.get('PoisonConsumer')).toHaveLength(4);
    const overview = (await (await fetch(`${host.url}/.devhost/servicebus`)).json()) as {
      entities: Array<{ entity: string; deadlettered: number }>;
    };
    expect(overview.entities.find((e) => e.entity === 'poison')?.deadlettered).toBe(1);
  });

  it('delivers a scheduled message no earlier than its time', async () => {
    const at = Date.now() + 700;
    await bus.send('queue', 'orders', [{ body: 'scheduled', scheduledEnqueueTimeUtc: new Date(at).toISOString() }]);
    const delivery = await eventually(async () => seen.get('OnOrders')?.find((s) => s.body === 'scheduled'));
    expect(delivery.at).toBeGreaterThanOrEqual(at);
  });

  it('refuses a malformed send with a clear 400', async () => {
    const res = await fetch(`${host.url}/.devhost/servicebus/queues/orders/messages`, {
      method: 'POST',
      body: 'not json',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/JSON/);
    const noBody = await post('queues/orders/messages', { nobody: 1 });
    expect(noBody.status).toBe(400);
  });
});
