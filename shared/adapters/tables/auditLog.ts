import type { AuditLog, AuditRecord } from '../../ports/audit';
import { keys } from './keys';
import type { TableAccess } from './tableAccess';

interface AuditEntity {
  partitionKey: string;
  rowKey: string;
  activityDateTime: string;
  json: string;
}

const TABLE = 'Audit';

/** Append-only audit in Table Storage: create-only writes, one partition per day. */
export function tableAuditLog(tables: TableAccess): AuditLog {
  return {
    async append(record) {
      const table = await tables.table(TABLE);
      await table.createEntity<AuditEntity>({
        ...keys.audit(record.activityDateTime, record.id),
        activityDateTime: record.activityDateTime,
        json: JSON.stringify(record),
      });
    },
    async list(filter = {}) {
      const table = await tables.table(TABLE);
      const out: AuditRecord[] = [];
      for await (const e of table.listEntities<AuditEntity>()) {
        if (filter.from && e.activityDateTime < filter.from) continue;
        if (filter.to && e.activityDateTime > filter.to) continue;
        out.push(JSON.parse(e.json) as AuditRecord);
      }
      return out.sort((a, b) => a.activityDateTime.localeCompare(b.activityDateTime) || a.id.localeCompare(b.id));
    },
  };
}
