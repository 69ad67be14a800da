import { odata, type TableClient } from '@azure/data-tables';
import { AUDIT_ARCHIVE_TABLE, AUDIT_TABLE, type AuditCheckpointEntity, type AuditRecordEntity, type TableSource } from './auditChain';
import { keys, SEALED_SEGMENT } from './keys';
import { pointRead } from './tableAccess';

/**
 * Where the chain's records are, by seq. From the oldest:
 * - the retention archive (auditArchive.ts), seqs up to the `archived` checkpoint: out of the
 *   listings, still exported and verified;
 * - the sealed store (auditSeal.ts), seqs up to the `sealed` checkpoint: partitions of
 *   SEALED_SEGMENT seqs in tables of SEALED_TABLE_RECORDS, with a history index by month;
 * - the live partition, everything after: the head, the newest records and their markers.
 * Records move only forwards along that list (live → sealed → archive), copied before their
 * checkpoint moves and deleted after, so a seq is always where the checkpoints say or, for a
 * moment, in two places with the same content.
 */
export interface Stretches {
  tables: TableSource;
  live: TableClient;
  /** The last archived seq (0: none). */
  archivedThrough: number;
  /** The last seq out of the live partition, archived or sealed (at least archivedThrough). */
  sealedThrough: number;
  /** The sealed store's first and last records' atMs, from the seal checkpoint: the months its history index spans. */
  sealedFromMs?: number;
  sealedToMs?: number;
}

export type Tier = 'archive' | 'sealed' | 'live';


/** The seal checkpoint row (auditSeal.ts). */
export type SealCheckpointEntity = AuditCheckpointEntity & { fromAtMs?: number };

/** Reads both checkpoints (two point reads) of the live partition. */
export async function readStretches(tables: TableSource, live?: TableClient): Promise<Stretches> {
  const table = live ?? (await tables.table(AUDIT_TABLE));
  const [archived, sealed] = await Promise.all([
    pointRead<AuditCheckpointEntity>(table, keys.audit.checkpoint, ['seq']),
    pointRead<SealCheckpointEntity>(table, keys.audit.sealCheckpoint, ['seq', 'fromAtMs', 'atMs']),
  ]);
  const archivedThrough = typeof archived?.seq === 'number' ? archived.seq : 0;
  const sealedSeq = typeof sealed?.seq === 'number' ? sealed.seq : 0;
  return {
    tables,
    live: table,
    archivedThrough,
    sealedThrough: Math.max(archivedThrough, sealedSeq),
    ...(typeof sealed?.fromAtMs === 'number' ? { sealedFromMs: sealed.fromAtMs } : {}),
    ...(typeof sealed?.atMs === 'number' ? { sealedToMs: sealed.atMs } : {}),
  };
}

export function tierOf(s: Stretches, seq: number): Tier {
  if (seq <= s.archivedThrough) return 'archive';
  return seq <= s.sealedThrough ? 'sealed' : 'live';
}

/** The table and key of a seq's record row. */
export async function recordLocation(s: Stretches, seq: number): Promise<{ table: TableClient; key: { partitionKey: string; rowKey: string } }> {
  switch (tierOf(s, seq)) {
    case 'archive':
      return { table: await s.tables.table(AUDIT_ARCHIVE_TABLE), key: keys.audit.record(seq) };
    case 'sealed':
      return { table: await s.tables.table(keys.audit.sealedTable(seq)), key: keys.audit.sealedRecord(seq) };
    default:
      return { table: s.live, key: keys.audit.record(seq) };
  }
}

/** One record row by seq (a point read wherever it is). */
export async function recordAt(s: Stretches, seq: number, select?: string[]): Promise<AuditRecordEntity | undefined> {
  const { table, key } = await recordLocation(s, seq);
  return pointRead<AuditRecordEntity>(table, key, select);
}

/** Rows listed per range read of the live partition or the archive: one Table Storage page. */
const LIVE_PIECE = 1_000;

/** The last seq of [from, to] that one range read covers: a piece never spans two tiers or two sealed partitions. */
function pieceEnd(s: Stretches, from: number, to: number): number {
  switch (tierOf(s, from)) {
    case 'archive':
      return Math.min(to, s.archivedThrough, from + LIVE_PIECE - 1);
    case 'sealed':
      return Math.min(to, s.sealedThrough, (Math.floor((from - 1) / SEALED_SEGMENT) + 1) * SEALED_SEGMENT);
    default:
      return Math.min(to, from + LIVE_PIECE - 1);
  }
}

async function readPiece(s: Stretches, from: number, to: number, select?: string[]): Promise<AuditRecordEntity[]> {
  const first = await recordLocation(s, from);
  const last = await recordLocation(s, to);
  const filter = odata`PartitionKey eq ${first.key.partitionKey} and RowKey ge ${first.key.rowKey} and RowKey le ${last.key.rowKey}`;
  const out: AuditRecordEntity[] = [];
  for await (const e of first.table.listEntities<AuditRecordEntity>({ queryOptions: { filter, ...(select ? { select } : {}) } })) out.push(e);
  return out;
}

/**
 * The record rows with seq in [from, to], oldest first, one range read per piece. A live piece
 * that comes back short may have been sealed meanwhile (its rows deleted after the checkpoint
 * moved): the checkpoints are read again and the missing seqs read from where they went. A seq
 * found nowhere is left out (a broken chain, which the verifier names).
 */
export async function* recordRange(s: Stretches, from: number, to: number, select?: string[]): AsyncIterable<AuditRecordEntity> {
  let stretches = s;
  for (let at = from; at <= to; ) {
    const end = pieceEnd(stretches, at, to);
    let rows = await readPiece(stretches, at, end, select && [...new Set([...select, 'seq'])]);
    if (tierOf(stretches, at) === 'live' && rows.length < end - at + 1) {
      const again = await readStretches(stretches.tables, stretches.live);
      if (again.sealedThrough > stretches.sealedThrough) {
        stretches = again;
        const moved: AuditRecordEntity[] = [];
        for await (const row of recordRange(again, at, Math.min(end, again.sealedThrough), select)) moved.push(row);
        const seen = new Set(moved.map((r) => r.seq));
        rows = [...moved, ...rows.filter((r) => !seen.has(r.seq) && r.seq > again.sealedThrough)].sort((a, b) => a.seq - b.seq);
      }
    }
    yield* rows;
    at = end + 1;
  }
}

/** The same rows, newest first (for pages counted down from the head). */
export async function recordsDescending(s: Stretches, from: number, to: number, select?: string[]): Promise<AuditRecordEntity[]> {
  const out: AuditRecordEntity[] = [];
  for await (const row of recordRange(s, from, to, select)) out.push(row);
  return out.reverse();
}
