import { odata, type TableClient } from '@azure/data-tables';
import { badRequest } from '../../domain/errors';
import type { AuditPage, AuditQuery, AuditRecord, ChainedAuditRecord } from '../../ports/audit';
import { AUDIT_TABLE, type AuditHeadEntity, type AuditRecordEntity, type TableSource } from './auditChain';
import { type IndexedBy, indexFor } from './auditIndex';
import { readStretches, recordAt, recordRange, recordsDescending, type Stretches } from './auditStretches';
import { keys } from './keys';
import { pointRead } from './tableAccess';

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
 *
 * Where the rows are (auditStretches.ts): the live partition, the sealed store and the archive;
 * a person's records come from the history index, the live partition's rows first, then the
 * sealed store's by month, both newest first under the same position (inverted atMs and seq).
 */
/** Rows listed per range read: one Table Storage page, and what a page of history may cost at most. */
const CHUNK_MAX = 1_000;
/** Rows one page may read before it answers with what it found (and a `next`): a rare filter never turns into a scan. */
const READ_BUDGET = 5_000;

/** A walk down the chain by seq. `s`: a person's query walking the live records the index does not cover, the sealed store's index next. */
interface Cursor {
  /** The next page's records have seq below this. */
  below: number;
  /** ...and at or above this (the window's lower end). */
  low: number;
  thenSealed?: boolean;
}

/** Where a page read from the history index goes on: after this position (inverted atMs and seq); `liveDone`: in the sealed store's index. */
interface IndexCursor {
  after: string;
  liveDone: boolean;
  /** While in the live index: the position of the last record returned, where the sealed store's index takes over. */
  kept?: string;
  /** In the sealed store's index after a walk of the live records: only seqs up to this (the walk returned those above, sealed since or not). */
  sealedMax?: number;
}

function encodeCursor(c: Cursor | IndexCursor): string {
  const fields = 'after' in c ? { x: c.after, ...(c.liveDone ? { z: 1 } : {}), ...(c.kept ? { k: c.kept } : {}), ...(c.sealedMax !== undefined ? { m: c.sealedMax } : {}) } : { b: c.below, l: c.low, ...(c.thenSealed ? { s: 1 } : {}) };
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

function decodeCursor(text: string): Cursor | IndexCursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { b?: unknown; l?: unknown; x?: unknown; z?: unknown; s?: unknown; k?: unknown; m?: unknown };
    const position = (v: unknown): v is string => typeof v === 'string' && /^[0-9|]*$/.test(v);
    if (position(parsed.x)) {
      const sealedMax = Number.isSafeInteger(parsed.m) ? { sealedMax: parsed.m as number } : {};
      return { after: parsed.x, liveDone: parsed.z === 1, ...(position(parsed.k) && parsed.k !== '' ? { kept: parsed.k } : {}), ...sealedMax };
    }
    if (Number.isSafeInteger(parsed.b) && Number.isSafeInteger(parsed.l)) return { below: parsed.b as number, low: parsed.l as number, ...(parsed.s === 1 ? { thenSealed: true } : {}) };
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


export interface AuditReader {
  page(query: AuditQuery, top: number, cursor?: string): Promise<AuditPage>;
  get(id: string): Promise<AuditRecord | undefined>;
  exportRange(range: { from?: string; to?: string }): Promise<AsyncIterable<ChainedAuditRecord>>;
}

/** What one stretch of index reading gathers into a page. */
interface Gathered {
  records: AuditRecord[];
  seqs: Set<number>;
  read: number;
  /** The position of the last row read. */
  last?: string;
  /** The position of the last row whose record went into the page. */
  kept?: string;
}

/** The months (yyyy, 0-based month) from the one holding `toMs` down to the one holding `fromMs`, as the first ms of each. */
function monthsDescending(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  const from = new Date(fromMs);
  const floor = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1);
  const to = new Date(toMs);
  for (let year = to.getUTCFullYear(), month = to.getUTCMonth(); Date.UTC(year, month, 1) >= floor; month--) {
    if (month < 0) {
      month = 11;
      year--;
    }
    if (Date.UTC(year, month, 1) < floor) break;
    out.push(Date.UTC(year, month, 1));
  }
  return out;
}

/** The atMs a position (inverted atMs, then inverted seq) stands for. */
const positionMs = (position: string) => 9_999_999_999_999 - Number(position.slice(0, 13));

/**
 * `tables`: the live table (AUDIT_TABLE), the sealed store's and the archive. Listings read the
 * live chain and the sealed store (archived records leave them); exports read all three, so
 * archived records stay exportable.
 */
export function auditReader(tables: TableSource): AuditReader {
  /** The first seq in [first, last] whose atMs is at least `ms` (last + 1 when none): atMs never decreases along the chain. */
  async function firstAtOrAfter(s: Stretches, first: number, last: number, ms: number): Promise<number> {
    let lo = first;
    let hi = last + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = await recordAt(s, mid, ['atMs']);
      if (typeof row?.atMs !== 'number') throw new Error(`Audit record seq ${mid} has no time column (run \`npm run audit:verify\`).`);
      if (row.atMs >= ms) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The seq range [low, high] that can hold the query's records. */
  async function seqWindow(s: Stretches, head: AuditHeadEntity | undefined, query: AuditQuery, withArchive = false): Promise<Cursor | undefined> {
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

  /**
   * Index rows of one partition in [from, to] after the position `after`, newest first, into the
   * page: each row's position is its row key past `prefix`. Rows of records that are archived,
   * or already gathered (a record being sealed is in both indexes for a moment), are skipped.
   * Resolves true when the page is full or the read budget spent.
   */
  async function gather(table: TableClient, partitionKey: string, prefix: string, range: { from: string; to: string }, after: string, keep: (seq: number, r: AuditRecord) => boolean, top: number, into: Gathered): Promise<boolean> {
    const afterKey = after === '' ? undefined : `${prefix}${after}`;
    const filter =
      afterKey !== undefined && afterKey >= range.from
        ? odata`PartitionKey eq ${partitionKey} and RowKey gt ${afterKey} and RowKey le ${range.to}`
        : odata`PartitionKey eq ${partitionKey} and RowKey ge ${range.from} and RowKey le ${range.to}`;
    // Pages no larger than the answer needs: a narrow query reads a few rows, a sparse one reads more per request.
    const pages = table.listEntities<{ rowKey?: string; seq: number; json: string }>({ queryOptions: { filter, select: ['RowKey', 'seq', 'json'] } }).byPage({ maxPageSize: Math.min(CHUNK_MAX, Math.max(top, 100)) });
    for await (const rows of pages) {
      for (const row of rows) {
        into.read++;
        into.last = (row.rowKey ?? '').slice(prefix.length);
        const record = parseRecord(row);
        if (!into.seqs.has(row.seq) && keep(row.seq, record)) {
          into.seqs.add(row.seq);
          into.records.push(record);
          into.kept = into.last;
        }
        if (into.records.length === top || into.read >= READ_BUDGET) return true;
      }
    }
    return false;
  }

  /**
   * A page for one person from the history index: the live partition's rows, then (when the
   * chain's index started late) a walk of the live records below it, then the sealed store's
   * rows month by month. Undefined when the chain has no index to read.
   */
  async function indexedPage(s: Stretches, head: AuditHeadEntity, query: AuditQuery, top: number, at: IndexCursor): Promise<AuditPage | undefined> {
    const index = indexFor(query);
    const { indexedFrom, lagMs } = head;
    if (!index || typeof indexedFrom !== 'number' || typeof lagMs !== 'number') return undefined;
    const fromMs = query.from !== undefined ? Date.parse(query.from) : undefined;
    const toMs = query.to !== undefined ? Date.parse(query.to) + lagMs : undefined;
    const into: Gathered = { records: [], seqs: new Set(), read: 0 };
    const matches = (r: AuditRecord) => matchesAudit(r, query);
    if (!at.liveDone) {
      const range = keys.audit.indexRange(index.by, index.id, fromMs, toMs);
      const prefix = keys.audit.indexRange(index.by, index.id).from;
      const full = await gather(s.live, keys.audit.partition, prefix, range, at.after, (seq, r) => seq > s.sealedThrough && matches(r), top, into);
      const kept = into.kept ?? at.kept;
      if (full) return { records: into.records, next: encodeCursor({ after: into.last ?? at.after, liveDone: false, ...(kept ? { kept } : {}) }) };
      // The live records chained before the index began are read from the chain, newest first.
      if (indexedFrom > s.sealedThrough + 1) {
        const window = await seqWindow(s, head, query);
        const below = Math.min(window?.below ?? 0, indexedFrom);
        const low = Math.max(window?.low ?? 0, s.sealedThrough + 1);
        if (below > low) return { records: into.records, next: encodeCursor({ below, low, thenSealed: true }) };
      }
    }
    // Why not from the start: records sealed since an earlier page was read came from the live index
    // then. A position orders the same in both indexes and every sealed record's comes after every
    // live one's, so the sealed index goes on after the last record returned from the live one.
    const sealedAfter = at.liveDone ? at.after : (into.kept ?? at.kept ?? '');
    const more = await sealedIndex(s, index, fromMs, toMs, sealedAfter, (seq, r) => seq > s.archivedThrough && seq <= (at.sealedMax ?? seq) && matches(r), top, into);
    return more ? { records: into.records, next: encodeCursor({ after: into.last ?? at.after, liveDone: true, ...(at.sealedMax !== undefined ? { sealedMax: at.sealedMax } : {}) }) } : { records: into.records };
  }

  /** The sealed store's index rows of one person, newest month first; true when the page filled first. */
  async function sealedIndex(s: Stretches, index: { by: IndexedBy; id: string }, fromMs: number | undefined, toMs: number | undefined, after: string, keep: (seq: number, r: AuditRecord) => boolean, top: number, into: Gathered): Promise<boolean> {
    if (s.sealedFromMs === undefined || s.sealedToMs === undefined || s.sealedThrough <= s.archivedThrough) return false;
    const upper = Math.min(toMs ?? Number.POSITIVE_INFINITY, s.sealedToMs, after === '' ? Number.POSITIVE_INFINITY : positionMs(after));
    const lower = Math.max(fromMs ?? Number.NEGATIVE_INFINITY, s.sealedFromMs);
    if (upper < lower) return false;
    const range = keys.audit.personRange(index.by, index.id, fromMs, toMs);
    const prefix = keys.audit.personRange(index.by, index.id).from;
    for (const month of monthsDescending(lower, upper)) {
      const table = await tables.table(keys.audit.peopleTable(index.by, month));
      if (await gather(table, range.partitionKey, prefix, range, after, keep, top, into)) return true;
    }
    return false;
  }

  async function page(query: AuditQuery, top: number, cursorText?: string): Promise<AuditPage> {
    const decoded = cursorText !== undefined ? decodeCursor(cursorText) : undefined;
    const live = await tables.table(AUDIT_TABLE);
    const [s, head] = await Promise.all([readStretches(tables, live), pointRead<AuditHeadEntity>(live, keys.audit.head)]);
    if (!head) return { records: [] };
    if (decoded === undefined || 'after' in decoded) {
      if (decoded || indexFor(query)) {
        const indexed = await indexedPage(s, head, query, top, decoded ?? { after: '', liveDone: false });
        if (indexed) return indexed;
        if (decoded) return { records: [] };
      }
    }
    const range = decoded && !('after' in decoded) ? decoded : await seqWindow(s, head, query);
    if (!range) return { records: [] };
    const narrowed = Object.keys(query).some((k) => k !== 'from' && k !== 'to');
    const records: AuditRecord[] = [];
    let next = range.below;
    let read = 0;
    // Unfiltered, a page is the `top` rows below the cursor; filtered, read wider stretches, up to the budget.
    let chunk = narrowed ? Math.max(top, 200) : top;
    while (next > range.low && records.length < top && read < READ_BUDGET) {
      const from = Math.max(range.low, next - chunk);
      const rows = await recordsDescending(s, from, next - 1, ['json']);
      read += next - from;
      let consumed = from;
      for (const [i, row] of rows.entries()) {
        const r = parseRecord(row);
        if (matchesAudit(r, query)) records.push(r);
        if (records.length === top) {
          consumed = next - 1 - i;
          break;
        }
      }
      next = consumed;
      chunk = Math.min(CHUNK_MAX, chunk * 2);
    }
    if (next > range.low) return { records, next: encodeCursor({ below: next, low: range.low, ...(range.thenSealed ? { thenSealed: true } : {}) }) };
    // A person's walk of the unindexed live records is done: the sealed store's index is next.
    if (range.thenSealed && s.sealedThrough > s.archivedThrough) return { records, next: encodeCursor({ after: '', liveDone: true, sealedMax: range.low - 1 }) };
    return { records };
  }

  async function get(id: string): Promise<AuditRecord | undefined> {
    const live = await tables.table(AUDIT_TABLE);
    const [s, marker] = await Promise.all([readStretches(tables, live), pointRead<{ seq?: unknown }>(live, keys.audit.marker(id), ['seq'])]);
    let seq = typeof marker?.seq === 'number' ? marker.seq : undefined;
    if (seq === undefined && s.sealedThrough > s.archivedThrough) {
      const sealed = await pointRead<{ seq?: unknown }>(await tables.table(keys.audit.sealedIdTable), keys.audit.sealedId(id), ['seq']);
      seq = typeof sealed?.seq === 'number' ? sealed.seq : undefined;
    }
    // Archived records have left the listings, and reads by id with them.
    if (seq === undefined || seq <= s.archivedThrough) return undefined;
    const row = await recordAt(s, seq, ['json']);
    const record = row ? parseRecord(row) : undefined;
    return record?.id === id ? record : undefined;
  }

  /** The window's stretch of the chain, oldest first, a range read at a time (never all in memory). */
  async function exportRange(range: { from?: string; to?: string }): Promise<AsyncIterable<ChainedAuditRecord>> {
    const s = await readStretches(tables);
    const head = await pointRead<AuditHeadEntity>(s.live, keys.audit.head);
    const stretch = await seqWindow(s, head, range, true);
    async function* records(): AsyncIterable<ChainedAuditRecord> {
      if (!stretch) return;
      for await (const e of recordRange(s, stretch.low, stretch.below - 1, ['seq', 'prevHash', 'hash', 'json'])) {
        yield { seq: e.seq, prevHash: e.prevHash, hash: e.hash, json: e.json };
      }
    }
    return records();
  }

  return { page, get, exportRange };
}
