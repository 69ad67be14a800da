import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionString } from '../../devhost/core/azurite';
import { portInUse } from '../../devhost/core/ports';
import { eventually } from '../devhost/helpers';
import { freePort, killAllDevHosts, spawnDevHost } from '../devhost/processHost';

afterEach(killAllDevHosts);

/** The settings `npm start` would use, on free ports and a fresh data folder. */
async function ownStorageEnv(dataDir = mkdtempSync(join(tmpdir(), 'devhost-data-'))) {
  const port = String(await freePort());
  return {
    DEVHOST_DATA_DIR: dataDir,
    DEVHOST_PORT: port,
    // The sample's URLs name port 7071; on another port they must follow it (/healthz probes them).
    PIM_GRAPH_BASE_URL: `http://localhost:${port}/.devhost/graph`,
    PIM_SERVICEBUS_CONNECTION: `http://localhost:${port}/.devhost/servicebus`,
    DEVHOST_BLOB_PORT: String(await freePort()),
    DEVHOST_QUEUE_PORT: String(await freePort()),
    DEVHOST_TABLE_PORT: String(await freePort()),
    DEVHOST_STORAGE: '',
  };
}

function portsOf(env: Record<string, string>): number[] {
  return ['DEVHOST_PORT', 'DEVHOST_BLOB_PORT', 'DEVHOST_QUEUE_PORT', 'DEVHOST_TABLE_PORT'].map((k) => Number(env[k]));
}

async function allClosed(ports: number[]): Promise<true | undefined> {
  for (const port of ports) if (await portInUse(port)) return undefined;
  return true;
}

function tableOf(env: Record<string, string>): TableClient {
  const conn = connectionString('127.0.0.1', {
    blob: Number(env.DEVHOST_BLOB_PORT),
    queue: Number(env.DEVHOST_QUEUE_PORT),
    table: Number(env.DEVHOST_TABLE_PORT),
  });
  return TableClient.fromConnectionString(conn, 'StartTestData', { allowInsecureConnection: true });
}

describe('npm start (devhost with its own Azurite)', () => {
  it('serves /healthz naming its backends, keeps data across restarts and stops cleanly on SIGINT/SIGTERM', async () => {
    const env = await ownStorageEnv();
    const first = await spawnDevHost(env);
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as {
      status: string;
      storage: Record<string, unknown>;
      serviceBus: Record<string, unknown>;
      graph: Record<string, unknown>;
      durable: Record<string, unknown>;
    };
    expect(body.status).toBe('Healthy');
    expect(body.storage).toMatchObject({ backend: 'Azure Table Storage', emulator: true, reachable: true });
    expect(body.serviceBus).toMatchObject({ emulator: true, reachable: true });
    expect(body.graph).toMatchObject({ emulator: true, reachable: true });
    expect(String(body.durable.backend)).toMatch(/devhost Durable runtime/);

    const table = tableOf(env);
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'kept' });

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    await eventually(() => allClosed(portsOf(env)), 10_000);

    const second = await spawnDevHost(env);
    expect((await table.getEntity<{ value: string }>('p', 'r')).value).toBe('kept');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await eventually(() => allClosed(portsOf(env)), 10_000);
  }, 60_000);

  it('leaves no Azurite behind and loses no data when devhost is killed with SIGKILL', async () => {
    const env = await ownStorageEnv();
    const first = await spawnDevHost(env);
    const table = tableOf(env);
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'crash', value: 'written just before the crash' });
    first.child.kill('SIGKILL');
    await first.exited;
    await eventually(() => allClosed(portsOf(env)), 10_000);

    const second = await spawnDevHost(env);
    expect((await table.getEntity<{ value: string }>('p', 'crash')).value).toBe('written just before the crash');
    second.child.kill('SIGTERM');
    await second.exited;
  }, 60_000);

  it('refuses to start when a port is taken, with one line naming it', async () => {
    const blocker: Server = createServer();
    const env = await ownStorageEnv();
    await new Promise<void>((resolve) => blocker.listen(Number(env.DEVHOST_TABLE_PORT), '127.0.0.1', resolve));
    try {
      await expect(spawnDevHost(env)).rejects.toThrow(
        new RegExp(`Port ${env.DEVHOST_TABLE_PORT} is already in use \\(Azurite table\\)`),
      );
      const httpTaken = { ...(await ownStorageEnv()), DEVHOST_PORT: env.DEVHOST_TABLE_PORT };
      await expect(spawnDevHost(httpTaken)).rejects.toThrow(
        new RegExp(`Port ${env.DEVHOST_TABLE_PORT} is already in use \\(devhost HTTP\\)`),
      );
      expect(await allClosed([Number(httpTaken.DEVHOST_BLOB_PORT), Number(httpTaken.DEVHOST_TABLE_PORT)])).toBe(true);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
