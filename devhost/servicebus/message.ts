import { BusError } from './errors';

export type PropertyValue = string | number | boolean | null;

/** A message as a sender hands it over (the subset of @azure/service-bus's ServiceBusMessage devhost keeps). */
export interface OutgoingMessage {
  /** Any JSON value. */
  body: unknown;
  /** Up to 128 characters; a new GUID when absent. Used for duplicate detection. */
  messageId?: string;
  contentType?: string;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, PropertyValue>;
  /** Not delivered before this time. */
  scheduledEnqueueTimeUtc?: string | Date;
}

/** A checked message: its body already serialized, its time parsed. */
export interface ValidMessage {
  messageId?: string;
  bodyText: string;
  bodyIsString: boolean;
  contentType?: string;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, PropertyValue>;
  scheduledEnqueueTimeUtc?: string;
}

/** Service Bus Standard's message size limit; a bigger body fails in Azure too. */
export const MAX_BODY_BYTES = 256 * 1024;
const STRING_FIELDS = ['messageId', 'contentType', 'subject', 'correlationId'] as const;
const KNOWN = new Set<string>(['body', ...STRING_FIELDS, 'applicationProperties', 'scheduledEnqueueTimeUtc']);

/** Checks one message; `where` names it in errors (e.g. "message 2"). */
export function validateMessage(input: unknown, where: string): ValidMessage {
  const bad = (message: string) => new BusError(400, 'InvalidMessage', `${where}: ${message}`);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('expected an object {"body": ...}.');
  const m = input as Record<string, unknown>;
  const unknown = Object.keys(m).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw bad(`unknown properties ${unknown.join(', ')}; allowed: ${[...KNOWN].join(', ')}.`);
  if (!('body' in m) || m.body === undefined) throw bad('"body" is required (any JSON value).');
  for (const field of STRING_FIELDS) {
    if (m[field] !== undefined && (typeof m[field] !== 'string' || m[field] === '')) {
      throw bad(`"${field}" must be a non-empty string.`);
    }
  }
  if (typeof m.messageId === 'string' && m.messageId.length > 128) throw bad('"messageId" is longer than 128 characters.');
  const bodyText = serializeBody(m.body, bad);
  if (Buffer.byteLength(bodyText) > MAX_BODY_BYTES) {
    throw new BusError(413, 'MessageSizeExceeded', `${where}: the body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  return {
    messageId: m.messageId as string | undefined,
    bodyText,
    bodyIsString: typeof m.body === 'string',
    contentType: m.contentType as string | undefined,
    subject: m.subject as string | undefined,
    correlationId: m.correlationId as string | undefined,
    applicationProperties: checkProperties(m.applicationProperties, bad),
    scheduledEnqueueTimeUtc: checkTime(m.scheduledEnqueueTimeUtc, bad),
  };
}

/** Strings are kept as they are; every other body as its JSON text. */
function serializeBody(body: unknown, bad: (message: string) => BusError): string {
  if (typeof body === 'string') return body;
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw bad(`the body cannot be serialized as JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (text === undefined) throw bad('the body must be a JSON value.');
  return text;
}

function checkProperties(value: unknown, bad: (message: string) => BusError) {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('"applicationProperties" must be an object.');
  }
  for (const [key, v] of Object.entries(value)) {
    // Why: Service Bus application properties are primitives; nested objects fail in Azure.
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
      throw bad(`application property "${key}" must be a string, number, boolean or null.`);
    }
  }
  return value as Record<string, PropertyValue>;
}

function checkTime(value: unknown, bad: (message: string) => BusError): string | undefined {
  if (value === undefined) return undefined;
  const time = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw bad('"scheduledEnqueueTimeUtc" must be an ISO 8601 date-time.');
  return new Date(time).toISOString();
}

let lastSequence = 0;
/**
 * Increasing within the process and, being time-based, across restarts, so row keys keep
 * enqueue order. Copies of a topic message share one number.
 */
export function nextSequenceNumber(): number {
  lastSequence = Math.max(lastSequence + 1, Date.now() * 1000);
  return lastSequence;
}
