import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { HostExtension } from '../../devhost/core/extension';
import { DevHost } from '../../devhost/core/host';
import { Logger, type LogLevel } from '../../devhost/core/logger';

/** The Azurite connection string the global setup started for this run. */
export function testStorage(): string {
  return inject('storageConnectionString');
}

/** A table-name prefix no other test uses, so every test starts from empty tables. */
export function uniquePrefix(label = 'T'): string {
  return `${label}${randomBytes(5).toString('hex')}`.replace(/[^A-Za-z0-9]/g, '');
}

export async function startTestHost(extensions: HostExtension[], logLevel: LogLevel = 'error'): Promise<DevHost> {
  const host = new DevHost({
    port: 0,
    storageConnectionString: testStorage(),
    tablePrefix: uniquePrefix(),
    extensions,
    logger: new Logger(logLevel),
  });
  await host.start();
  return host;
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Array<Record<string, unknown>>;
}

export async function getStatus(baseUrl: string, instanceId: string, query = ''): Promise<InstanceStatus | undefined> {
  const res = await fetch(
    `${baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}${query}`,
  );
  if (res.status === 404) return undefined;
  return (await res.json()) as InstanceStatus;
}

export async function waitForStatus(
  baseUrl: string,
  instanceId: string,
  statuses: string[] = ['Completed', 'Failed', 'Terminated'],
  timeoutMs = 15_000,
): Promise<InstanceStatus> {
  return eventually(async () => {
    const status = await getStatus(baseUrl, instanceId);
    return status && statuses.includes(status.runtimeStatus) ? status : undefined;
  }, timeoutMs);
}

/** Starts an orchestration through the sample HTTP starter (the unmodified durable client). */
export async function startOrchestration(baseUrl: string, name: string, input?: unknown, instanceId?: string) {
  const res = await fetch(`${baseUrl}/start/${name}${instanceId ? `/${encodeURIComponent(instanceId)}` : ''}`, {
    method: 'POST',
    body: input === undefined ? '' : JSON.stringify(input),
  });
  if (res.status !== 202) throw new Error(`start ${name} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as {
    id: string;
    statusQueryGetUri: string;
    sendEventPostUri: string;
    terminatePostUri: string;
  };
}

export async function raiseEvent(baseUrl: string, instanceId: string, name: string, data: unknown): Promise<number> {
  const res = await fetch(
    `${baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}/raiseEvent/${name}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) },
  );
  return res.status;
}
