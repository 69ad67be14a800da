import { odata, TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { HistoryEvent } from './history';
import type { InboxMessage, InstanceRecord } from './types';

/**
 * Durable state in one Azure Table: each instance is one partition holding its instance row,
 * one history row per episode, and its pending messages. Keeping them in one partition lets an
 * episode commit (history + status + consumed message) in a single entity-group transaction,
 * so a crash never leaves an episode half-applied.
 */
const INSTANCE_ROW = 'instance';
const CHUNK = 30_000; // characters per string property (Table Storage allows 32K UTF-16 chars)

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

export function encodeKey(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what Table keys forbid.
  return value.replace(/[%/\\#?\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function decodeKey(value: string): string {
  return value.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function chunked(json: string): Record<string, string | number> {
  const out: Record<string, string | number> = { chunks: Math.max(1, Math.ceil(json.length / CHUNK)) };
  for (let i = 0; i * CHUNK < json.length || i === 0; i++) out[`d${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
  return out;
}

function unchunk(row: Record<string, unknown>): string {
  const count = Number(row.chunks ?? 1);
  let json = '';
  for (let i = 0; i < count; i++) json += String(row[`d${i}`] ?? '');
  return json;
}

export function historyRowKey(executionId: string, episode: number): string {
  return `h-${executionId}-${String(episode).padStart(8, '0')}`;
}

export interface PartitionSnapshot {
  instance?: InstanceRecord;
  history: HistoryEvent[];
  /** Row keys of history rows of earlier executions (left over by continueAsNew). */
  staleHistoryRows: string[];
  inbox: InboxMessage[];
}

export class DurableStore {
  private readonly table: TableClient;
  private created?: Promise<void>;

  constructor(connectionString: string, tableName: string) {
    this.table = TableClient.fromConnectionString(connectionString, tableName, {
      allowInsecureConnection: true,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  async ensureTable(): Promise<void> {
    this.created ??= this.table.createTable().then(() => undefined);
    await this.created;
  }

  async load(instanceId: string): Promise<PartitionSnapshot> {
    const pk = encodeKey(instanceId);
    const rows: TableEntityResult<Row>[] = [];
    for await (const row of this.table.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${pk}` } })) {
      rows.push(row);
    }
    const instanceRow = rows.find((r) => r.rowKey === INSTANCE_ROW);
    const instance = instanceRow ? this.toInstance(instanceRow) : undefined;
    const execId = instance?.execution.executionId;
    const history: HistoryEvent[] = [];
    const staleHistoryRows: string[] = [];
    const inbox: InboxMessage[] = [];
    for (const row of rows) {
      if (row.rowKey.startsWith('h-')) {
        if (execId && row.rowKey.startsWith(`h-${execId}-`))
          history.push(...(JSON.parse(unchunk(row)) as HistoryEvent[]));
        else staleHistoryRows.push(row.rowKey);
      } else if (row.rowKey.startsWith('m-')) {
        inbox.push({ ...(JSON.parse(unchunk(row)) as InboxMessage), rowKey: row.rowKey });
      }
    }
    // Row keys sort history episodes; messages are taken in arrival order.
    inbox.sort((a, b) => a.enqueuedAt.localeCompare(b.enqueuedAt) || a.rowKey.localeCompare(b.rowKey));
    return { instance, history, staleHistoryRows, inbox };
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      const row = await this.table.getEntity<Row>(encodeKey(instanceId), INSTANCE_ROW);
      return this.toInstance(row);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async listInstances(filter?: string): Promise<InstanceRecord[]> {
    const base = odata`RowKey eq ${INSTANCE_ROW}`;
    const out: InstanceRecord[] = [];
    const query = filter ? `${base} and (${filter})` : base;
    for await (const row of this.table.listEntities<Row>({ queryOptions: { filter: query } })) {
      out.push(this.toInstance(row));
    }
    return out;
  }

  /** Creates an instance with its start message; false when the id is already taken. */
  async createInstance(record: InstanceRecord, start: InboxMessage): Promise<boolean> {
    const pk = encodeKey(record.instanceId);
    try {
      await this.table.submitTransaction([
        ['create', this.instanceEntity(record)],
        ['create', this.messageEntity(pk, start)],
      ]);
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  /** Adds a message; false when a message with the same row key exists (an idempotent re-send). */
  async addMessage(instanceId: string, message: InboxMessage): Promise<boolean> {
    try {
      await this.table.createEntity(this.messageEntity(encodeKey(instanceId), message));
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  async deleteMessage(instanceId: string, rowKey: string): Promise<void> {
    await this.deleteRow(encodeKey(instanceId), rowKey);
  }

  /**
   * Commits one episode atomically: the new instance state, the episode's history row, the
   * consumed message (deleted) and any messages the episode creates for itself.
   */
  async commitEpisode(args: {
    instance: InstanceRecord;
    newHistory?: { rowKey: string; events: HistoryEvent[] };
    consumed?: string[];
    selfMessages?: InboxMessage[];
  }): Promise<void> {
    const pk = encodeKey(args.instance.instanceId);
    const actions: TransactionAction[] = [['update', this.instanceEntity(args.instance), 'Replace']];
    if (args.newHistory) {
      actions.push([
        'create',
        { partitionKey: pk, rowKey: args.newHistory.rowKey, ...chunked(JSON.stringify(args.newHistory.events)) },
      ]);
    }
    for (const rowKey of args.consumed ?? []) actions.push(['delete', { partitionKey: pk, rowKey }]);
    for (const message of args.selfMessages ?? []) actions.push(['create', this.messageEntity(pk, message)]);
    await this.table.submitTransaction(actions);
  }

  async deleteRows(instanceId: string, rowKeys: string[]): Promise<void> {
    const pk = encodeKey(instanceId);
    for (const rowKey of rowKeys) await this.deleteRow(pk, rowKey);
  }

  /** Deletes every row of an instance; returns whether it existed. */
  async purge(instanceId: string): Promise<boolean> {
    const pk = encodeKey(instanceId);
    let found = false;
    const keys: string[] = [];
    for await (const row of this.table.listEntities<Row>({
      queryOptions: { filter: odata`PartitionKey eq ${pk}`, select: ['RowKey'] },
    })) {
      keys.push(row.rowKey);
      if (row.rowKey === INSTANCE_ROW) found = true;
    }
    for (const rowKey of keys) await this.deleteRow(pk, rowKey);
    return found;
  }

  private async deleteRow(pk: string, rowKey: string): Promise<void> {
    try {
      await this.table.deleteEntity(pk, rowKey);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  private instanceEntity(record: InstanceRecord): Row {
    const { etag: _etag, ...rest } = record;
    return {
      partitionKey: encodeKey(record.instanceId),
      rowKey: INSTANCE_ROW,
      name: record.name,
      runtimeStatus: record.runtimeStatus,
      createdTime: record.createdTime,
      lastUpdatedTime: record.lastUpdatedTime,
      ...chunked(JSON.stringify(rest)),
    };
  }

  private messageEntity(pk: string, message: InboxMessage): Row {
    return { partitionKey: pk, rowKey: message.rowKey, ...chunked(JSON.stringify(message)) };
  }

  private toInstance(row: TableEntityResult<Row>): InstanceRecord {
    const record = JSON.parse(unchunk(row)) as InstanceRecord;
    return { ...record, instanceId: decodeKey(row.partitionKey), etag: row.etag };
  }
}

export function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}
