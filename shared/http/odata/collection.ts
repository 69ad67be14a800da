import { HttpError } from '../graphErrors';
import { evaluate } from './filter';
import type { ODataQuery } from './query';

export interface Page<T> {
  value: T[];
  count?: number;
  /** Opaque token for the next page, when there is one. */
  nextSkipToken?: string;
}

const DEFAULT_PAGE = 100;

/**
 * Filters, counts and pages a collection. Pages are cut by key (the item after the last key
 * seen), not by offset, so a page boundary stays put while other items are added or removed.
 */
export function pageOf<T extends object>(items: T[], query: ODataQuery, keyOf: (item: T) => string): Page<T> {
  const filter = query.filter;
  const matching = filter ? items.filter((item) => evaluate(filter, item as Record<string, unknown>)) : items;
  const sorted = [...matching].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const after = query.skipToken !== undefined ? decodeSkipToken(query.skipToken) : undefined;
  const rest = after === undefined ? sorted : sorted.filter((item) => keyOf(item) > after);
  const size = query.top ?? DEFAULT_PAGE;
  const value = rest.slice(0, size);
  const last = value[value.length - 1];
  return {
    value,
    count: query.count ? matching.length : undefined,
    nextSkipToken: rest.length > size && last ? encodeSkipToken(keyOf(last)) : undefined,
  };
}

export function encodeSkipToken(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

function decodeSkipToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof parsed.k === 'string') return parsed.k;
  } catch {
    // reported below
  }
  throw new HttpError('BadRequest', 'Invalid $skiptoken: use the @odata.nextLink of the previous page as it is.', 400);
}

/** Keeps only the selected properties (plus id and @odata.type, as Graph does). */
export function project(item: object, select: string[] | undefined): Record<string, unknown> {
  if (!select) return { ...item };
  const wanted = new Set(select.map((s) => s.toLowerCase()));
  return Object.fromEntries(
    Object.entries(item).filter(([k]) => wanted.has(k.toLowerCase()) || k === 'id' || k === '@odata.type'),
  );
}
