import { odata } from '@azure/data-tables';
import type { AlertRecord, AlertStore } from '../../ports/alerts';
import { escapeKey } from './keys';
import { statusCodeOf, type TableAccess } from './tableAccess';

const TABLE = 'Alerts';
type AlertEntity = { partitionKey: string; rowKey: string; json: string };

/** Alerts, one row per (type, subject), create-only so each is raised once. */
export function tableAlertStore(tables: TableAccess): AlertStore {
  return {
    async raise(alert) {
      const table = await tables.table(TABLE);
      try {
        await table.createEntity<AlertEntity>({ partitionKey: escapeKey(alert.type), rowKey: escapeKey(alert.subjectId), json: JSON.stringify(alert) });
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 409) return false;
        throw error;
      }
    },
    async list(type) {
      const table = await tables.table(TABLE);
      const out: AlertRecord[] = [];
      const queryOptions = type ? { filter: odata`PartitionKey eq ${escapeKey(type)}` } : {};
      for await (const e of table.listEntities<AlertEntity>({ queryOptions })) out.push(JSON.parse(e.json) as AlertRecord);
      return out;
    },
  };
}
