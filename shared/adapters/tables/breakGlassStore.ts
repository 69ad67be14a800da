import { odata } from '@azure/data-tables';
import type { BreakGlassAccount, BreakGlassAccounts } from '../../ports/breakGlass';
import { escapeKey } from './keys';
import type { TableOutbox } from './outbox';
import { statusCodeOf, type TableAccess } from './tableAccess';

const PARTITION = 'breakGlass';
const ROW_PREFIX = 'account|';
/** The API-listed accounts' rows. */
const LISTED = odata`PartitionKey eq ${PARTITION} and RowKey ge ${ROW_PREFIX} and RowKey lt ${`${ROW_PREFIX}~`}`;
type AccountEntity = { partitionKey: string; rowKey: string; json: string };

/**
 * How long this process trusts its copy of the API-listed accounts. Why: every removal asks
 * whether its principal is a break-glass account, and a read each time is a table request on
 * the activate+remove path (issue 10's budget). The list changes rarely; a change made through
 * this process is seen at once, one made on another instance within this time.
 */
export const BREAK_GLASS_CACHE_MS = 30_000;

/**
 * The break-glass list: `fromSettings` (PIM_BREAK_GLASS_ACCOUNTS, object ids) plus rows in one
 * partition of the Alerts table, written with their audit through the outbox.
 */
export function tableBreakGlassAccounts(tables: TableAccess, outbox: TableOutbox, fromSettings: readonly string[]): BreakGlassAccounts {
  const configured = new Set(fromSettings.map((id) => id.toLowerCase()));
  const rowKey = (id: string) => `${ROW_PREFIX}${escapeKey(id.toLowerCase())}`;
  const table = () => tables.table('Alerts');
  let cached: { ids: Set<string>; at: number } | undefined;
  /** Bumped by every change made here: a read begun before one is not kept as the copy. */
  let generation = 0;
  const changed = () => {
    generation++;
    cached = undefined;
  };
  async function apiListed(): Promise<Set<string>> {
    if (cached && Date.now() - cached.at < BREAK_GLASS_CACHE_MS) return cached.ids;
    const at = Date.now();
    const readAt = generation;
    const ids = new Set<string>();
    for await (const e of (await table()).listEntities<AccountEntity>({ queryOptions: { filter: LISTED, select: ['json'] } })) {
      ids.add((JSON.parse(e.json) as BreakGlassAccount).id.toLowerCase());
    }
    if (readAt === generation) cached = { ids, at };
    return ids;
  }
  return {
    async list() {
      const out: BreakGlassAccount[] = [...configured].map((id) => ({ id, source: 'setting', addedDateTime: null, addedBy: null }));
        for await (const e of (await table()).listEntities<AccountEntity>({ queryOptions: { filter: LISTED } })) {
        const account = JSON.parse(e.json) as BreakGlassAccount;
        if (!configured.has(account.id)) out.push(account);
      }
      return out;
    },
    async isBreakGlass(principalId) {
      if (configured.has(principalId.toLowerCase())) return true;
      return (await apiListed()).has(principalId.toLowerCase());
    },
    async add(account, changes) {
      if (configured.has(account.id.toLowerCase())) return false;
      try {
        await outbox.submit('Alerts', PARTITION, [['create', { partitionKey: PARTITION, rowKey: rowKey(account.id), json: JSON.stringify({ ...account, id: account.id.toLowerCase() }) }]], changes);
        changed();
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 409) return false;
        throw error;
      }
    },
    async remove(id, changes) {
      try {
        await (await table()).getEntity<AccountEntity>(PARTITION, rowKey(id));
        await outbox.submit('Alerts', PARTITION, [['delete', { partitionKey: PARTITION, rowKey: rowKey(id) }]], changes);
        changed();
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 404) return false;
        throw error;
      }
    },
  };
}
