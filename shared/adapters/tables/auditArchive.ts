import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditArchiver } from '../../ports/audit';
import { AUDIT_ARCHIVE_TABLE, AUDIT_TABLE, type AuditCheckpointEntity, type AuditHeadEntity, type AuditRecordEntity, type JsonValue } from './auditChain';
import { indexRows } from './auditIndex';
import { keys } from './keys';
import { deleteRowsIfPresent, statusCodeOf, type TableAccess } from './tableAccess';

/**
 * The retention policy's archive: moves the oldest records of the chain to the AuditArchive table
 * (same keys, same columns), so the live partition holds what is recent.
 *
 * Why it never breaks the chain: records move as they are (seq, prevHash, hash, record), oldest
 * first, and the checkpoint row names the last one moved and its hash. `verifyAuditChain` walks the
 * archive from the genesis hash to the checkpoint and then the live chain on from it, so every link
 * is still checked; an export covers both. Each step is safe to repeat: copy (upsert), move the
 * checkpoint (conditional), then delete the copies' live rows (and their markers and index rows).
 * A run cut short between the last two leaves live rows at or below the checkpoint, which readers
 * and the verifier skip and the next run deletes first.
 */

/** Records moved per step: each takes its record row, marker and index rows in one delete transaction. */
const STEP = 20;

async function pointRead<T extends object>(table: TableClient, key: { partitionKey: string; rowKey: string }): Promise<(T & { etag?: string }) | undefined> {
  try {
    return await table.getEntity<T>(key.partitionKey, key.rowKey);
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/** The live rows of these records: the record rows, their markers and their index rows. */
function liveRowsOf(rows: AuditRecordEntity[]): string[] {
  return rows.flatMap((r) => {
    const record = JSON.parse(r.json) as JsonValue;
    const id = record !== null && typeof record === 'object' && !Array.isArray(record) && typeof record.id === 'string' ? record.id : undefined;
    const index = typeof r.atMs === 'number' ? indexRows(r.json, record, r.seq, r.atMs).map((x) => x.rowKey) : [];
    return [r.rowKey, ...(id ? [keys.audit.marker(id).rowKey] : []), ...index];
  });
}

async function recordsBetween(table: TableClient, from: number, to: number): Promise<AuditRecordEntity[]> {
  const filter = odata`PartitionKey eq ${keys.audit.partition} and RowKey ge ${keys.audit.record(from).rowKey} and RowKey le ${keys.audit.record(to).rowKey}`;
  const out: AuditRecordEntity[] = [];
  for await (const e of table.listEntities<AuditRecordEntity>({ queryOptions: { filter } })) out.push(e);
  return out;
}

export function tableAuditArchiver(tables: TableAccess): AuditArchiver {
  /** The last seq whose row's atMs is before `cutoffMs` (atMs never decreases along the chain), or `after` when none is. */
  async function lastBefore(live: TableClient, after: number, last: number, cutoffMs: number): Promise<number> {
    let lo = after;
    let hi = last;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const row = await pointRead<AuditRecordEntity>(live, keys.audit.record(mid));
      if (typeof row?.atMs !== 'number') throw new Error(`Audit record seq ${mid} has no time column (run \`npm run audit:verify\`).`);
      if (row.atMs < cutoffMs) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async function moveCheckpoint(live: TableClient, current: (AuditCheckpointEntity & { etag?: string }) | undefined, last: AuditRecordEntity): Promise<AuditCheckpointEntity & { etag?: string }> {
    const next: AuditCheckpointEntity = { ...keys.audit.checkpoint, seq: last.seq, hash: last.hash, ...(typeof last.atMs === 'number' ? { atMs: last.atMs } : {}) };
    // Why conditional: two archivers at once must not move it back; the loser stops and the next run goes on.
    const answer = current?.etag ? await live.updateEntity(next, 'Replace', { etag: current.etag }) : await live.createEntity(next);
    return { ...next, ...(answer.etag ? { etag: answer.etag } : {}) };
  }

  return {
    async archiveBefore(cutoff) {
      const live = await tables.table(AUDIT_TABLE);
      const archive = await tables.table(AUDIT_ARCHIVE_TABLE);
      const head = await pointRead<AuditHeadEntity>(live, keys.audit.head);
      // A chain without time columns cannot say what is old; nothing is moved.
      if (!head || typeof head.atMs !== 'number') return 0;
      let checkpoint = await pointRead<AuditCheckpointEntity>(live, keys.audit.checkpoint);
      const done = checkpoint?.seq ?? 0;
      // Leftovers of a run cut short after moving the checkpoint: copied already, so only deleted.
      if (done > 0) {
        const leftovers = await recordsBetween(live, 1, done);
        if (leftovers.length > 0) await deleteRowsIfPresent(live, keys.audit.partition, liveRowsOf(leftovers));
      }
      const until = await lastBefore(live, done, head.seq, cutoff.getTime());
      let moved = 0;
      for (let from = done + 1; from <= until; from += STEP) {
        const rows = await recordsBetween(live, from, Math.min(until, from + STEP - 1));
        const last = rows.at(-1);
        if (!last) break;
        await archive.submitTransaction(rows.map((r): TransactionAction => ['upsert', { partitionKey: r.partitionKey, rowKey: r.rowKey, seq: r.seq, prevHash: r.prevHash, hash: r.hash, json: r.json, ...(typeof r.atMs === 'number' ? { atMs: r.atMs } : {}) }, 'Replace']));
        try {
          checkpoint = await moveCheckpoint(live, checkpoint, last);
        } catch (error) {
          if (statusCodeOf(error) === 409 || statusCodeOf(error) === 412) return moved;
          throw error;
        }
        await deleteRowsIfPresent(live, keys.audit.partition, liveRowsOf(rows));
        moved += rows.length;
      }
      return moved;
    },
  };
}
