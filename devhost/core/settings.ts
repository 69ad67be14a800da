import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogLevel } from './logger';

/** devhost's own settings, from the environment (DEVHOST_*), with defaults for `npm start`. */
export interface DevHostSettings {
  port: number;
  bindAddress: string;
  dataDir: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** When set, devhost uses this storage instead of starting its own Azurite. */
  externalStorage?: string;
  appPaths: string[];
  tablePrefix: string;
  logLevel: LogLevel;
  routePrefix: string;
  hubName: string;
}

const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export function readSettings(root: string, env: NodeJS.ProcessEnv = process.env): DevHostSettings {
  const problems: string[] = [];
  const port = (key: string, fallback: number) => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      problems.push(`${key} must be a port number (0-65535), got "${raw}"`);
    return n;
  };
  const logLevel = (env.DEVHOST_LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`DEVHOST_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const hostJson = readHostJson(root);
  const settings: DevHostSettings = {
    port: port('DEVHOST_PORT', 7071),
    bindAddress: env.DEVHOST_BIND ?? '127.0.0.1',
    dataDir: env.DEVHOST_DATA_DIR ?? join(root, '.devhost-data'),
    blobPort: port('DEVHOST_BLOB_PORT', 10000),
    queuePort: port('DEVHOST_QUEUE_PORT', 10001),
    tablePort: port('DEVHOST_TABLE_PORT', 10002),
    externalStorage: env.DEVHOST_STORAGE || undefined,
    appPaths: (env.DEVHOST_APP ?? 'functions')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    tablePrefix: env.DEVHOST_TABLE_PREFIX ?? 'DevHost',
    logLevel,
    routePrefix: hostJson.extensions?.http?.routePrefix ?? 'api',
    hubName: resolveHubName(hostJson.extensions?.durableTask?.hubName, env),
  };
  if (!/^[A-Za-z][A-Za-z0-9]{0,30}$/.test(settings.tablePrefix)) {
    problems.push('DEVHOST_TABLE_PREFIX must be letters and digits, starting with a letter');
  }
  if (problems.length > 0) throw new Error(`devhost settings are invalid:\n- ${problems.join('\n- ')}`);
  return settings;
}

interface HostJson {
  extensions?: { http?: { routePrefix?: string }; durableTask?: { hubName?: string } };
}

function readHostJson(root: string): HostJson {
  const path = join(root, 'host.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as HostJson) : {};
}

/** host.json may name the hub through an app setting ("%DURABLE_TASK_HUB%"), as the host allows. */
function resolveHubName(value: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = value ?? 'TestHubName';
  const name = raw.replace(/%([^%]+)%/g, (_, key: string) => env[key] ?? '');
  return name === '' ? 'TestHubName' : name;
}

/**
 * Loads app settings the way `func start` does (local.settings.json "Values"), without
 * overriding what the environment already sets. A fresh clone has no local.settings.json,
 * so devhost falls back to the sample, which holds safe development values.
 */
export function loadLocalSettings(root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ['local.settings.json', 'local.settings.sample.json']) {
    const path = join(root, name);
    if (!existsSync(path)) continue;
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, string> };
    for (const [key, value] of Object.entries(parsed.Values ?? {})) {
      if (env[key] === undefined) env[key] = String(value);
    }
    return name;
  }
  return undefined;
}
