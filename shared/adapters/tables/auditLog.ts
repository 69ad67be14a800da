import { type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditLog, AuditRecord } from '../../ports/audit';
import { AUDIT_TABLE, type AuditHeadEntity, type AuditRecordEntity, type ChainLink, type JsonValue, nextLink } from './auditChain';
import { indexedIds, indexRows, MAX_INDEX_ROWS } from './auditIndex';
import { auditReader } from './auditReads';
import { readStretches, recordRange } from './auditStretches';
import { type ChainTime, timeAfter } from './auditTime';
import { DEFAULT_SEAL_MIN_AGE_MS } from './auditSeal';
import { keys, uuidV7Time } from './keys';
import { pointRead, statusCodeOf, type TableAccess } from './tableAccess';

export interface AuditLogOptions {
  /** Tries per append: each lost race re-reads the head and tries the next seq. */
  maxAttempts?: number;
  /** Told of each lost race (for metrics and load tests). */
  onConflict?: (attempt: number) => void;
  /** The seal passes' minimum age (auditSeal.ts): a retried record older than this may be sealed already. */
  sealMinAgeMs?: number;
}

/** How far two processes' clocks may differ, for telling whether a record may have been sealed. */
const CLOCK_MARGIN_MS = 300_000;

interface Head extends Partial<ChainTime> {
  seq: number;
  hash: string;
  /** The first seq with history index rows (auditIndex.ts); absent on chains whose records are not indexed. */
  indexedFrom?: number;
}

const DEFAULT_MAX_ATTEMPTS = 50;
const BACKOFF_BASE_MS = 4;
const BACKOFF_CAP_MS = 200;

export function fromRecordEntity(e: Pick<AuditRecordEntity, 'rowKey' | 'json'>): AuditRecord {
  const r = JSON.parse(e.json) as AuditRecord;
  if (typeof r.id !== 'string' || typeof r.activityDateTime !== 'string') throw new Error(`Malformed audit row ${e.rowKey}`);
  return r;
}

async function readHead(table: TableClient): Promise<Head | undefined> {
  let e: AuditHeadEntity;
  try {
    e = await table.getEntity<AuditHeadEntity>(keys.audit.head.partitionKey, keys.audit.head.rowKey);
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
  if (typeof e.seq !== 'number' || typeof e.hash !== 'string') {
    throw new Error('The audit chain head is malformed; run `npm run audit:verify`.');
  }
  return {
    seq: e.seq,
    hash: e.hash,
    ...(typeof e.atMs === 'number' && typeof e.lagMs === 'number' ? { atMs: e.atMs, lagMs: e.lagMs } : {}),
    ...(typeof e.indexedFrom === 'number' ? { indexedFrom: e.indexedFrom } : {}),
  };
}

/** A record ready to chain: its id and its JSON text (what the hash covers, read back as stored). */
interface Pending {
  id: string;
  json: string;
  stored: JsonValue;
  /** Its activityDateTime in ms, for the chain's time columns. */
  timeMs: number;
}

/** The links the records get after `head`, in order. */
function linksAfter(head: Head | undefined, records: Pending[]): ChainLink[] {
  const links: ChainLink[] = [];
  let last: { seq: number; hash: string } | undefined = head;
  for (const r of records) {
    const link = nextLink(last, r.stored);
    links.push(link);
    last = link;
  }
  return links;
}

/** Whether the chain carries time columns: one started before them has none, and is read without them. */
const isTimed = (head: Head | undefined) => head === undefined || head.atMs !== undefined;

/**
 * From which seq the chain's records are indexed: all of them on a chain started with the index,
 * from the first record appended with it on a timed chain started before (reads walk the chain
 * below that seq), none on an untimed one (the index is keyed by the time columns).
 */
function indexedFrom(head: Head | undefined, firstSeq: number): number | undefined {
  if (head === undefined) return 1;
  if (!isTimed(head)) return undefined;
  return head.indexedFrom ?? firstSeq;
}

/** The time columns of the records appended after `head`, in order. */
function timesAfter(head: Head | undefined, records: Pending[]): ChainTime[] {
  const out: ChainTime[] = [];
  let time: Partial<ChainTime> | undefined = head;
  for (const r of records) {
    const next = timeAfter(time, r.timeMs);
    out.push(next);
    time = next;
  }
  return out;
}

/** The record rows, their markers and the head moved onto the last, as one entity-group transaction. */
function appendActions(head: Head | undefined, records: Pending[], links: ChainLink[]): TransactionAction[] {
  const last = links.at(-1);
  if (!last) return [];
  // The time columns (auditReads.ts) go on only where the whole chain has them.
  const timed = isTimed(head);
  const times = timesAfter(head, records);
  const time = times.at(-1);
  const indexFrom = indexedFrom(head, links[0]?.seq ?? last.seq);
  const headRow: AuditHeadEntity = {
    ...keys.audit.head,
    seq: last.seq,
    hash: last.hash,
    ...(timed && time ? { atMs: time.atMs, lagMs: time.lagMs } : {}),
    ...(indexFrom !== undefined ? { indexedFrom: indexFrom } : {}),
  };
  // Why: the record rows are the lock. A seq is created once (create-only), so of all appenders
  // that read the same head exactly one commits; the others fail as a whole (no head move
  // without its record) and retry. The head must still exist (update, not upsert): a deleted
  // head is a broken chain, refused rather than silently restarted.
  const moveHead: TransactionAction = head ? ['update', headRow, 'Replace'] : ['create', headRow];
  const rows: TransactionAction[] = records.flatMap((r, i) => {
    const link = links[i] as ChainLink;
    const atMs = times[i]?.atMs;
    const recordRow: AuditRecordEntity = { ...keys.audit.record(link.seq), ...link, json: r.json, ...(timed ? { atMs } : {}) };
    // Why: the index rows commit with their record: none without it, none of it missing.
    const index = indexFrom !== undefined && atMs !== undefined ? indexRows(r.json, r.stored, link.seq, atMs) : [];
    // Why: the marker makes a record's append happen once, even when a relay retries it later.
    return [
      ['create', recordRow] as TransactionAction,
      ['create', { ...keys.audit.marker(r.id), seq: link.seq }] as TransactionAction,
      ...index.map((row): TransactionAction => ['create', row]),
    ];
  });
  return [moveHead, ...rows];
}

/** Commits the links; the new head on success, undefined when another append moved the head first (409/412). */
async function commit(table: TableClient, head: Head | undefined, records: Pending[], links: ChainLink[]): Promise<Head | undefined> {
  try {
    await table.submitTransaction(appendActions(head, records, links));
    const last = links.at(-1) as ChainLink;
    const time = timesAfter(head, records).at(-1);
    const indexFrom = indexedFrom(head, links[0]?.seq ?? last.seq);
    return { seq: last.seq, hash: last.hash, ...(isTimed(head) && time ? time : {}), ...(indexFrom !== undefined ? { indexedFrom: indexFrom } : {}) };
  } catch (error) {
    const status = statusCodeOf(error);
    // 404: the head we updated is gone (deleted under us); the caller re-reads and finds out.
    if (status === 409 || status === 412 || status === 404) return undefined;
    throw error;
  }
}

/** The records whose markers exist: chained already (by an earlier attempt, or another relay). */
async function alreadyChained(table: TableClient, records: Pending[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const r of records) {
    const { partitionKey, rowKey } = keys.audit.marker(r.id);
    try {
      await table.getEntity(partitionKey, rowKey, { queryOptions: { select: ['seq'] } });
      found.add(r.id);
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
    }
  }
  return found;
}

/** Full jitter, growing with the attempt: losers spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/**
 * Append-only, hash-chained audit in Table Storage (see auditChain.ts for the chain). Appends
 * from any number of processes are serialised by the chain head's ETag; within one process
 * (one instance of this log) they also queue, because racing our own requests for the head only
 * burns attempts that the other processes' appends need.
 */
/** Actions per entity-group transaction (Table Storage's limit). */
const MAX_ACTIONS = 100;

/**
 * The records cut into chain transactions: each takes its record row, its marker and its index
 * rows, and every transaction also moves the head, within the 100-action limit.
 */
function transactionsOf(records: AuditRecord[]): AuditRecord[][] {
  const out: AuditRecord[][] = [];
  let current: AuditRecord[] = [];
  let actions = 1;
  for (const r of records) {
    const size = 2 + Math.min(MAX_INDEX_ROWS, indexedIds(JSON.parse(JSON.stringify(r)) as JsonValue).length);
    if (current.length > 0 && actions + size > MAX_ACTIONS) {
      out.push(current);
      current = [];
      actions = 1;
    }
    current.push(r);
    actions += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export function tableAuditLog(tables: TableAccess, options: AuditLogOptions = {}): AuditLog {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let queue: Promise<unknown> = Promise.resolve();
  /** The head as this log last wrote it: usually still the head, which saves a read per append. */
  let knownHead: Head | undefined;

  /** Appends waiting for the queue: whoever's turn comes first takes them all into one transaction. */
  let waiting: Array<{ records: AuditRecord[]; settle: (error?: { cause: unknown }) => void }> = [];

  function appendAll(records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      waiting.push({ records, settle: (error) => (error ? reject(error.cause) : resolve()) });
      // Why: appends that arrive while one is being committed (other requests' changes) share the
      // next transaction instead of queueing one each: fewer requests, less waiting under load.
      const turn = queue.then(async () => {
        const taken = waiting;
        waiting = [];
        if (taken.length === 0) return;
        const all = taken.flatMap((w) => w.records);
        try {
          for (const batch of transactionsOf(all)) await appendNow(batch);
          for (const w of taken) w.settle();
        } catch (cause) {
          for (const w of taken) w.settle({ cause });
        }
      });
      queue = turn.catch(() => undefined);
    });
  }

  /**
   * The records of a late retry (a relay that stalled) that are in the sealed store already: their
   * live markers are gone, so the chain transaction would not stop them. Only records whose id
   * says they are older than the seal age are looked up, so a fresh append reads nothing more.
   */
  async function sealedAlready(records: Pending[]): Promise<Set<string>> {
    const horizon = Date.now() - (options.sealMinAgeMs ?? DEFAULT_SEAL_MIN_AGE_MS) + CLOCK_MARGIN_MS;
    const old = records.filter((r) => (uuidV7Time(r.id) ?? Number.POSITIVE_INFINITY) < horizon);
    const found = new Set<string>();
    if (old.length === 0) return found;
    const ids = await tables.table(keys.audit.sealedIdTable);
    for (const r of old) if (await pointRead(ids, keys.audit.sealedId(r.id), ['seq'])) found.add(r.id);
    return found;
  }

  async function appendNow(batch: AuditRecord[]): Promise<void> {
    const table = await tables.table(AUDIT_TABLE);
    // Why: hash what a verifier will read back (parsed stored JSON), not the object in hand,
    // which may hold undefined properties that the stored text does not.
    let records: Pending[] = batch.map((r) => {
      const json = JSON.stringify(r);
      return { id: r.id, json, stored: JSON.parse(json) as JsonValue, timeMs: Date.parse(r.activityDateTime) };
    });
    const sealed = await sealedAlready(records);
    if (sealed.size > 0) records = records.filter((r) => !sealed.has(r.id));
    if (records.length === 0) return;
    let head = knownHead ?? (await readHead(table));
    for (let attempt = 1; ; attempt++) {
      const moved = await commit(table, head, records, linksAfter(head, records));
      if (moved) {
        knownHead = moved;
        return;
      }
      knownHead = undefined;
      // A stale cached head is not a lost race: re-read before counting attempts.
      if (attempt > 1 || head === undefined) options.onConflict?.(attempt);
      if (attempt >= maxAttempts) {
        throw new Error(
          `Could not append audit record ${records[0]?.id} in ${maxAttempts} attempts: the chain head kept moving ` +
            'or is out of step with the records (run `npm run audit:verify`).',
        );
      }
      if (attempt > 1) await backoff(attempt);
      head = await readHead(table);
      // Some may have been chained meanwhile (the SDK retried a commit that had succeeded, or
      // another relay appended them): those stay as they are.
      const chained = await alreadyChained(table, records);
      records = records.filter((r) => !chained.has(r.id));
      if (records.length === 0) return;
      // Starting a chain lost to rows already there, yet still no head: someone removed it.
      if (!head && attempt > 1) throw new Error('The audit chain head is missing but records exist (run `npm run audit:verify`).');
    }
  }

  async function list(filter: { from?: string; to?: string } = {}): Promise<AuditRecord[]> {
    const stretches = await readStretches(tables);
    const head = await pointRead<AuditHeadEntity>(stretches.live, keys.audit.head);
    const out: AuditRecord[] = [];
    if (typeof head?.seq !== 'number') return out;
    // The live chain and the sealed store: archived records have left the listings.
    for await (const e of recordRange(stretches, stretches.archivedThrough + 1, head.seq, ['json'])) {
      // Why: filter on the record's own time (covered by the hash), not on an unchained column.
      const record = fromRecordEntity(e);
      if (filter.from && record.activityDateTime < filter.from) continue;
      if (filter.to && record.activityDateTime > filter.to) continue;
      out.push(record);
    }
    // Concurrent appends commit in any order, so seq order is not time order.
    return out.sort((a, b) => a.activityDateTime.localeCompare(b.activityDateTime) || a.id.localeCompare(b.id));
  }

  const reader = auditReader(tables);
  return { append: (record) => appendAll([record]), appendAll, list, page: reader.page, get: reader.get, exportRange: reader.exportRange };
}
