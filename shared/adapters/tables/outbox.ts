import { odata, type TransactionAction } from '@azure/data-tables';
import type { DomainEvent } from '../../domain/events';
import type { EventPublisher } from '../../ports/events';
import { escapeKey } from './keys';
import { statusCodeOf, type TableAccess } from './tableAccess';

const ROW_PREFIX = 'outbox|';
/** Tables whose partitions may hold outbox rows (next to the state they describe). */
export const OUTBOX_TABLES = ['Schedules', 'Policies'] as const;
export type OutboxTable = (typeof OUTBOX_TABLES)[number];

type OutboxEntity = {
  partitionKey: string;
  rowKey: string;
  kind: 'outbox';
  /** Wall-clock time of the write (not the domain clock): how long the event has waited. */
  storedAt: string;
  json: string;
};

/** A pending event as stored: where its row is and the event itself. */
interface Pending {
  table: OutboxTable;
  partitionKey: string;
  rowKey: string;
  event: DomainEvent;
}

export interface OutboxReport {
  published: number;
  failed: number;
}

/**
 * The transactional outbox. A repository adds `rows(...)` to the same entity-group transaction
 * as the state change, so an event exists exactly when its change does. After the commit,
 * `committed(...)` publishes the events and deletes their rows; if the process dies first, or
 * the bus is down, `sweep()` (a timer) publishes what is left. Publishing twice is harmless:
 * the message id is the event id, which the bus's duplicate detection drops.
 */
export class TableOutbox {
  constructor(
    private readonly tables: TableAccess,
    private readonly publisher: EventPublisher,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  rows(partitionKey: string, events: DomainEvent[]): TransactionAction[] {
    return events.map((event) => ['create', toEntity(partitionKey, event)]);
  }

  /** Publishes the events a committed transaction wrote. Never throws: the sweep retries. */
  async committed(table: OutboxTable, partitionKey: string, events: DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const pending = events.map((event) => ({ table, partitionKey, rowKey: rowKey(event), event }));
    try {
      await this.publishAndClear(pending);
    } catch (error) {
      this.warn(`Outbox: ${events.length} event(s) left for the sweep: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Publishes every outbox row older than `minAgeMs` (younger ones are still being relayed inline). */
  async sweep(minAgeMs = 10_000): Promise<OutboxReport> {
    const pending: Pending[] = [];
    const before = new Date(Date.now() - minAgeMs).toISOString();
    for (const table of OUTBOX_TABLES) {
      const client = await this.tables.table(table);
      const filter = odata`RowKey ge ${ROW_PREFIX} and RowKey lt ${`${ROW_PREFIX}~`} and storedAt le ${before}`;
      for await (const e of client.listEntities<OutboxEntity>({ queryOptions: { filter } })) {
        pending.push({ table, partitionKey: e.partitionKey, rowKey: e.rowKey, event: JSON.parse(e.json) as DomainEvent });
      }
    }
    pending.sort((a, b) => a.event.occurredAt.localeCompare(b.event.occurredAt));
    const report: OutboxReport = { published: 0, failed: 0 };
    // One at a time, so one event the bus refuses does not hold back the rest.
    for (const item of pending) {
      try {
        await this.publishAndClear([item]);
        report.published++;
      } catch (error) {
        report.failed++;
        this.warn(`Outbox: event ${item.event.id} not published: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return report;
  }

  /** Events still waiting (for tests and health). */
  async pendingCount(): Promise<number> {
    let count = 0;
    for (const table of OUTBOX_TABLES) {
      const client = await this.tables.table(table);
      const filter = odata`RowKey ge ${ROW_PREFIX} and RowKey lt ${`${ROW_PREFIX}~`}`;
      for await (const _ of client.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) count++;
    }
    return count;
  }

  private async publishAndClear(pending: Pending[]): Promise<void> {
    await this.publisher.publish(pending.map((p) => p.event));
    for (const p of pending) {
      const client = await this.tables.table(p.table);
      try {
        await client.deleteEntity(p.partitionKey, p.rowKey);
      } catch (error) {
        // Already cleared by the sweep or an earlier attempt.
        if (statusCodeOf(error) !== 404) throw error;
      }
    }
  }
}

function rowKey(event: DomainEvent): string {
  return `${ROW_PREFIX}${escapeKey(event.id)}`;
}

function toEntity(partitionKey: string, event: DomainEvent): OutboxEntity {
  return { partitionKey, rowKey: rowKey(event), kind: 'outbox', storedAt: new Date().toISOString(), json: JSON.stringify(event) };
}
