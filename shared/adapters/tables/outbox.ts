import { odata, type TableTransactionResponse, type TransactionAction } from '@azure/data-tables';
import type { DomainEvent } from '../../domain/events';
import type { AuditLog, AuditRecord } from '../../ports/audit';
import type { Changes } from '../../ports/changes';
import type { EventPublisher } from '../../ports/events';
import { DueIndex } from './dueIndex';
import { escapeKey, minuteBucket } from './keys';
import { deleteRowsIfPresent, statusCodeOf, type TableAccess } from './tableAccess';

const EVENT_PREFIX = 'outbox|';
const AUDIT_PREFIX = 'outaudit|';
/** Tables whose partitions may hold outbox rows (next to the state they describe). */
export const OUTBOX_TABLES = ['Schedules', 'Policies', 'Alerts', 'AccessReviews'] as const;
export type OutboxTable = (typeof OUTBOX_TABLES)[number];

type OutboxEntity = {
  partitionKey: string;
  rowKey: string;
  kind: 'outbox' | 'outaudit';
  /** Wall-clock time of the write (not the domain clock): how long the row has waited. */
  storedAt: string;
  json: string;
};

export interface OutboxReport {
  published: number;
  failed: number;
}

/** How long after a commit the sweep looks at its partition: the inline relay has had its chance. */
const SWEEP_AFTER_MS = 60_000;
/** How long relayed rows may wait for the partition's next commit to delete them before they are deleted on their own. */
const DELETE_AFTER_MS = 2_000;

/**
 * The transactional outbox, for events and audit records alike. A repository commits through
 * `submit(...)`, which adds their rows to the same entity-group transaction as the state change,
 * so an event or an audit record exists exactly when its change does. After the commit it
 * appends the audit records to the hash chain, publishes the events and deletes their rows (with
 * the partition's next commit, or a moment later); if
 * the process dies first, or the bus is down, `sweep()` (a timer) relays what is left. Relaying
 * twice is harmless: the chain skips a record it holds (by id), and the bus drops a message id
 * it has seen. The sweep finds work through the due index (`prepare` files the partition
 * before the commit), so it reads the partitions that were written lately, not every row.
 */
export class TableOutbox {
  private readonly due: DueIndex;
  /** Partitions already filed for the sweep, by the minute they are filed for. */
  private readonly filed = new Map<string, string>();
  /**
   * Rows relayed but not yet deleted, by table and partition. Why: the partition's next commit
   * deletes them in its own transaction, which saves a request per change; a timer deletes
   * what no commit took along.
   */
  private readonly relayed = new Map<string, { table: OutboxTable; partitionKey: string; rowKeys: string[] }>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tables: TableAccess,
    private readonly publisher: EventPublisher,
    private readonly audit: AuditLog,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {
    this.due = new DueIndex(tables);
  }

  /** Before a commit with changes: makes sure the sweep will look at this partition (one due row a minute). */
  private async prepare(table: OutboxTable, partitionKey: string, changes: Changes): Promise<void> {
    if (isEmpty(changes)) return;
    const at = new Date(Date.now() + SWEEP_AFTER_MS);
    const key = `${table}|${partitionKey}`;
    if (this.filed.get(key) === minuteBucket(at)) return;
    await this.due.add(at, 'outbox', partitionKey, table);
    if (this.filed.size > 10_000) this.filed.clear();
    this.filed.set(key, minuteBucket(at));
  }

  /**
   * Commits the state change's actions with the changes' outbox rows (and rows relayed before
   * in this partition, to delete) as one transaction, then relays the changes.
   */
  async submit(table: OutboxTable, partitionKey: string, actions: TransactionAction[], changes: Changes): Promise<TableTransactionResponse> {
    await this.prepare(table, partitionKey, changes);
    const key = `${table}|${partitionKey}`;
    const taken = this.relayed.get(key);
    this.relayed.delete(key);
    const rows = this.rows(partitionKey, changes);
    // A transaction holds at most 100 operations: what does not fit is deleted a moment later.
    const deletes = (taken?.rowKeys ?? []).slice(0, Math.max(0, 99 - actions.length - rows.length));
    const client = await this.tables.table(table);
    let response: TableTransactionResponse;
    try {
      response = await client.submitTransaction([...actions, ...rows, ...deletes.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }])]);
    } catch (error) {
      if (taken) {
        // A relayed row gone already (the sweep took it) fails the whole write: clear them apart, then write again without them.
        if (deletes.length > 0 && statusCodeOf(error) === 404) {
          await this.deleteRows(table, partitionKey, taken.rowKeys);
          return this.submit(table, partitionKey, actions, changes);
        }
        this.relayed.set(key, taken);
      }
      throw error;
    }
    if (taken && deletes.length < taken.rowKeys.length) this.later(table, partitionKey, taken.rowKeys.slice(deletes.length));
    await this.committed(table, partitionKey, changes);
    return response;
  }

  private rows(partitionKey: string, changes: Changes): TransactionAction[] {
    const now = new Date().toISOString();
    const events = (changes.events ?? []).map((event): TransactionAction => ['create', entity(partitionKey, 'outbox', event.id, now, event)]);
    const audit = (changes.audit ?? []).map((record): TransactionAction => ['create', entity(partitionKey, 'outaudit', record.id, now, record)]);
    return [...audit, ...events];
  }

  /** Relays what a committed transaction wrote. Never throws: the sweep retries. */
  private async committed(table: OutboxTable, partitionKey: string, changes: Changes): Promise<void> {
    if (isEmpty(changes)) return;
    try {
      await this.relay(table, partitionKey, changes.audit ?? [], changes.events ?? [], 'later');
    } catch (error) {
      this.warn(`Outbox: ${describe(changes)} in ${table}/${partitionKey} left for the sweep: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Relays every outbox row in the partitions filed as due, older than `minAgeMs` (younger ones are still being relayed inline). */
  async sweep(minAgeMs = 10_000): Promise<OutboxReport> {
    const report: OutboxReport = { published: 0, failed: 0 };
    // Markers are filed a minute after their writes: those due by then cover writes at least minAgeMs old.
    const items = (await this.due.list(new Date(Date.now() + SWEEP_AFTER_MS - minAgeMs))).filter((i) => i.what === 'outbox');
    const handled = [];
    for (const item of items) {
      const table = item.id as OutboxTable;
      try {
        await this.sweepPartition(table, item.partitionKey, minAgeMs, report);
        // Why: a marker covers the writes of the minute before its own; it is dropped only once
        // that minute is older than minAgeMs, so no writer can still be counting on it.
        const bucketStart = Date.parse(item.dueAt) - (Date.parse(item.dueAt) % 60_000);
        if (bucketStart <= Date.now() - minAgeMs) handled.push(item);
      } catch (error) {
        report.failed++;
        this.warn(`Outbox: ${table}/${item.partitionKey} not relayed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await this.due.done(handled);
    return report;
  }

  /** Relays the partition's rows older than `minAgeMs` (younger ones are the inline relay's, and have markers of their own). */
  private async sweepPartition(table: OutboxTable, partitionKey: string, minAgeMs: number, report: OutboxReport): Promise<void> {
    const client = await this.tables.table(table);
    const before = new Date(Date.now() - minAgeMs).toISOString();
    const events: DomainEvent[] = [];
    const audit: AuditRecord[] = [];
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${AUDIT_PREFIX} and RowKey lt ${`${EVENT_PREFIX}~`}`;
    for await (const e of client.listEntities<OutboxEntity>({ queryOptions: { filter } })) {
      if (e.kind !== 'outbox' && e.kind !== 'outaudit') continue;
      if (e.storedAt > before || this.isRelayed(table, partitionKey, e.rowKey)) continue;
      if (e.kind === 'outbox') events.push(JSON.parse(e.json) as DomainEvent);
      else audit.push(JSON.parse(e.json) as AuditRecord);
    }
    if (events.length + audit.length === 0) return;
    events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    audit.sort((a, b) => a.activityDateTime.localeCompare(b.activityDateTime));
    await this.relay(table, partitionKey, audit, events);
    report.published += events.length;
  }

  /** Events still waiting (for tests and health): a scan, not for hot paths. */
  async pendingCount(): Promise<number> {
    await this.flush();
    let count = 0;
    for (const table of OUTBOX_TABLES) {
      const client = await this.tables.table(table);
      const filter = odata`RowKey ge ${EVENT_PREFIX} and RowKey lt ${`${EVENT_PREFIX}~`}`;
      for await (const _ of client.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) count++;
    }
    return count;
  }

  /** Deletes every relayed row still waiting for a commit to take it along. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const waiting = [...this.relayed.values()];
    this.relayed.clear();
    for (const w of waiting) await this.deleteRows(w.table, w.partitionKey, w.rowKeys);
  }

  private isRelayed(table: OutboxTable, partitionKey: string, rk: string): boolean {
    return this.relayed.get(`${table}|${partitionKey}`)?.rowKeys.includes(rk) ?? false;
  }

  private later(table: OutboxTable, partitionKey: string, rowKeys: string[]): void {
    const key = `${table}|${partitionKey}`;
    const entry = this.relayed.get(key) ?? { table, partitionKey, rowKeys: [] };
    entry.rowKeys.push(...rowKeys);
    this.relayed.set(key, entry);
    this.flushTimer ??= setTimeout(() => {
      this.flush().catch((error: unknown) => this.warn(`Outbox: relayed rows not deleted (the sweep will): ${error instanceof Error ? error.message : String(error)}`));
    }, DELETE_AFTER_MS);
    this.flushTimer.unref?.();
  }

  /** Audit first (what happened is on record before anyone is told), then events, then the rows go (now, or with the partition's next commit). */
  private async relay(table: OutboxTable, partitionKey: string, audit: AuditRecord[], events: DomainEvent[], remove: 'now' | 'later' = 'now'): Promise<void> {
    await this.audit.appendAll(audit);
    await this.publisher.publish(events);
    const rows = [...audit.map((r) => rowKey('outaudit', r.id)), ...events.map((e) => rowKey('outbox', e.id))];
    if (remove === 'later') {
      this.later(table, partitionKey, rows);
      return;
    }
    await this.deleteRows(table, partitionKey, rows);
  }

  private async deleteRows(table: OutboxTable, partitionKey: string, rows: string[]): Promise<void> {
    // One already cleared (by the sweep or an earlier attempt) is fine.
    await deleteRowsIfPresent(await this.tables.table(table), partitionKey, rows);
  }
}

function isEmpty(changes: Changes): boolean {
  return (changes.events?.length ?? 0) + (changes.audit?.length ?? 0) === 0;
}

function describe(changes: Changes): string {
  return `${changes.events?.length ?? 0} event(s) and ${changes.audit?.length ?? 0} audit record(s)`;
}

function rowKey(kind: 'outbox' | 'outaudit', id: string): string {
  return `${kind === 'outbox' ? EVENT_PREFIX : AUDIT_PREFIX}${escapeKey(id)}`;
}

function entity(partitionKey: string, kind: 'outbox' | 'outaudit', id: string, storedAt: string, value: unknown): OutboxEntity {
  return { partitionKey, rowKey: rowKey(kind, id), kind, storedAt, json: JSON.stringify(value) };
}
