import { odata } from '@azure/data-tables';
import type { BreakGlassAccount, BreakGlassAccounts } from '../../ports/breakGlass';
import { escapeKey } from './keys';
import type { TableOutbox } from './outbox';
import { statusCodeOf, type TableAccess } from './tableAccess';

const PARTITION = 'breakGlass';
const ROW_PREFIX = 'account|';
type AccountEntity = { partitionKey: string; rowKey: string; json: string };

/**
 * The break-glass list: `fromSettings` (PIM_BREAK_GLASS_ACCOUNTS, object ids) plus rows in one
 * partition of the Alerts table, written with their audit through the outbox.
 */
export function tableBreakGlassAccounts(tables: TableAccess, outbox: TableOutbox, fromSettings: readonly string[]): BreakGlassAccounts {
  const configured = new Set(fromSettings.map((id) => id.toLowerCase()));
  const rowKey = (id: string) => `${ROW_PREFIX}${escapeKey(id.toLowerCase())}`;
  const table = () => tables.table('Alerts');
  return {
    async list() {
      const out: BreakGlassAccount[] = [...configured].map((id) => ({ id, source: 'setting', addedDateTime: null, addedBy: null }));
      const filter = odata`PartitionKey eq ${PARTITION} and RowKey ge ${ROW_PREFIX} and RowKey lt ${`${ROW_PREFIX}~`}`;
      for await (const e of (await table()).listEntities<AccountEntity>({ queryOptions: { filter } })) {
        const account = JSON.parse(e.json) as BreakGlassAccount;
        if (!configured.has(account.id)) out.push(account);
      }
      return out;
    },
    async isBreakGlass(principalId) {
      if (configured.has(principalId.toLowerCase())) return true;
      try {
        await (await table()).getEntity(PARTITION, rowKey(principalId));
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 404) return false;
        throw error;
      }
    },
    async add(account, changes) {
      if (configured.has(account.id.toLowerCase())) return false;
      try {
        await outbox.submit('Alerts', PARTITION, [['create', { partitionKey: PARTITION, rowKey: rowKey(account.id), json: JSON.stringify({ ...account, id: account.id.toLowerCase() }) }]], changes);
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
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 404) return false;
        throw error;
      }
    },
  };
}
