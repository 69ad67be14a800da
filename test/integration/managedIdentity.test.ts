import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphTokenProvider, STAND_IN_TOKEN } from '../../shared/adapters/graph/graphToken';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { tableStorageHealth } from '../../shared/adapters/tables/tableStorageHealth';
import { loadConfig } from '../../shared/config';
import { uniquePrefix } from '../devhost/helpers';
import { identityOnlySettings, UAMI } from '../fixtures/settings';
import { type HttpsTables, type ManagedIdentityEndpoint, startHttpsAzuriteTables, startManagedIdentityEndpoint, TEST_CA } from './identityStandIns';


let identity: ManagedIdentityEndpoint;
let tables: HttpsTables;

beforeAll(async () => {
  identity = await startManagedIdentityEndpoint();
  tables = await startHttpsAzuriteTables();
});

afterAll(async () => {
  await tables?.stop();
  await identity?.close();
});

/** The settings a deployment with shared keys off sets, read by the app's own config. */
function productionSettings(tableServiceUri: string) {
  return loadConfig(identityOnlySettings(tableServiceUri));
}

function createTableWithoutToken(serviceUri: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${serviceUri}/Tables`, { method: 'POST', ca: TEST_CA, headers: { 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ TableName: uniquePrefix('NoToken') }));
  });
}

describe('Table Storage through a service URL and the managed identity (no connection string)', () => {
  it('writes and reads the app\'s tables with the user-assigned identity\'s token', async () => {
    const settings = productionSettings(tables.tableServiceUri);
    const access = new TableAccess(settings.tables, uniquePrefix('Mi'), { tlsOptions: { ca: TEST_CA } });
    const table = await access.table('Things');
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'written with a token' });
    expect((await table.getEntity<{ value: string }>('p', 'r')).value).toBe('written with a token');
    // The token came from the identity the settings name, for Azure Storage.
    expect(identity.requests).toContainEqual({ resource: 'https://storage.azure.com', clientId: UAMI });
    expect(identity.requests.every((r) => r.clientId === UAMI)).toBe(true);
    // The same call without a token is refused: the identity is what let the app in.
    expect(await createTableWithoutToken(tables.tableServiceUri)).toBe(403);
  });

  it('health probes the same endpoint the same way, and names it without secrets', async () => {
    const settings = productionSettings(tables.tableServiceUri);
    const health = tableStorageHealth(settings.tables, { tlsOptions: { ca: TEST_CA } });
    expect(health.endpoint).toBe(tables.tableServiceUri);
    expect(await health.probe()).toBeGreaterThanOrEqual(0);
  });
});

describe('Graph tokens', () => {
  it('gets the managed identity\'s token for each national cloud\'s Graph, as the user-assigned identity', async () => {
    for (const graph of ['https://graph.microsoft.com', 'https://graph.microsoft.us', 'https://dod-graph.microsoft.us/v1.0', 'https://microsoftgraph.chinacloudapi.cn']) {
      const token = await graphTokenProvider(graph, { clientId: UAMI })();
      const origin = new URL(graph).origin;
      expect(token).not.toBe(STAND_IN_TOKEN);
      expect(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())).toMatchObject({ aud: origin });
      expect(identity.requests).toContainEqual({ resource: origin, clientId: UAMI });
    }
  });

  it('asks no identity for devhost\'s stand-in on a loopback http URL', async () => {
    const before = identity.requests.length;
    for (const local of ['http://localhost:7071/.devhost/graph', 'http://127.0.0.1:7071/.devhost/graph', 'http://[::1]:7071/.devhost/graph']) {
      expect(await graphTokenProvider(local, { clientId: UAMI })()).toBe(STAND_IN_TOKEN);
    }
    expect(identity.requests.length).toBe(before);
  });
});
