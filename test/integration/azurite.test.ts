import { RestError, TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStorage, uniquePrefix } from '../devhost/helpers';

/**
 * The storage the whole run shares (started once by test/setup/global-azurite.ts) behaves like
 * Table Storage where the app relies on it: entities round-trip, and a write carrying an ETag
 * that is no longer current is refused, which is what every conditional update depends on.
 */
describe('Azurite from the global setup', () => {
  let table: TableClient;

  beforeAll(async () => {
    table = TableClient.fromConnectionString(testStorage(), uniquePrefix('Azurite'), {
      allowInsecureConnection: true,
    });
    await table.createTable();
  });

  afterAll(async () => {
    await table?.deleteTable();
  });

  it('stores an entity and reads it back', async () => {
    await table.createEntity({ partitionKey: 'p', rowKey: 'read', name: 'Ada', count: 3 });
    const read = await table.getEntity<{ name: string; count: number }>('p', 'read');
    expect(read.name).toBe('Ada');
    expect(read.count).toBe(3);
    expect(read.etag).toMatch(/^W\/"datetime'/);
  });

  it('refuses an update with a stale ETag (412)', async () => {
    await table.createEntity({ partitionKey: 'p', rowKey: 'etag', state: 'Created' });
    const first = await table.getEntity('p', 'etag');
    await table.updateEntity({ partitionKey: 'p', rowKey: 'etag', state: 'Approved' }, 'Replace', {
      etag: first.etag,
    });

    const stale = table.updateEntity({ partitionKey: 'p', rowKey: 'etag', state: 'Denied' }, 'Replace', {
      etag: first.etag,
    });
    const error = await stale.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(412);
    expect((await table.getEntity<{ state: string }>('p', 'etag')).state).toBe('Approved');
  });
});
