import { TableServiceClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TableConnection } from '../../connections';
import type { StorageHealth } from '../../ports/storageHealth';
import { credentialFor } from '../identity/credential';

const DEV_STORAGE_TABLE_ENDPOINT = 'http://127.0.0.1:10002/devstoreaccount1';

/** StorageHealth for Azure Table Storage (or Azurite), over the app's own connection. */
export function tableStorageHealth(connection: TableConnection, options: TableServiceClientOptions = {}): StorageHealth {
  const endpoint = connection.kind === 'identity' ? connection.tableServiceUri : tableEndpointOf(connection.connectionString);
  const client =
    connection.kind === 'identity'
      ? new TableServiceClient(connection.tableServiceUri, credentialFor(connection.identity), options)
      : TableServiceClient.fromConnectionString(connection.connectionString, { allowInsecureConnection: true, ...options });
  return {
    backend: 'Azure Table Storage',
    endpoint,
    emulator: /devstoreaccount1|127\.0\.0\.1|localhost/i.test(endpoint),
    async probe(signal) {
      const started = performance.now();
      // Listing at most one table is the cheapest call that proves the account answers (and,
      // with an identity, that its token is taken).
      await client.listTables({ abortSignal: signal }).byPage({ maxPageSize: 1 }).next();
      return Math.round(performance.now() - started);
    },
  };
}

function tableEndpointOf(connectionString: string): string {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return DEV_STORAGE_TABLE_ENDPOINT;
  const parts = new Map(
    connectionString
      .split(';')
      .filter(Boolean)
      .map((p) => {
        const at = p.indexOf('=');
        return [p.slice(0, at).toLowerCase(), p.slice(at + 1)] as const;
      }),
  );
  const explicit = parts.get('tableendpoint');
  if (explicit) return explicit.replace(/\/$/, '');
  const account = parts.get('accountname') ?? 'unknown';
  const suffix = parts.get('endpointsuffix') ?? 'core.windows.net';
  return `https://${account}.table.${suffix}`;
}
