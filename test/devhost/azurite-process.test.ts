import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TableClient } from '@azure/data-tables';
import { afterEach, describe, expect, it } from 'vitest';
import { type AzuriteHandle, portInUse, startAzurite } from '../../devhost/core/azurite';
import { eventually, uniquePrefix } from './helpers';

interface Started {
  connectionString: string;
  ports: { blob: number; queue: number; table: number };
  pid: number;
}

/** True once the process is gone (or a zombie nobody has reaped yet: it has exited all the same). */
function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Starts the fixture that owns an Azurite and waits for the line that says where it listens. */
async function startParent(location: string): Promise<{ parent: ChildProcess; started: Started }> {
  const parent = spawn(process.execPath, ['--import', 'tsx', 'test/devhost/fixtures/azurite-parent.ts', location], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  parent.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-2000);
  });
  const lines = createInterface({ input: parent.stdout as NodeJS.ReadableStream });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    parent.once('exit', (code) => reject(new Error(`parent exited (${code}) before Azurite started:\n${stderr}`)));
  });
  lines.close();
  return { parent, started: JSON.parse(line) as Started };
}

describe('Azurite started by devhost', () => {
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('exits when its parent is killed with SIGKILL, keeping what was written', async () => {
    const location = await mkdtemp(join(tmpdir(), 'pim-azurite-'));
    cleanups.push(() => rm(location, { recursive: true, force: true }));

    const { parent, started } = await startParent(location);
    cleanups.push(() => {
      // Only if the test failed before these went away on their own.
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
      if (!exited(started.pid)) process.kill(started.pid, 'SIGKILL');
    });

    const tableName = uniquePrefix('Crash');
    const before = TableClient.fromConnectionString(started.connectionString, tableName, {
      allowInsecureConnection: true,
    });
    await before.createTable();
    await before.createEntity({ partitionKey: 'p', rowKey: 'r', note: 'written before the crash' });

    const parentGone = new Promise<NodeJS.Signals | null>((resolve) => {
      parent.once('exit', (_code, signal) => resolve(signal));
    });
    process.kill(parent.pid as number, 'SIGKILL');
    expect(await parentGone).toBe('SIGKILL');

    // Azurite notices its stdin pipe closing, saves its data and exits: nothing is left on the ports.
    await eventually(async () => (exited(started.pid) ? true : undefined), 8_000);
    for (const port of Object.values(started.ports)) expect(await portInUse(port)).toBe(false);

    const again: AzuriteHandle = await startAzurite({ location });
    cleanups.push(() => again.stop());
    const after = TableClient.fromConnectionString(again.connectionString, tableName, {
      allowInsecureConnection: true,
    });
    const entity = await after.getEntity<{ note: string }>('p', 'r');
    expect(entity.note).toBe('written before the crash');
  });

  it('refuses a fixed port that is already taken, before starting anything', async () => {
    const azurite = await startAzurite({});
    cleanups.push(() => azurite.stop());
    await expect(startAzurite({ tablePort: azurite.ports.table })).rejects.toThrow(
      `Port ${azurite.ports.table} is already in use (Azurite table); set DEVHOST_TABLE_PORT or stop what holds it.`,
    );
  });

  it("fails with Azurite's own words when it cannot start", async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pim-azurite-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const notAFolder = join(folder, 'file');
    await writeFile(notAFolder, 'not a folder');
    await expect(startAzurite({ location: notAFolder })).rejects.toThrow(
      /^Azurite blob did not start on port \d+:\nExit due to unhandled error: EEXIST: file already exists, mkdir/,
    );
  });

  it('stop() ends Azurite and frees its ports', async () => {
    const azurite = await startAzurite({});
    await azurite.stop();
    expect(exited(azurite.pid)).toBe(true);
    for (const port of Object.values(azurite.ports)) expect(await portInUse(port)).toBe(false);
  });
});
