import type { TableClient } from '@azure/data-tables';
import { type ChainLink, GENESIS_HASH, type JsonValue, linkHash } from './auditLink';
import { type ChainTime, timeAfter } from './auditTime';
import { keys } from './keys';

/**
 * The audit log's hash chain: how a link is computed and how a stored chain is checked.
 * Each record row holds `seq` (1, 2, 3, … without gaps), `prevHash` (the previous row's hash,
 * 64 zeros for the first) and `hash` = SHA-256 over the canonical JSON of {seq, prevHash, record}.
 * The head row holds the last seq and hash. Editing, deleting, inserting or reordering rows breaks
 * a link, which `checkRecord` / `checkHead` name. Rewriting every row from some point on AND the
 * head is not detectable from inside the table: that needs the head's hash kept somewhere else.
 */

export const AUDIT_TABLE = 'Audit';
/** Where records older than the retention policy's limit go (auditArchive.ts), under the same keys. */
export const AUDIT_ARCHIVE_TABLE = 'AuditArchive';

/** The archive checkpoint row: the last archived record's seq, hash and time columns. */
export type AuditCheckpointEntity = {
  partitionKey: string;
  rowKey: string;
  seq: number;
  hash: string;
  atMs?: number;
};

// The link arithmetic has its own module (no Table SDK), so the export checker and the CLI use it alone.
export { canonicalJson, type ChainLink, GENESIS_HASH, type JsonValue, linkHash, nextLink } from './auditLink';

/** A record row as stored: the link plus the record's JSON text (what the hash covers). */
export type AuditRecordEntity = ChainLink & {
  partitionKey: string;
  rowKey: string;
  json: string;
  /** The latest activityDateTime up to this record (ms): not hashed, only for finding time windows (auditReads.ts). */
  atMs?: number;
};

/** The chain head: the last record's seq and hash. Its ETag serialises appends. */
export type AuditHeadEntity = {
  partitionKey: string;
  rowKey: string;
  seq: number;
  hash: string;
  /** The last record's atMs, and how far any record's time lags its atMs (auditReads.ts); absent on chains started without them. */
  atMs?: number;
  lagMs?: number;
  /** The first seq whose records have history index rows (auditIndex.ts); absent on chains without the index. */
  indexedFrom?: number;
};

/** What a row from the table may hold: nothing is trusted until checked. */
export interface RawRow {
  rowKey: string;
  [column: string]: unknown;
}

export type ChainProblemKind = 'malformed' | 'reordered' | 'inserted' | 'missing' | 'unlinked' | 'edited' | 'time' | 'head';

export interface BrokenLink {
  /** The chain position where the break is found (for a missing record: the first missing seq). */
  seq: number;
  rowKey: string;
  /** The record's id, when the row holds a readable record. */
  id?: string;
  kind: ChainProblemKind;
  problem: string;
}

/** `count`: records checked good (when broken: the intact records before the break). */
export type ChainVerdict = { ok: true; count: number } | { ok: false; count: number; firstBroken: BrokenLink };

/** How far a walk of the chain got: the last good record. */
export interface ChainCursor {
  count: number;
  lastSeq: number;
  lastHash: string;
  lastRowKey: string;
  /** The time columns so far (auditReads.ts): 'untimed' for a chain started without them, undefined before the first record. */
  time?: ChainTime | 'untimed';
  /** The first edited time column, reported when the links and the head are intact. */
  timeProblem?: BrokenLink;
}

export const chainStart: ChainCursor = { count: 0, lastSeq: 0, lastHash: GENESIS_HASH, lastRowKey: '' };

const HASH = /^[0-9a-f]{64}$/;
const POSITION = /^\d{12}$/;

interface ParsedRow extends ChainLink {
  rowKey: string;
  record: JsonValue;
  id?: string;
  atMs?: number;
}

function parseRow(row: RawRow): ParsedRow | string {
  const { seq, prevHash, hash, json } = row;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'its seq is missing or not a positive integer';
  if (typeof prevHash !== 'string' || !HASH.test(prevHash)) return 'its prevHash is missing or not a SHA-256 hex string';
  if (typeof hash !== 'string' || !HASH.test(hash)) return 'its hash is missing or not a SHA-256 hex string';
  if (typeof json !== 'string') return 'it holds no record JSON';
  let record: JsonValue;
  try {
    record = JSON.parse(json) as JsonValue;
  } catch {
    return 'its record JSON does not parse';
  }
  const id = record !== null && typeof record === 'object' && !Array.isArray(record) ? record.id : undefined;
  const atMs = typeof row.atMs === 'number' ? row.atMs : undefined;
  return { rowKey: row.rowKey, seq, prevHash, hash, record, ...(typeof id === 'string' ? { id } : {}), ...(atMs !== undefined ? { atMs } : {}) };
}

export const positionKey = (seq: number) => keys.audit.record(seq).rowKey;

export function broken(kind: ChainProblemKind, seq: number, rowKey: string, problem: string, id?: string): BrokenLink {
  return { seq, rowKey, kind, problem, ...(id === undefined ? {} : { id }) };
}

/** Where the row sits must be where its seq says: a row elsewhere was moved or added by hand. */
function checkPosition(row: ParsedRow): BrokenLink | undefined {
  if (row.rowKey === positionKey(row.seq)) return undefined;
  if (POSITION.test(row.rowKey)) {
    const at = Number(row.rowKey);
    const problem = `the row of seq ${at} holds the record of seq ${row.seq}: records were reordered or moved`;
    return broken('reordered', at, row.rowKey, problem, row.id);
  }
  const problem = `row "${row.rowKey}" is not a chain position (it claims seq ${row.seq}): a record was inserted`;
  return broken('inserted', row.seq, row.rowKey, problem, row.id);
}

/** Seqs run 1, 2, 3, … : a jump means rows were deleted, a step back means one was added. */
function checkSequence(cursor: ChainCursor, row: ParsedRow): BrokenLink | undefined {
  const expected = cursor.lastSeq + 1;
  if (row.seq === expected) return undefined;
  if (row.seq > expected) {
    const missing = row.seq - 1 === expected ? `record seq ${expected} is` : `records seq ${expected} to ${row.seq - 1} are`;
    const problem = `${missing} missing (deleted): the chain jumps from seq ${cursor.lastSeq} to seq ${row.seq}`;
    return broken('missing', expected, positionKey(expected), problem);
  }
  return broken('inserted', row.seq, row.rowKey, `seq ${row.seq} comes again after seq ${cursor.lastSeq}: a record was inserted`, row.id);
}

/** The chain link: a record must name the hash of the one before it. */
function checkLink(cursor: ChainCursor, row: ParsedRow): BrokenLink | undefined {
  if (row.prevHash === cursor.lastHash) return undefined;
  const before = cursor.lastSeq === 0 ? 'the chain start' : `record seq ${cursor.lastSeq}`;
  return broken(
    'unlinked',
    row.seq,
    row.rowKey,
    `its prevHash does not match the hash of ${before}: a record before it was inserted, replaced or deleted (and the rest renumbered)`,
    row.id,
  );
}

function checkContent(row: ParsedRow): BrokenLink | undefined {
  if (linkHash(row.seq, row.prevHash, row.record) === row.hash) return undefined;
  return broken('edited', row.seq, row.rowKey, 'its content does not match its hash: the record was edited', row.id);
}

/**
 * The time column is not hashed, but it is determined: the latest activityDateTime so far.
 * Why check it: an edited one would hide records from time-window reads without breaking a hash.
 * The walk goes on with the value it should have had, so a broken link further on, the graver
 * finding, is still the one reported.
 */
function checkTime(cursor: ChainCursor, row: ParsedRow): { time: ChainTime | 'untimed'; problem?: BrokenLink } {
  if (cursor.time === 'untimed' || (cursor.time === undefined && row.atMs === undefined)) {
    if (row.atMs === undefined) return { time: 'untimed' };
    const problem = 'it has a time column (atMs) but the records before it have none: a column was added by hand';
    return { time: 'untimed', problem: broken('time', row.seq, row.rowKey, problem, row.id) };
  }
  const own = row.record !== null && typeof row.record === 'object' && !Array.isArray(row.record) ? row.record.activityDateTime : undefined;
  const time = timeAfter(cursor.time, typeof own === 'string' ? Date.parse(own) : Number.NaN);
  if (row.atMs === time.atMs) return { time };
  const problem = `its time column atMs (${String(row.atMs)}) is not the latest activityDateTime so far (${time.atMs}): it was edited, which would hide records from time-window reads`;
  return { time, problem: broken('time', row.seq, row.rowKey, problem, row.id) };
}

/**
 * Checks the next row (in row-key order) against the chain so far. The checks run from the most
 * specific cause to the least, so the problem names what was done, not only what no longer fits.
 */
export function checkRecord(cursor: ChainCursor, row: RawRow): ChainCursor | BrokenLink {
  const parsed = parseRow(row);
  if (typeof parsed === 'string') {
    const seq = POSITION.test(row.rowKey) ? Number(row.rowKey) : cursor.lastSeq + 1;
    return broken('malformed', seq, row.rowKey, `the row is not a chain record: ${parsed}`);
  }
  const problem = checkPosition(parsed) ?? checkSequence(cursor, parsed) ?? checkLink(cursor, parsed) ?? checkContent(parsed);
  if (problem) return problem;
  const { time, problem: timeProblem } = checkTime(cursor, parsed);
  const firstTimeProblem = cursor.timeProblem ?? timeProblem;
  return { count: cursor.count + 1, lastSeq: parsed.seq, lastHash: parsed.hash, lastRowKey: parsed.rowKey, time, ...(firstTimeProblem ? { timeProblem: firstTimeProblem } : {}) };
}

/** The head must point at the last record: it is what shows records deleted from the end. */
export function checkHead(cursor: ChainCursor, head: RawRow | undefined): ChainVerdict {
  const fail = (firstBroken: BrokenLink): ChainVerdict => ({ ok: false, count: cursor.count, firstBroken });
  const headKey = keys.audit.head.rowKey;
  if (!head) {
    if (cursor.count === 0) return { ok: true, count: 0 };
    return fail(broken('head', cursor.lastSeq, headKey, 'the chain head row is missing: it was deleted'));
  }
  const { seq, hash } = head;
  if (typeof seq !== 'number' || typeof hash !== 'string') {
    return fail(broken('head', cursor.lastSeq, headKey, 'the chain head row has no seq or hash: it was edited'));
  }
  const last = cursor.lastSeq;
  if (seq > last) {
    const problem = `the head says the last record is seq ${seq} but the chain ends at seq ${last}: records at the end were deleted`;
    return fail(broken('head', last + 1, positionKey(last + 1), problem));
  }
  if (seq < last) {
    const problem = `the chain goes on past the head (seq ${seq}) to seq ${last}: records were inserted or appended without moving the head`;
    return fail(broken('head', seq + 1, positionKey(seq + 1), problem));
  }
  if (hash !== cursor.lastHash) {
    const problem = `the head's hash does not match record seq ${seq}: the last record was replaced, or the chain rewritten up to it`;
    return fail(broken('head', seq, positionKey(seq), problem));
  }
  if (cursor.timeProblem) return { ok: false, count: cursor.timeProblem.seq - 1, firstBroken: cursor.timeProblem };
  const time = cursor.time;
  if (typeof time === 'object' && (head.atMs !== time.atMs || head.lagMs !== time.lagMs)) {
    const problem = `the head's time columns (atMs ${String(head.atMs)}, lagMs ${String(head.lagMs)}) do not match the chain's (${time.atMs}, ${time.lagMs}): they were edited`;
    return fail(broken('time', seq, headKey, problem));
  }
  return { ok: true, count: cursor.count };
}

/** Anything that hands out table clients by name (TableAccess, or a read-only stand-in). */
export interface TableSource {
  table(name: string): Promise<TableClient>;
}
