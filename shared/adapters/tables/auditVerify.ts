import { odata, type TableClient } from '@azure/data-tables';
import {
  AUDIT_ARCHIVE_TABLE,
  AUDIT_TABLE,
  type AuditCheckpointEntity,
  broken,
  chainStart,
  type ChainCursor,
  type ChainVerdict,
  checkHead,
  checkRecord,
  positionKey,
  type RawRow,
  type TableSource,
} from './auditChain';
import { readStretches, recordRange, type SealCheckpointEntity } from './auditStretches';
import { keys } from './keys';
import { pointRead } from './tableAccess';

/** Passes over the chain partition before giving up on catching up with concurrent appends. */
const MAX_PASSES = 5;

/**
 * Walks the stored chain in seq order (streaming: the chain can be long) and checks every link
 * and the head. Appends may go on meanwhile: when the head read at the end of a pass is ahead of
 * the last record read, the records appended since are read in another pass.
 */
export async function verifyAuditChain(tables: TableSource): Promise<ChainVerdict> {
  const table = await tables.table(AUDIT_TABLE);
  const archived = await verifyArchive(tables, table);
  if ('ok' in archived) return archived;
  const sealed = await verifySealed(tables, table, archived);
  if ('ok' in sealed) return sealed;
  let cursor = sealed;
  let head: RawRow | undefined;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    // Record rows (digits) sort before the head; the checkpoints, markers and index rows are not links.
    const filter = odata`PartitionKey eq ${keys.audit.partition} and RowKey gt ${cursor.lastRowKey} and RowKey le ${keys.audit.head.rowKey}`;
    let read = 0;
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const raw: RawRow = { ...row, rowKey: row.rowKey ?? '' };
      if (raw.rowKey === keys.audit.head.rowKey) {
        head = raw;
        continue;
      }
      if (raw.rowKey === keys.audit.checkpoint.rowKey || raw.rowKey === keys.audit.sealCheckpoint.rowKey) continue;
      const next = checkRecord(cursor, raw);
      if ('kind' in next) return { ok: false, count: cursor.count, firstBroken: next };
      cursor = next;
      read++;
    }
    const headAhead = typeof head?.seq === 'number' && head.seq > cursor.lastSeq;
    if (read === 0 || !headAhead) break;
  }
  return checkHead(cursor, head);
}

/**
 * The sealed part of the chain (auditSeal.ts): the seqs after the archive up to the seal
 * checkpoint, walked partition by partition, whose last record must be the checkpoint's. The
 * live rows at or below it are copies a seal pass has yet to delete, and are skipped.
 */
async function verifySealed(tables: TableSource, live: TableClient, after: ChainCursor): Promise<ChainCursor | ChainVerdict> {
  const checkpoint = await pointRead<SealCheckpointEntity>(live, keys.audit.sealCheckpoint);
  if (!checkpoint) return after;
  const rowKey = keys.audit.sealCheckpoint.rowKey;
  if (typeof checkpoint.seq !== 'number' || typeof checkpoint.hash !== 'string') {
    return { ok: false, count: after.count, firstBroken: broken('head', after.lastSeq, rowKey, 'the seal checkpoint has no seq or hash: it was edited') };
  }
  if (checkpoint.seq <= after.lastSeq) return after;
  const stretches = await readStretches(tables, live);
  let cursor = after;
  for await (const row of recordRange(stretches, after.lastSeq + 1, checkpoint.seq)) {
    const next = checkRecord(cursor, { ...row, rowKey: row.rowKey ?? '' });
    if ('kind' in next) return { ok: false, count: cursor.count, firstBroken: { ...next, problem: `in the sealed store: ${next.problem}` } };
    cursor = next;
  }
  if (cursor.lastSeq !== checkpoint.seq || cursor.lastHash !== checkpoint.hash) {
    const problem = `the sealed store ends at seq ${cursor.lastSeq} but the seal checkpoint says seq ${checkpoint.seq} with another hash: sealed records were deleted, replaced or the checkpoint edited`;
    return { ok: false, count: cursor.count, firstBroken: broken('missing', cursor.lastSeq + 1, positionKey(cursor.lastSeq + 1), problem) };
  }
  return cursor;
}

/**
 * The archived part of the chain, when a retention policy moved some (auditArchive.ts): walked
 * from the genesis hash in the archive table up to the checkpoint, whose hash it must reach. The
 * live chain then goes on from there. Without a checkpoint, nothing was archived.
 */
async function verifyArchive(tables: TableSource, live: TableClient): Promise<ChainCursor | ChainVerdict> {
  const checkpoint = await pointRead<AuditCheckpointEntity>(live, keys.audit.checkpoint);
  if (!checkpoint) return chainStart;
  const rowKey = keys.audit.checkpoint.rowKey;
  if (typeof checkpoint.seq !== 'number' || typeof checkpoint.hash !== 'string') {
    return { ok: false, count: 0, firstBroken: broken('head', 0, rowKey, 'the archive checkpoint has no seq or hash: it was edited') };
  }
  const archive = await tables.table(AUDIT_ARCHIVE_TABLE);
  let cursor = chainStart;
  const filter = odata`PartitionKey eq ${keys.audit.partition} and RowKey le ${positionKey(checkpoint.seq)}`;
  for await (const row of archive.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    const next = checkRecord(cursor, { ...row, rowKey: row.rowKey ?? '' });
    if ('kind' in next) return { ok: false, count: cursor.count, firstBroken: { ...next, problem: `in the archive: ${next.problem}` } };
    cursor = next;
  }
  if (cursor.lastSeq !== checkpoint.seq || cursor.lastHash !== checkpoint.hash) {
    const problem = `the archive ends at seq ${cursor.lastSeq} but the checkpoint says seq ${checkpoint.seq} with another hash: archived records were deleted, replaced or the checkpoint edited`;
    return { ok: false, count: cursor.count, firstBroken: broken('missing', cursor.lastSeq + 1, positionKey(cursor.lastSeq + 1), problem) };
  }
  return cursor;
}
