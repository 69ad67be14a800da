import { afterEach, describe, expect, it } from 'vitest';
import { type AzuriteHandle, connectionString, freePort, startAzurite } from '../../devhost/core/azurite';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { testStorage, uniquePrefix } from '../devhost/helpers';

let azurite: AzuriteHandle | undefined;

afterEach(async () => {
  await azurite?.stop();
  azurite = undefined;
});

describe('TableAccess', () => {
  it('does not keep a failed table creation: storage down at first use, up later, and the next call works', async () => {
    const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
    // No retries inside the SDK, so the first call fails at once while nothing listens.
    const tables = new TableAccess(connectionString('127.0.0.1', ports), uniquePrefix('Flaky'), { retryOptions: { maxRetries: 0 } });
    await expect(tables.table('Things')).rejects.toThrow();
    await expect(tables.table('Things')).rejects.toThrow();

    azurite = await startAzurite({ blobPort: ports.blob, queuePort: ports.queue, tablePort: ports.table });
    const table = await tables.table('Things');
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'after the outage' });
    expect((await (await tables.table('Things')).getEntity<{ value: string }>('p', 'r')).value).toBe('after the outage');
  });

  it('creates a table once for concurrent first callers', async () => {
    const tables = new TableAccess(testStorage(), uniquePrefix('Once'));
    const clients = await Promise.all(Array.from({ length: 8 }, () => tables.table('Things')));
    expect(new Set(clients).size).toBe(1);
  });
});
