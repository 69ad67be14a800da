import type { AuditQuery } from '../../ports/audit';
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
