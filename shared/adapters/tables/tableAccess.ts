import { TableClient, type TableServiceClientOptions, type TransactionAction } from '@azure/data-tables';
import type { TableConnection } from '../../connections';
import { credentialFor } from '../identity/credential';

/**
 * Table clients by name (with the app's prefix), each table created on first use. A creation
 * that failed is not remembered: the next call tries again, so a storage hiccup at start-up
 * does not break that table for the life of the process.
 */
export class TableAccess {
  private readonly clients = new Map<string, TableClient>();
  private readonly created = new Set<string>();
  /** Creations in flight, shared by concurrent callers of the same table. */
  private readonly creating = new Map<string, Promise<void>>();
  private readonly newClient: (table: string) => TableClient;

  /**
   * `connection`: the app's table connection, or a connection string. `options` go to every
   * client (e.g. retry settings; tests add a CA for a local HTTPS emulator).
   */
  constructor(
    connection: TableConnection | string,
    private readonly prefix: string,
    options: TableServiceClientOptions = {},
  ) {
    this.newClient = tableClientFactory(typeof connection === 'string' ? { kind: 'connectionString', connectionString: connection } : connection, options);
  }

  async table(name: string): Promise<TableClient> {
    const client = this.clientFor(name);
    if (this.created.has(name)) return client;
    let creation = this.creating.get(name);
    if (!creation) {
      creation = client
        .createTable()
        .then(() => void this.created.add(name))
        .finally(() => this.creating.delete(name));
      this.creating.set(name, creation);
    }
    await creation;
    return client;
  }

  private clientFor(name: string): TableClient {
    let client = this.clients.get(name);
    if (!client) {
      client = this.newClient(`${this.prefix}${name}`);
      this.clients.set(name, client);
    }
    return client;
  }
}

/** Makes table clients for a connection; an identity-based one shares one credential (and its token cache). */
export function tableClientFactory(connection: TableConnection, options: TableServiceClientOptions = {}): (table: string) => TableClient {
  if (connection.kind === 'identity') {
    const credential = credentialFor(connection.identity);
    return (table) => new TableClient(connection.tableServiceUri, table, credential, options);
  }
  // Azurite listens on http; a key or SAS signs each request, so no token travels in clear.
  return (table) => TableClient.fromConnectionString(connection.connectionString, table, { allowInsecureConnection: true, ...options });
}

export function statusCodeOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

/**
 * Deletes rows of one partition, up to 100 to a transaction; rows already gone are fine (a
 * transaction that fails on one is retried row by row).
 */
/** One row by its keys (with its ETag), or undefined when there is none. */
export async function pointRead<T extends object>(table: TableClient, key: { partitionKey: string; rowKey: string }, select?: string[]): Promise<(T & { etag?: string }) | undefined> {
  try {
    return await table.getEntity<T>(key.partitionKey, key.rowKey, select ? { queryOptions: { select } } : {});
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

export async function deleteRowsIfPresent(client: TableClient, partitionKey: string, rowKeys: string[]): Promise<void> {
  const unique = [...new Set(rowKeys)];
  for (let i = 0; i < unique.length; i += 100) {
    const batch = unique.slice(i, i + 100);
    try {
      await client.submitTransaction(batch.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]));
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
      for (const rowKey of batch) {
        await client.deleteEntity(partitionKey, rowKey).catch((e: unknown) => {
          if (statusCodeOf(e) !== 404) throw e;
        });
      }
    }
  }
}
