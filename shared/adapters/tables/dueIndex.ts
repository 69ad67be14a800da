import { odata } from '@azure/data-tables';
import { keys, minuteBucket } from './keys';
import { deleteRowsIfPresent, statusCodeOf, type TableAccess } from './tableAccess';

export const DUE_TABLE = 'Due';

/** What falls due: a schedule to settle, an approval to escalate or time out, an outbox to sweep, an access review's step. */
export type DueWhat = 'settle' | 'approval' | 'outbox' | 'accessReview';

export interface DueItem {
  what: DueWhat;
  /** The partition the work is in (a principal's, or a table's for the outbox). */
  partitionKey: string;
  /** The schedule, approval or table name. */
  id: string;
  /** When exactly it falls due (rows are listed from the start of their minute). */
  dueAt: string;
  /** Where the due row is, to delete it once handled. */
  row: { partitionKey: string; rowKey: string };
}

type DueEntity = { partitionKey: string; rowKey: string; what: DueWhat; inPartition: string; ref: string; dueAt: string };

/**
 * The due index: one row per piece of future work, keyed by the minute it falls due, so a
 * timer reads only what is due now (a range over past minutes), never every schedule. A row is
 * written before the change that needs it (create-only: the same work twice is one row) and
 * deleted once the work is done; work found already done (or gone) just drops its row.
 */
export class DueIndex {
  constructor(private readonly tables: TableAccess) {}

  async add(at: Date, what: DueWhat, partitionKey: string, id: string): Promise<void> {
    const table = await this.tables.table(DUE_TABLE);
    const entity: DueEntity = { ...keys.due(at, what, partitionKey, id), what, inPartition: partitionKey, ref: id, dueAt: at.toISOString() };
    try {
      await table.createEntity(entity);
    } catch (error) {
      if (statusCodeOf(error) !== 409) throw error;
    }
  }

  /** Every row due at or before `now` (oldest minute first), at most `limit`; rows later in this minute wait. */
  async list(now: Date, limit = 1000): Promise<DueItem[]> {
    const table = await this.tables.table(DUE_TABLE);
    const out: DueItem[] = [];
    const filter = odata`PartitionKey le ${minuteBucket(now)}`;
    for await (const e of table.listEntities<DueEntity>({ queryOptions: { filter } })) {
      if (e.dueAt > now.toISOString()) continue;
      out.push({ what: e.what, partitionKey: e.inPartition, id: e.ref, dueAt: e.dueAt, row: { partitionKey: e.partitionKey, rowKey: e.rowKey } });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Drops handled rows: one transaction per minute bucket (up to 100 rows each). */
  async done(items: DueItem[]): Promise<void> {
    if (items.length === 0) return;
    const table = await this.tables.table(DUE_TABLE);
    const byBucket = new Map<string, string[]>();
    for (const item of items) byBucket.set(item.row.partitionKey, [...(byBucket.get(item.row.partitionKey) ?? []), item.row.rowKey]);
    // A row already gone was handled by another pass: that is fine.
    for (const [bucket, rowKeys] of byBucket) await deleteRowsIfPresent(table, bucket, rowKeys);
  }
}
