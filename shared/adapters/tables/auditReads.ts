import { odata, type TableClient } from '@azure/data-tables';
import { badRequest } from '../../domain/errors';
import type { AuditPage, AuditQuery, AuditRecord, ChainedAuditRecord } from '../../ports/audit';
import type { AuditCheckpointEntity, AuditHeadEntity, AuditRecordEntity } from './auditChain';
import { indexFor, readIndex } from './auditIndex';
import { keys } from './keys';
import { statusCodeOf } from './tableAccess';

/**
 * Reading the audit chain as live work: a page is a row-key range read counted down from the
 * head, never a scan of the table, and a time window is turned into a seq range by binary
 * search before anything is listed.
 *
 * Why the time columns: records reach the chain in the order they commit, which is time order
 * only roughly (a record relayed late by the outbox, or stamped by another process's clock,
 * lands after newer ones). So each record row carries `atMs`, the latest activityDateTime up to
 * and including it (a running maximum, so it never decreases along the chain), and the head
 * carries `lagMs`, the most any record's own time has been behind its row's `atMs`. Then a
 * record with time t sits at a seq whose atMs is in [t, t + lagMs]: a window [from, to] lies
 * within the seqs whose atMs is in [from, to + lagMs], which two binary searches find.
 */
/** Rows listed per range read: one Table Storage page, and what a page of history may cost at most. */
const CHUNK_MAX = 1_000;
/** Rows one page may read before it answers with what it found (and a `next`): a rare filter never turns into a scan. */
const READ_BUDGET = 5_000;

interface Cursor {
  /** The next page's records have seq below this. */
  below: number;
  /** ...and at or above this (the window's lower end). */
  low: number;
}

/** Where a page read from the history index (auditIndex.ts) goes on: after this row key, then below seq `indexedFrom` by the chain. */
interface IndexCursor {
  after: string;
  indexedFrom: number;
  lagMs: number;
}

function encodeCursor(c: Cursor | IndexCursor): string {
  const fields = 'after' in c ? { x: c.after, f: c.indexedFrom, g: c.lagMs } : { b: c.below, l: c.low };
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

function decodeCursor(text: string): Cursor | IndexCursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { b?: unknown; l?: unknown; x?: unknown; f?: unknown; g?: unknown };
    if (typeof parsed.x === 'string' && Number.isSafeInteger(parsed.f) && Number.isSafeInteger(parsed.g)) return { after: parsed.x, indexedFrom: parsed.f as number, lagMs: parsed.g as number };
    if (Number.isSafeInteger(parsed.b) && Number.isSafeInteger(parsed.l)) return { below: parsed.b as number, low: parsed.l as number };
  } catch {
    // reported below
  }
  throw badRequest('Invalid $skiptoken: use the @odata.nextLink of the previous page as it is.');
}

const same = (a: string | null | undefined, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

/** Whether a record passes every condition of the query. */
export function matchesAudit(r: AuditRecord, q: AuditQuery): boolean {
  const t = Date.parse(r.activityDateTime);
  if (q.from !== undefined && !(t >= Date.parse(q.from))) return false;
  if (q.to !== undefined && !(t <= Date.parse(q.to))) return false;
  if (q.category !== undefined && !same(r.category, q.category)) return false;
  if (q.activityDisplayName !== undefined && !same(r.activityDisplayName, q.activityDisplayName)) return false;
  if (q.result !== undefined && !same(r.result, q.result)) return false;
  if (q.loggedByService !== undefined && !same(r.loggedByService, q.loggedByService)) return false;
  if (q.initiatedByUserId !== undefined && !same(r.initiatedBy.user?.id, q.initiatedByUserId)) return false;
  const target = q.targetResourceId;
  if (target !== undefined && !r.targetResources.some((t) => same(t.id, target))) return false;
  return true;
}

function parseRecord(e: Pick<AuditRecordEntity, 'json'>): AuditRecord {
  return JSON.parse(e.json) as AuditRecord;
}

async function pointRead<T extends object>(table: TableClient, key: { partitionKey: string; rowKey: string }, select?: string[]): Promise<T | undefined> {
  try {
    return await table.getEntity<T>(key.partitionKey, key.rowKey, select ? { queryOptions: { select } } : {});
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

export interface AuditReader {
  page(query: AuditQuery, top: number, cursor?: string): Promise<AuditPage>;
  get(id: string): Promise<AuditRecord | undefined>;
  exportRange(range: { from?: string; to?: string }): Promise<AsyncIterable<ChainedAuditRecord>>;
}

/**
 * Where the chain's records are: the live table, and the archive table for the seqs up to the
 * archive checkpoint (auditArchive.ts) when a retention policy moved some.
 */
interface Stores {
  live: TableClient;
  archivedThrough: number;
  archive?: TableClient;
}

/**
 * `openArchive`: the archive table. Listings read the live chain only (archived records leave
 * them); exports read both, so archived records stay exportable.
 */
export function auditReader(open: () => Promise<TableClient>, openArchive?: () => Promise<TableClient>): AuditReader {
  async function stores(live: TableClient): Promise<Stores> {
    const checkpoint = openArchive ? await pointRead<AuditCheckpointEntity>(live, keys.audit.checkpoint, ['seq']) : undefined;
    const archivedThrough = typeof checkpoint?.seq === 'number' ? checkpoint.seq : 0;
    return archivedThrough > 0 && openArchive ? { live, archivedThrough, archive: await openArchive() } : { live, archivedThrough };
  }

  const tableOf = (s: Stores, seq: number) => (seq <= s.archivedThrough && s.archive ? s.archive : s.live);

  /** A record row's atMs (a point read). */
  async function atOf(s: Stores, seq: number): Promise<number> {
    const row = await pointRead<AuditRecordEntity>(tableOf(s, seq), keys.audit.record(seq), ['atMs']);
    if (typeof row?.atMs !== 'number') throw new Error(`Audit record seq ${seq} has no time column (run \`npm run audit:verify\`).`);
    return row.atMs;
  }

  /** The first seq in [first, last] whose atMs is at least `ms` (last + 1 when none): atMs never decreases along the chain. */
  async function firstAtOrAfter(s: Stores, first: number, last: number, ms: number): Promise<number> {
    let lo = first;
    let hi = last + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await atOf(s, mid)) >= ms) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The seq range [low, high] that can hold the query's records. */
  async function seqWindow(table: TableClient, query: AuditQuery, withArchive = false): Promise<Cursor | undefined> {
    const [head, s] = await Promise.all([pointRead<AuditHeadEntity>(table, keys.audit.head), stores(table)]);
    if (!head || typeof head.seq !== 'number' || head.seq < 1) return undefined;
    const first = withArchive ? 1 : s.archivedThrough + 1;
    let low = first;
    let high = head.seq;
    // A chain started before the time columns has none: its window is the whole chain.
    if (typeof head.atMs === 'number' && typeof head.lagMs === 'number') {
      if (query.from !== undefined) low = await firstAtOrAfter(s, first, high, Date.parse(query.from));
      if (query.to !== undefined) high = (await firstAtOrAfter(s, first, high, Date.parse(query.to) + head.lagMs + 1)) - 1;
    }
    return low <= high ? { below: high + 1, low } : undefined;
  }

  /** Rows with seq in [from, to], newest first: one range read by row key. */
  async function rowsBetween(table: TableClient, from: number, to: number): Promise<AuditRecord[]> {
    const filter = odata`PartitionKey eq ${keys.audit.partition} and RowKey ge ${keys.audit.record(from).rowKey} and RowKey le ${keys.audit.record(to).rowKey}`;
    const out: AuditRecord[] = [];
    for await (const e of table.listEntities<AuditRecordEntity>({ queryOptions: { filter, select: ['json'] } })) out.push(parseRecord(e));
    return out.reverse();
  }

  /**
   * A page for one person from the history index: one range read, not a walk of the chain. On a
   * chain indexed from some seq on, the records below it are then read from the chain.
   */
  async function indexedPage(table: TableClient, query: AuditQuery, top: number, at: IndexCursor | { head: AuditHeadEntity }): Promise<AuditPage | undefined> {
    const index = indexFor(query);
    const indexedFrom = 'head' in at ? at.head.indexedFrom : at.indexedFrom;
    const lagMs = 'head' in at ? at.head.lagMs : at.lagMs;
    if (!index || typeof indexedFrom !== 'number' || typeof lagMs !== 'number') return undefined;
    const window = { lagMs, ...(query.from !== undefined ? { fromMs: Date.parse(query.from) } : {}), ...(query.to !== undefined ? { toMs: Date.parse(query.to) } : {}) };
    const after = 'after' in at ? at.after : undefined;
    const stretch = await readIndex(table, index, window, top, READ_BUDGET, (r) => matchesAudit(r, query), after);
    if (stretch.lastRowKey !== undefined) return { records: stretch.records, next: encodeCursor({ after: stretch.lastRowKey, indexedFrom, lagMs }) };
    if (indexedFrom <= 1) return { records: stretch.records };
    // The index ran out; the older records were chained before it and are read from the chain.
    const older = await seqWindow(table, query);
    if (!older || older.low >= indexedFrom) return { records: stretch.records };
    const rest = { below: Math.min(older.below, indexedFrom), low: older.low };
    return { records: stretch.records, next: encodeCursor(rest) };
  }

  async function page(query: AuditQuery, top: number, cursorText?: string): Promise<AuditPage> {
    const table = await open();
    const decoded = cursorText !== undefined ? decodeCursor(cursorText) : undefined;
    if (decoded && 'after' in decoded) return (await indexedPage(table, query, top, decoded)) ?? { records: [] };
    if (decoded === undefined && indexFor(query)) {
      const head = await pointRead<AuditHeadEntity>(table, keys.audit.head);
      if (!head) return { records: [] };
      const indexed = await indexedPage(table, query, top, { head });
      if (indexed) return indexed;
    }
    const range = decoded ?? (await seqWindow(table, query));
    if (!range) return { records: [] };
    const narrowed = Object.keys(query).some((k) => k !== 'from' && k !== 'to');
    const records: AuditRecord[] = [];
    let next = range.below;
    let read = 0;
    // Unfiltered, a page is the `top` rows below the cursor; filtered, read wider stretches, up to the budget.
    let chunk = narrowed ? Math.max(top, 200) : top;
    while (next > range.low && records.length < top && read < READ_BUDGET) {
      const from = Math.max(range.low, next - chunk);
      const rows = await rowsBetween(table, from, next - 1);
      read += next - from;
      let consumed = from;
      for (const [i, r] of rows.entries()) {
        if (matchesAudit(r, query)) records.push(r);
        if (records.length === top) {
          consumed = next - 1 - i;
          break;
        }
      }
      next = consumed;
      chunk = Math.min(CHUNK_MAX, chunk * 2);
    }
    return next > range.low ? { records, next: encodeCursor({ below: next, low: range.low }) } : { records };
  }

  async function get(id: string): Promise<AuditRecord | undefined> {
    const table = await open();
    const marker = await pointRead<{ seq?: unknown }>(table, keys.audit.marker(id), ['seq']);
    if (typeof marker?.seq !== 'number') return undefined;
    const row = await pointRead<AuditRecordEntity>(table, keys.audit.record(marker.seq), ['json']);
    const record = row ? parseRecord(row) : undefined;
    return record?.id === id ? record : undefined;
  }

  /** The window's stretch of the chain, oldest first, a range read of CHUNK_MAX rows at a time (never all in memory). */
  async function exportRange(range: { from?: string; to?: string }): Promise<AsyncIterable<ChainedAuditRecord>> {
    const table = await open();
    const stretch = await seqWindow(table, range, true);
    const s = await stores(table);
    async function* records(): AsyncIterable<ChainedAuditRecord> {
      if (!stretch) return;
      for (let from = stretch.low; from < stretch.below; ) {
        // A chunk never spans the archive and the live chain: each is read where it is.
        const to = Math.min(stretch.below - 1, from + CHUNK_MAX - 1, from <= s.archivedThrough ? s.archivedThrough : Number.POSITIVE_INFINITY);
        const filter = odata`PartitionKey eq ${keys.audit.partition} and RowKey ge ${keys.audit.record(from).rowKey} and RowKey le ${keys.audit.record(to).rowKey}`;
        from = to + 1;
        for await (const e of tableOf(s, to).listEntities<AuditRecordEntity>({ queryOptions: { filter, select: ['seq', 'prevHash', 'hash', 'json'] } })) {
          yield { seq: e.seq, prevHash: e.prevHash, hash: e.hash, json: e.json };
        }
      }
    }
    return records();
  }

  return { page, get, exportRange };
}
