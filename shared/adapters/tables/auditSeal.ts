import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditSealer } from '../../ports/audit';
import { AUDIT_TABLE, type AuditHeadEntity, type AuditRecordEntity, type JsonValue, type TableSource } from './auditChain';
import { indexedIds, indexRows } from './auditIndex';
import { readStretches, type SealCheckpointEntity } from './auditStretches';
import { keys } from './keys';
import { deleteRowsIfPresent, pointRead, statusCodeOf } from './tableAccess';

/**
 * Sealing: the chain's older records leave the live partition for the sealed store, so the live
 * partition (where every append writes) stays small however long the history grows, and the
 * history reads at size read small partitions and tables (see keys.audit.sealedRecord).
 *
 * Why it never breaks the chain: records move as they are (seq, prevHash, hash, record, atMs),
 * oldest first, and the seal checkpoint names the last one moved and its hash; the verifier
 * walks the sealed store up to it and the live chain on from it. Each step is safe to repeat:
 * copy (upsert), move the checkpoint (conditional), then delete the live rows (the record, its
 * marker and its index rows). A pass cut short between the last two leaves live rows at or below
 * the checkpoint, which readers and the verifier skip and the next pass deletes first.
 *
 * What stays live: the newest `keepLive` records, and every record younger than `minAgeMs`. Why:
 * a record's live marker is what makes appending it twice a no-op, and a relay retries within
 * minutes; older retries are checked against the sealed store's id map (auditLog.ts).
 */
export interface AuditSealOptions {
  /** Records that always stay live (default 1,000). */
  keepLive?: number;
  /** How old (by chain time, atMs) a record must be before it is sealed (default one hour). */
  minAgeMs?: number;
  /** Records moved per step (default 500). */
  step?: number;
}


export const DEFAULT_KEEP_LIVE = 1_000;
export const DEFAULT_SEAL_MIN_AGE_MS = 3_600_000;

/** One row of the sealed store and the table it goes in. */
export interface SealedRow {
  table: string;
  entity: { partitionKey: string; rowKey: string; [column: string]: unknown };
}

const recordOf = (json: string): JsonValue => JSON.parse(json) as JsonValue;

function idOf(record: JsonValue): string | undefined {
  return record !== null && typeof record === 'object' && !Array.isArray(record) && typeof record.id === 'string' ? record.id : undefined;
}

/**
 * The sealed store's rows for chained records: each record row as it is, a history index row per
 * person it names (with a copy of its JSON, as the live index has) and its id's row.
 */
export function sealedRowsOf(rows: Array<Pick<AuditRecordEntity, 'seq' | 'prevHash' | 'hash' | 'json' | 'atMs'>>): SealedRow[] {
  return rows.flatMap((r): SealedRow[] => {
    const record = recordOf(r.json);
    const id = idOf(record);
    const atMs = r.atMs ?? 0;
    return [
      { table: keys.audit.sealedTable(r.seq), entity: { ...keys.audit.sealedRecord(r.seq), seq: r.seq, prevHash: r.prevHash, hash: r.hash, json: r.json, ...(typeof r.atMs === 'number' ? { atMs: r.atMs } : {}) } },
      ...indexedIds(record).map(({ by, id: person }): SealedRow => ({ table: keys.audit.peopleTable(by, atMs), entity: { ...keys.audit.person(by, person, atMs, r.seq), seq: r.seq, json: r.json } })),
      ...(id ? [{ table: keys.audit.sealedIdTable, entity: { ...keys.audit.sealedId(id), seq: r.seq } }] : []),
    ];
  });
}

/** Writes rows grouped by table and partition, 100 to a transaction (upserts: a repeat writes the same). */
export async function writeSealedRows(tables: TableSource, rows: SealedRow[]): Promise<number> {
  const groups = new Map<string, SealedRow[]>();
  for (const row of rows) {
    const key = `${row.table}\u0000${row.entity.partitionKey}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  let requests = 0;
  for (const group of groups.values()) {
    const table = await tables.table((group[0] as SealedRow).table);
    for (let i = 0; i < group.length; i += 100) {
      await table.submitTransaction(group.slice(i, i + 100).map((r): TransactionAction => ['upsert', r.entity, 'Replace']));
      requests++;
    }
  }
  return requests;
}

/** The live rows of these records: the record rows, their markers and their live index rows. */
export function liveRowsOf(rows: Array<Pick<AuditRecordEntity, 'rowKey' | 'json' | 'seq' | 'atMs'>>): string[] {
  return rows.flatMap((r) => {
    const record = recordOf(r.json);
    const id = idOf(record);
    const index = typeof r.atMs === 'number' ? indexRows(r.json, record, r.seq, r.atMs).map((x) => x.rowKey) : [];
    return [r.rowKey, ...(id ? [keys.audit.marker(id).rowKey] : []), ...index];
  });
}

/** Live record rows with seq in [from, to]: one range read of the live partition. */
export async function liveRecordsBetween(live: TableClient, from: number, to: number): Promise<AuditRecordEntity[]> {
  const filter = odata`PartitionKey eq ${keys.audit.partition} and RowKey ge ${keys.audit.record(from).rowKey} and RowKey le ${keys.audit.record(to).rowKey}`;
  const out: AuditRecordEntity[] = [];
  for await (const e of live.listEntities<AuditRecordEntity>({ queryOptions: { filter } })) out.push(e);
  return out;
}

/**
 * The last live seq in (after, last] whose atMs is before `cutoffMs` (atMs never decreases along
 * the chain), or `after` when none is; undefined when a row on the way is gone: another pass
 * sealed it since this one read the checkpoint, or the chain is broken.
 */
export async function lastLiveBefore(live: TableClient, after: number, last: number, cutoffMs: number): Promise<number | undefined> {
  let lo = after;
  let hi = last;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const row = await pointRead<AuditRecordEntity>(live, keys.audit.record(mid));
    if (!row) return undefined;
    if (typeof row.atMs !== 'number') throw new Error(`Audit record seq ${mid} has no time column (run \`npm run audit:verify\`).`);
    if (row.atMs < cutoffMs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function tableAuditSealer(tables: TableSource, options: AuditSealOptions = {}): AuditSealer {
  const keepLive = options.keepLive ?? DEFAULT_KEEP_LIVE;
  const minAgeMs = options.minAgeMs ?? DEFAULT_SEAL_MIN_AGE_MS;
  const step = options.step ?? 500;

  async function moveCheckpoint(live: TableClient, current: (SealCheckpointEntity & { etag?: string }) | undefined, first: AuditRecordEntity, last: AuditRecordEntity) {
    const next: SealCheckpointEntity = {
      ...keys.audit.sealCheckpoint,
      seq: last.seq,
      hash: last.hash,
      ...(typeof last.atMs === 'number' ? { atMs: last.atMs } : {}),
      ...(typeof (current?.fromAtMs ?? first.atMs) === 'number' ? { fromAtMs: current?.fromAtMs ?? first.atMs } : {}),
    };
    // Why conditional: two passes at once must not move it back; the loser stops and the next pass goes on.
    const answer = current?.etag ? await live.updateEntity(next, 'Replace', { etag: current.etag }) : await live.createEntity(next);
    return { ...next, ...(answer.etag ? { etag: answer.etag } : {}) };
  }

  return {
    async seal(now) {
      const live = await tables.table(AUDIT_TABLE);
      const [head, stretches, found] = await Promise.all([
        pointRead<AuditHeadEntity>(live, keys.audit.head),
        readStretches(tables, live),
        pointRead<SealCheckpointEntity>(live, keys.audit.sealCheckpoint),
      ]);
      let checkpoint = found;
      // A chain without time columns has no history index keys: it stays live.
      if (!head || typeof head.atMs !== 'number') return 0;
      const done = stretches.sealedThrough;
      // Leftovers of a pass cut short after moving the checkpoint: copied already, so only deleted.
      if (checkpoint && checkpoint.seq > stretches.archivedThrough) {
        const leftovers = await liveRecordsBetween(live, stretches.archivedThrough + 1, checkpoint.seq);
        if (leftovers.length > 0) await deleteRowsIfPresent(live, keys.audit.partition, liveRowsOf(leftovers));
      }
      const limit = head.seq - keepLive;
      if (limit <= done) return 0;
      const until = await lastLiveBefore(live, done, limit, now.getTime() - minAgeMs);
      // Why not an error: two passes overlapping is normal (the other goes on); a broken chain is audit:verify's to name, as below.
      if (until === undefined) return 0;
      let moved = 0;
      for (let from = done + 1; from <= until; from += step) {
        const to = Math.min(until, from + step - 1);
        const rows = await liveRecordsBetween(live, from, to);
        const first = rows[0];
        const last = rows.at(-1);
        // A gap is a broken chain (or another pass deleting under us): stop, leave it to audit:verify.
        if (!first || !last || rows.length !== to - from + 1 || first.seq !== from) break;
        await writeSealedRows(tables, sealedRowsOf(rows));
        try {
          checkpoint = await moveCheckpoint(live, checkpoint, first, last);
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
