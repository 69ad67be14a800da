import type { PropertyValue } from './message';

export type MessageState = 'active' | 'deadlettered' | 'completed';
const STATES: readonly MessageState[] = ['active', 'deadlettered', 'completed'];

/** One message in one queue or subscription, with its delivery state. */
export interface StoredMessage {
  /** Key of the queue or subscription (the row's partition). */
  source: string;
  sequenceNumber: number;
  messageId: string;
  bodyText: string;
  bodyIsString: boolean;
  contentType?: string;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, PropertyValue>;
  enqueuedTimeUtc: string;
  scheduledEnqueueTimeUtc?: string;
  state: MessageState;
  deliveryCount: number;
  /** While a delivery runs: until when it holds the message. After a failure: the back-off's end. */
  lockedUntil?: string;
  /** The extension instance holding the lock; a lock of an instance that is gone is void. */
  lockOwner?: string;
  lockToken?: string;
  lastError?: string;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  settledTimeUtc?: string;
  /** Set on messages read from the table; updates pass it so a concurrent change is not overwritten. */
  etag?: string;
}

export type MessageRow = Record<string, unknown> & { partitionKey: string; rowKey: string };

const CHUNK = 30_000; // characters per string property (Table Storage allows 32K UTF-16 characters)
const MAX_TEXT = 4_000; // Service Bus caps dead-letter descriptions at 4096 characters

const OPTIONAL_TEXT = [
  'contentType',
  'subject',
  'correlationId',
  'scheduledEnqueueTimeUtc',
  'lockedUntil',
  'lockOwner',
  'lockToken',
  'lastError',
  'deadLetterReason',
  'deadLetterErrorDescription',
  'settledTimeUtc',
] as const;

export function toRow(m: StoredMessage, rowKey: string): MessageRow {
  const row: MessageRow = {
    partitionKey: m.source,
    rowKey,
    sequenceNumber: String(m.sequenceNumber),
    messageId: m.messageId,
    bodyIsString: m.bodyIsString,
    bodyChunks: Math.max(1, Math.ceil(m.bodyText.length / CHUNK)),
    enqueuedTimeUtc: m.enqueuedTimeUtc,
    state: m.state,
    deliveryCount: m.deliveryCount,
  };
  for (let i = 0; i === 0 || i * CHUNK < m.bodyText.length; i++) row[`body${i}`] = m.bodyText.slice(i * CHUNK, (i + 1) * CHUNK);
  if (m.applicationProperties) row.applicationProperties = JSON.stringify(m.applicationProperties);
  for (const field of OPTIONAL_TEXT) {
    const value = m[field];
    if (value !== undefined) row[field] = value.slice(0, MAX_TEXT);
  }
  return row;
}

/** Reads a row back, refusing one that is not a bus message rather than guessing. */
export function fromRow(row: MessageRow & { etag?: string }): StoredMessage {
  const fail = (why: string) => new Error(`Unreadable Service Bus row ${row.partitionKey}/${row.rowKey}: ${why}`);
  const text = (name: string): string => {
    const value = row[name];
    if (typeof value !== 'string') throw fail(`${name} is missing`);
    return value;
  };
  const state = row.state as MessageState;
  if (!STATES.includes(state)) throw fail(`state ${String(row.state)}`);
  const sequenceNumber = Number(text('sequenceNumber'));
  const deliveryCount = row.deliveryCount;
  if (!Number.isSafeInteger(sequenceNumber) || typeof deliveryCount !== 'number') throw fail('bad numbers');
  let bodyText = '';
  for (let i = 0; i < Number(row.bodyChunks ?? 1); i++) bodyText += text(`body${i}`);
  const message: StoredMessage = {
    source: row.partitionKey,
    sequenceNumber,
    messageId: text('messageId'),
    bodyText,
    bodyIsString: row.bodyIsString === true,
    enqueuedTimeUtc: text('enqueuedTimeUtc'),
    state,
    deliveryCount,
    etag: row.etag,
  };
  if (typeof row.applicationProperties === 'string') {
    message.applicationProperties = JSON.parse(row.applicationProperties) as Record<string, PropertyValue>;
  }
  for (const field of OPTIONAL_TEXT) {
    if (typeof row[field] === 'string') message[field] = row[field];
  }
  return message;
}

/** The body as the sender gave it. */
export function bodyValue(m: StoredMessage): unknown {
  return m.bodyIsString ? m.bodyText : JSON.parse(m.bodyText);
}
