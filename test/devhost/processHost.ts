import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../devhost/core/ports';

export { freePort };

const root = resolve(__dirname, '../..');

const spawned = new Set<ChildProcess>();

/** Kills every devhost process a test started and has not stopped (for afterEach). */
export async function killAllDevHosts(): Promise<void> {
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  spawned.clear();
}

export interface ProcessHost {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `devhost/main.ts` as its own process (as `npm start` does), with the given settings. */
export async function spawnDevHost(env: Record<string, string>, readyTimeoutMs = 20_000): Promise<ProcessHost> {
  const port = env.DEVHOST_PORT ?? String(await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'devhost/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DEVHOST_DATA_DIR: env.DEVHOST_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'devhost-')),
      DEVHOST_LOG_LEVEL: 'info',
      ...env,
      DEVHOST_PORT: port,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (!out.includes('devhost listening on')) {
    if (child.exitCode !== null) throw new Error(`devhost exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`devhost did not start within ${readyTimeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, output: () => out, exited };
}
