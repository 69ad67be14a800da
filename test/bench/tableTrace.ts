/**
 * Loaded into devhost by the bench (`--import`) when BENCH_TABLE_TRACE_FILE is set: every call
 * the app makes on a table client is appended to that file with the time, the method, what it
 * names (keys, filter, a transaction's actions) and the app code that made it, so the bench can
 * list one activate+remove cycle's table requests in order with their callers.
 */
import { appendFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { TableClient, type TransactionAction } from '@azure/data-tables';

const file = process.env.BENCH_TABLE_TRACE_FILE;
const root = resolve(__dirname, '../..');

/** The app's own frames (not the SDK's, not this file's), innermost first: who made the call. */
function callers(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const own = frames
    .map((f) => /\((\/[^)]+)\)|at (?:async )?(\/\S+)/.exec(f))
    .map((m, i) => ({ path: m?.[1] ?? m?.[2], name: /at (?:async )?([^\s(]+) \(/.exec(frames[i] ?? '')?.[1] }))
    .filter((f): f is { path: string; name: string | undefined } => f.path !== undefined && !f.path.includes('node_modules') && !f.path.includes('tableTrace'));
  return own
    .slice(0, 4)
    .map((f) => `${f.name ?? '?'}@${relative(root, f.path).replace(/:\d+$/, '')}`)
    .join(' < ');
}

function describeAction(action: TransactionAction): string {
  const [kind, entity] = action;
  return `${kind} ${entity.rowKey ?? ''}`;
}

type Method = 'getEntity' | 'createEntity' | 'updateEntity' | 'upsertEntity' | 'deleteEntity' | 'listEntities' | 'submitTransaction' | 'createTable';

function trace(method: Method, detail: (...args: never[]) => string): void {
  const proto = TableClient.prototype as unknown as Record<Method, (...args: unknown[]) => unknown>;
  const original = proto[method];
  proto[method] = function (this: TableClient, ...args: unknown[]) {
    // A transaction's own operations go through an internal client: the transaction is the one request.
    if (file && this.tableName.startsWith('Pim') && !(new Error().stack ?? '').includes('TableTransaction')) {
      const line = `${Date.now()}\t${this.tableName}\t${method}\t${(detail as (...a: unknown[]) => string)(...args)}\t${callers()}\n`;
      appendFileSync(file, line);
    }
    return original.apply(this, args);
  };
}

if (file) {
  const keyOf = (e: { partitionKey?: string; rowKey?: string }) => `${e.partitionKey ?? ''} / ${e.rowKey ?? ''}`;
  trace('getEntity', (pk: string, rk: string) => `${pk} / ${rk}`);
  trace('createEntity', (e: { partitionKey?: string; rowKey?: string }) => keyOf(e));
  trace('updateEntity', (e: { partitionKey?: string; rowKey?: string }) => keyOf(e));
  trace('upsertEntity', (e: { partitionKey?: string; rowKey?: string }) => keyOf(e));
  trace('deleteEntity', (pk: string, rk: string) => `${pk} / ${rk}`);
  trace('listEntities', (o?: { queryOptions?: { filter?: string } }) => o?.queryOptions?.filter ?? '(all)');
  trace('submitTransaction', (actions: TransactionAction[]) => `${actions[0]?.[1].partitionKey ?? ''}: ${actions.map(describeAction).join(', ')}`);
  trace('createTable', () => '');
}
