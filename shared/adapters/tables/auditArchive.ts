import { type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditArchiver } from '../../ports/audit';
import { AUDIT_ARCHIVE_TABLE, AUDIT_TABLE, type AuditCheckpointEntity, type AuditHeadEntity, type AuditRecordEntity } from './auditChain';
import { liveRecordsBetween, liveRowsOf, sealedRowsOf } from './auditSeal';
import { readStretches, recordAt, recordRange, type Stretches, tierOf } from './auditStretches';
import { keys } from './keys';
import { deleteRowsIfPresent, pointRead, statusCodeOf, type TableAccess } from './tableAccess';

/**
 * The retention policy's archive: moves the oldest records of the chain to the AuditArchive table
 * (same keys, same columns), from the live partition or the sealed store (auditSeal.ts), so they
 * leave the listings and stay verifiable and exportable.
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


async function rowsOf(s: Stretches, from: number, to: number): Promise<AuditRecordEntity[]> {
  const out: AuditRecordEntity[] = [];
  for await (const row of recordRange(s, from, to)) out.push(row);
  return out;
}

/** Deletes the rows of moved records from where they were: the live partition's, or the sealed store's. */
async function deleteMoved(tables: TableAccess, s: Stretches, rows: AuditRecordEntity[]): Promise<void> {
  const live = rows.filter((r) => tierOf(s, r.seq) === 'live');
  if (live.length > 0) await deleteRowsIfPresent(s.live, keys.audit.partition, liveRowsOf(live));
  const sealed = sealedRowsOf(rows.filter((r) => tierOf(s, r.seq) === 'sealed'));
  const groups = new Map<string, { table: string; partitionKey: string; rowKeys: string[] }>();
  for (const { table, entity } of sealed) {
    const key = `${table}\u0000${entity.partitionKey}`;
    const group = groups.get(key) ?? { table, partitionKey: entity.partitionKey, rowKeys: [] };
    group.rowKeys.push(entity.rowKey);
    groups.set(key, group);
  }
  for (const g of groups.values()) await deleteRowsIfPresent(await tables.table(g.table), g.partitionKey, g.rowKeys);
}

export function tableAuditArchiver(tables: TableAccess): AuditArchiver {
  /** The last seq whose row's atMs is before `cutoffMs` (atMs never decreases along the chain), or `after` when none is. */
  async function lastBefore(s: Stretches, after: number, last: number, cutoffMs: number): Promise<number> {
    let lo = after;
    let hi = last;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const row = await recordAt(s, mid, ['atMs']);
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
        const leftovers = await liveRecordsBetween(live, 1, done);
        if (leftovers.length > 0) await deleteRowsIfPresent(live, keys.audit.partition, liveRowsOf(leftovers));
        // A cut-short run leaves at most its last step in the sealed store, read as if not yet archived.
        const before = await readStretches(tables, live);
        const sealedLeft = { ...before, archivedThrough: Math.max(0, done - STEP) };
        const stale = (await rowsOf(sealedLeft, Math.max(1, done - STEP + 1), done)).filter((r) => tierOf(sealedLeft, r.seq) === 'sealed');
        if (stale.length > 0) await deleteMoved(tables, sealedLeft, stale);
      }
      const stretches = await readStretches(tables, live);
      const until = await lastBefore(stretches, done, head.seq, cutoff.getTime());
      let moved = 0;
      for (let from = done + 1; from <= until; from += STEP) {
        const rows = await rowsOf(stretches, from, Math.min(until, from + STEP - 1));
        const last = rows.at(-1);
        if (!last) break;
        await archive.submitTransaction(rows.map((r): TransactionAction => ['upsert', { ...keys.audit.record(r.seq), seq: r.seq, prevHash: r.prevHash, hash: r.hash, json: r.json, ...(typeof r.atMs === 'number' ? { atMs: r.atMs } : {}) }, 'Replace']));
        try {
          checkpoint = await moveCheckpoint(live, checkpoint, last);
        } catch (error) {
          if (statusCodeOf(error) === 409 || statusCodeOf(error) === 412) return moved;
          throw error;
        }
        await deleteMoved(tables, stretches, rows);
        moved += rows.length;
      }
      return moved;
    },
  };
}
