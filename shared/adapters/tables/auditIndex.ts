import { odata, type TableClient } from '@azure/data-tables';
import type { AuditQuery, AuditRecord } from '../../ports/audit';
import type { JsonValue } from './auditChain';
import { keys } from './keys';

/**
 * The history index: finding one person's records without walking the chain. Each record gets a
 * row per person it names, who did it (`p`, initiatedBy.user.id) and each target (`t`,
 * targetResources[].id), keyed newest first by the record's chain time (atMs) and seq, holding a
 * copy of the record's JSON so a page is one row-key range read.
 *
 * Why in the chain's partition: the rows commit in the record's own transaction (auditLog.ts), so
 * nothing is indexed that was not chained and nothing chained goes unindexed. The copy is not
 * trusted on its own: the chain holds the hashed original, and `matchesAudit` re-checks every row.
 */
export type IndexedBy = 'p' | 't';

export type IndexRow = {
  partitionKey: string;
  rowKey: string;
  seq: number;
  json: string;
};

/** Index rows per record at most (a transaction holds 100 actions, two of them the record and its marker, one the head). */
export const MAX_INDEX_ROWS = 97;

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const member = (value: JsonValue | undefined, key: string): JsonValue | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;

/** The people a stored record names, each once: its initiating user and its targets' ids. */
export function indexedIds(record: JsonValue): Array<{ by: IndexedBy; id: string }> {
  const out: Array<{ by: IndexedBy; id: string }> = [];
  const principal = text(member(member(member(record, 'initiatedBy'), 'user'), 'id'));
  if (principal) out.push({ by: 'p', id: principal.toLowerCase() });
  const targets = member(record, 'targetResources');
  const seen = new Set<string>();
  for (const target of Array.isArray(targets) ? targets : []) {
    const id = text(member(target, 'id'))?.toLowerCase();
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    out.push({ by: 't', id });
  }
  return out;
}

/** The index rows of one chained record (its JSON text as stored, its seq and its row's atMs). */
export function indexRows(json: string, record: JsonValue, seq: number, atMs: number): IndexRow[] {
  const rows = indexedIds(record).map(({ by, id }) => ({ ...keys.audit.index(by, id, atMs, seq), seq, json }));
  if (rows.length > MAX_INDEX_ROWS) throw new Error(`Audit record at seq ${seq} names ${rows.length} people; at most ${MAX_INDEX_ROWS} fit in one chain transaction.`);
  return rows;
}

/** Which index answers a query: the initiating user's when given, else the target's; undefined when neither narrows it. */
export function indexFor(query: AuditQuery): { by: IndexedBy; id: string } | undefined {
  if (query.initiatedByUserId !== undefined) return { by: 'p', id: query.initiatedByUserId };
  if (query.targetResourceId !== undefined) return { by: 't', id: query.targetResourceId };
  return undefined;
}

export interface IndexStretch {
  records: AuditRecord[];
  /** The row key of the last row read, when more rows may follow (the page filled or the read budget ran out). */
  lastRowKey?: string;
}

/**
 * Up to `top` matching records from one person's index rows, newest first, after `after` (a row
 * key from a previous stretch). The range covers atMs in [from, to + lagMs] (auditReads.ts says
 * why lagMs), so a record whose own time is in the window is in it; `matchesAudit` drops the rest.
 */
export async function readIndex(
  table: TableClient,
  index: { by: IndexedBy; id: string },
  window: { fromMs?: number; toMs?: number; lagMs: number },
  top: number,
  budget: number,
  matches: (r: AuditRecord) => boolean,
  after?: string,
): Promise<IndexStretch> {
  const range = keys.audit.indexRange(index.by, index.id, window.fromMs, window.toMs === undefined ? undefined : window.toMs + window.lagMs);
  const lower = after !== undefined && after > range.from ? after : range.from;
  const filter =
    after !== undefined && after >= range.from
      ? odata`PartitionKey eq ${keys.audit.partition} and RowKey gt ${lower} and RowKey le ${range.to}`
      : odata`PartitionKey eq ${keys.audit.partition} and RowKey ge ${lower} and RowKey le ${range.to}`;
  const records: AuditRecord[] = [];
  let read = 0;
  let last: string | undefined;
  // Pages no larger than the answer needs: a narrow query reads a few rows, a sparse one reads more per request.
  const pages = table.listEntities<IndexRow>({ queryOptions: { filter, select: ['RowKey', 'json'] } }).byPage({ maxPageSize: Math.min(1_000, Math.max(top, 100)) });
  for await (const rows of pages) {
    for (const row of rows) {
      read++;
      last = row.rowKey;
      const record = JSON.parse(row.json) as AuditRecord;
      if (matches(record)) records.push(record);
      if (records.length === top || read >= budget) return { records, lastRowKey: last };
    }
  }
  return { records };
}
