import { parseEvent } from '../../domain/events';
import type { WebhookDeadLetter, WebhookDeadLetterStore } from '../../ports/webhooks';
import { escapeKey } from './keys';
import type { TableAccess } from './tableAccess';

const TABLE = 'WebhookDeadLetters';

/** One row per (event, target); plain columns so an operator can read them in Storage Explorer. */
type WebhookDeadLetterEntity = {
  partitionKey: string;
  rowKey: string;
  eventId: string;
  targetId: string;
  url: string;
  attempts: number;
  lastError: string;
  deadLetteredAt: string;
  /** The event as JSON (a string property holds up to 64 KiB). */
  event: string;
};

export function toDeadLetterEntity(d: WebhookDeadLetter): WebhookDeadLetterEntity {
  return {
    partitionKey: escapeKey(d.eventId),
    rowKey: escapeKey(d.targetId),
    eventId: d.eventId,
    targetId: d.targetId,
    url: d.url,
    attempts: d.attempts,
    lastError: d.lastError,
    deadLetteredAt: d.deadLetteredAt,
    event: JSON.stringify(d.event),
  };
}

export function fromDeadLetterEntity(e: WebhookDeadLetterEntity): WebhookDeadLetter {
  const fields = [e.eventId, e.targetId, e.url, e.lastError, e.deadLetteredAt, e.event];
  if (fields.some((f) => typeof f !== 'string') || !Number.isInteger(e.attempts)) {
    throw new Error(`Malformed webhook dead letter ${e.partitionKey}/${e.rowKey}`);
  }
  return {
    eventId: e.eventId,
    targetId: e.targetId,
    url: e.url,
    attempts: e.attempts,
    lastError: e.lastError,
    deadLetteredAt: e.deadLetteredAt,
    event: parseEvent(e.event),
  };
}

/** Webhook dead letters in Table storage, keyed by (event id, target id). */
export function tableWebhookDeadLetterStore(tables: TableAccess): WebhookDeadLetterStore {
  return {
    async add(deadLetter) {
      const table = await tables.table(TABLE);
      // Why upsert: the final attempt can run twice (at-least-once queue); the repeat rewrites
      // the same row instead of failing or adding another.
      await table.upsertEntity(toDeadLetterEntity(deadLetter), 'Replace');
    },
    async list() {
      const table = await tables.table(TABLE);
      const out: WebhookDeadLetter[] = [];
      for await (const e of table.listEntities<WebhookDeadLetterEntity>()) out.push(fromDeadLetterEntity(e));
      return out.sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt));
    },
  };
}
