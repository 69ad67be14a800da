import { describe, expect, it } from 'vitest';
import { DevHost } from '../../devhost/core/host';
import { Logger } from '../../devhost/core/logger';
import { ServiceBusExtension } from '../../devhost/servicebus';
import { seen } from './fixtures/busApp';
import { eventually, testStorage, uniquePrefix } from './helpers';

describe('devhost Service Bus across a restart', () => {
  it('delivers after restart a message that was stored but not delivered', async () => {
    const tablePrefix = uniquePrefix('B');
    const options = { port: 0, storageConnectionString: testStorage(), tablePrefix, logger: new Logger('silent') };
    const first = new DevHost({ ...options, extensions: [new ServiceBusExtension()] });
    await first.start();
    const firstBus = first.extension<ServiceBusExtension>('servicebus');
    // Stop delivery first, then send: the message is stored but nobody consumes it.
    await firstBus?.stop();
    await firstBus?.send('queue', 'orders', [{ body: 'survives restart' }]);
    await first.stop();
    expect(seen.get('OnOrders')?.some((s) => s.body === 'survives restart') ?? false).toBe(false);

    const second = new DevHost({ ...options, extensions: [new ServiceBusExtension()] });
    await second.start();
    try {
      const delivery = await eventually(async () => seen.get('OnOrders')?.find((s) => s.body === 'survives restart'));
      expect(delivery.deliveryCount).toBe(1);
    } finally {
      await second.stop();
    }
  });
});
