import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, portInUse, waitForPort } from './ports';

// Re-exported so callers that start Azurite can check or pick ports from the same module.
export { freePort, portInUse };

/** The well-known development account of the storage emulator (public, not a secret). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Data folder; omit to keep everything in memory. */
  location?: string;
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  host?: string;
  logger?: { info(message: string): void; debug(message: string): void };
}

export interface AzuriteHandle {
  connectionString: string;
  ports: { blob: number; queue: number; table: number };
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts Azurite from node_modules in a child process that devhost owns: on stop() it gets
 * SIGTERM and saves its data; if devhost dies without stopping it, the child notices its
 * stdin closing and shuts down by itself.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const host = options.host ?? '127.0.0.1';
  const taken = new Set<number>();
  const ports = {
    blob: await choosePort(options.blobPort, 'blob', 'DEVHOST_BLOB_PORT', host, taken),
    queue: await choosePort(options.queuePort, 'queue', 'DEVHOST_QUEUE_PORT', host, taken),
    table: await choosePort(options.tablePort, 'table', 'DEVHOST_TABLE_PORT', host, taken),
  };
  const args = [
    join(__dirname, 'azurite-child.js'),
    ...['--blobHost', host, '--blobPort', String(ports.blob)],
    ...['--queueHost', host, '--queuePort', String(ports.queue)],
    ...['--tableHost', host, '--tablePort', String(ports.table)],
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
  ];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => {
    output = (output + String(d)).slice(-4000);
  });
  child.stderr?.on('data', (d) => {
    output = (output + String(d)).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const dead = () => child.exitCode !== null || child.signalCode !== null;
  // One deadline for all three services: 15 s in all, not 15 s each.
  const deadline = Date.now() + 15_000;
  for (const [service, port] of Object.entries(ports)) {
    if (!(await waitForPort(port, host, Math.max(0, deadline - Date.now()), dead))) {
      child.kill('SIGKILL');
      throw new Error(`Azurite ${service} did not start on port ${port}:\n${output.trim()}`);
    }
  }
  const where = options.location ? `with data in ${options.location}` : 'in memory';
  options.logger?.info(`Azurite (blob ${ports.blob}, queue ${ports.queue}, table ${ports.table}) ${where}`);
  return {
    connectionString: connectionString(host, ports),
    ports,
    pid: child.pid ?? -1,
    stop: () => stopChild(child, exited),
  };
}

export function connectionString(host: string, ports: { blob: number; queue: number; table: number }): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${ACCOUNT}`,
    `AccountKey=${ACCOUNT_KEY}`,
    `BlobEndpoint=http://${host}:${ports.blob}/${ACCOUNT}`,
    `QueueEndpoint=http://${host}:${ports.queue}/${ACCOUNT}`,
    `TableEndpoint=http://${host}:${ports.table}/${ACCOUNT}`,
  ].join(';');
}

/** Checked before spawning, so a held port fails in one line instead of in Azurite's stack trace. */
async function choosePort(
  requested: number | undefined,
  service: string,
  setting: string,
  host: string,
  taken: Set<number>,
): Promise<number> {
  if (!requested) {
    // The kernel may hand back a port it gave a moment ago, since nothing listens on it yet.
    let port = await freePort(host);
    while (taken.has(port)) port = await freePort(host);
    taken.add(port);
    return port;
  }
  if (taken.has(requested) || (await portInUse(requested, host))) {
    throw new Error(`Port ${requested} is already in use (Azurite ${service}); set ${setting} or stop what holds it.`);
  }
  taken.add(requested);
  return requested;
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}
