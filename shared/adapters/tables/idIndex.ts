import type { TransactionAction } from '@azure/data-tables';
import { keys } from './keys';
import { statusCodeOf, type TableAccess } from './tableAccess';

export const ID_INDEX_TABLE = 'Ids';

/** Where a stored item lives: its partition, and for a live schedule the row that holds it. */
export interface Location {
  partitionKey: string;
  /** A schedule's live row (where it sits while live; it moves to its own row when it ends). */
  liveRow?: string;
}

type IndexEntity = { partitionKey: string; rowKey: string; at: string; live?: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Entries kept in memory: an id's location never changes, so a cached one is never stale. */
const CACHE_LIMIT = 20_000;

/**
 * The id index: a point read finds where a request, schedule or approval lives, whatever the
 * history. Entries are written (create-only) before the rows they point at; an entry whose row
 * never appeared (the write after it failed) reads as "not found".
 */
export class IdIndex {
  private readonly cache = new Map<string, Location>();

  constructor(private readonly tables: TableAccess) {}

  /** Whether this process has seen the id (indexed or found it): such an id's rows exist. */
  knows(id: string): boolean {
    return this.cache.has(id.toLowerCase());
  }

  /**
   * Indexes one id unless it is indexed already: true when this call created the entry (the id
   * is new), false when it was there (the id exists).
   */
  async claim(id: string, location: Location): Promise<boolean> {
    if (this.knows(id)) return false;
    const table = await this.tables.table(ID_INDEX_TABLE);
    const key = keys.idIndex(id);
    try {
      await table.createEntity({ ...key, at: location.partitionKey, ...(location.liveRow ? { live: location.liveRow } : {}) });
      return true;
    } catch (error) {
      if (statusCodeOf(error) !== 409) throw error;
      return false;
    } finally {
      this.remember(id, location);
    }
  }

  /** Indexes the ids (one transaction per index partition); ids already indexed are skipped. */
  async add(entries: Array<{ id: string; location: Location }>): Promise<void> {
    const fresh = entries.filter((e) => !this.cache.has(e.id.toLowerCase()));
    if (fresh.length === 0) return;
    const table = await this.tables.table(ID_INDEX_TABLE);
    const byPartition = new Map<string, TransactionAction[]>();
    for (const { id, location } of fresh) {
      const key = keys.idIndex(id);
      const entity: IndexEntity = { ...key, at: location.partitionKey, ...(location.liveRow ? { live: location.liveRow } : {}) };
      byPartition.set(key.partitionKey, [...(byPartition.get(key.partitionKey) ?? []), ['create', entity]]);
    }
    for (const actions of byPartition.values()) {
      try {
        await table.submitTransaction(actions);
      } catch (error) {
        // Already indexed (a retried write): each entry is created once and never changes.
        if (statusCodeOf(error) !== 409) throw error;
        if (actions.length > 1) await this.addOneByOne(actions);
      }
    }
    for (const { id, location } of fresh) this.remember(id, location);
  }

  private async addOneByOne(actions: TransactionAction[]): Promise<void> {
    const table = await this.tables.table(ID_INDEX_TABLE);
    for (const [, entity] of actions) {
      try {
        await table.createEntity(entity);
      } catch (error) {
        if (statusCodeOf(error) !== 409) throw error;
      }
    }
  }

  async find(id: string): Promise<Location | undefined> {
    // Why: every id this app makes is a GUID; anything else is not here (and never reaches a key).
    if (!GUID.test(id)) return undefined;
    const cached = this.cache.get(id.toLowerCase());
    if (cached) return cached;
    const key = keys.idIndex(id);
    const table = await this.tables.table(ID_INDEX_TABLE);
    try {
      const e = await table.getEntity<IndexEntity>(key.partitionKey, key.rowKey);
      const location: Location = { partitionKey: e.at, ...(e.live ? { liveRow: e.live } : {}) };
      this.remember(id, location);
      return location;
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  private remember(id: string, location: Location): void {
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(id.toLowerCase(), location);
  }
}
