import { odata } from '@azure/data-tables';
import type { NotificationLog } from '../../ports/notifications';
import { escapeKey } from './keys';
import { statusCodeOf, type TableAccess } from './tableAccess';

const TABLE = 'NotificationsSent';
type SentEntity = { partitionKey: string; rowKey: string; eventId: string; recipient: string; summary: string };

/** One create-only row per (event, recipient) in the event's partition. */
export function tableNotificationLog(tables: TableAccess): NotificationLog {
  const key = (eventId: string, recipient: string) => ({ partitionKey: escapeKey(eventId), rowKey: escapeKey(recipient.toLowerCase()) });
  return {
    async claim(eventId, recipient, summary) {
      const table = await tables.table(TABLE);
      try {
        await table.createEntity<SentEntity>({ ...key(eventId, recipient), eventId, recipient, summary });
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 409) return false;
        throw error;
      }
    },
    async release(eventId, recipient) {
      const table = await tables.table(TABLE);
      const k = key(eventId, recipient);
      await table.deleteEntity(k.partitionKey, k.rowKey).catch((error: unknown) => {
        if (statusCodeOf(error) !== 404) throw error;
      });
    },
    async list(eventId) {
      const table = await tables.table(TABLE);
      const queryOptions = eventId ? { filter: odata`PartitionKey eq ${escapeKey(eventId)}` } : {};
      const out: Array<{ eventId: string; recipient: string; summary: string }> = [];
      for await (const e of table.listEntities<SentEntity>({ queryOptions })) out.push({ eventId: e.eventId, recipient: e.recipient, summary: e.summary });
      return out;
    },
  };
}
