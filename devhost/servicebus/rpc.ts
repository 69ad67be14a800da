import type { RpcTypedData } from '../core/registry';
import { bodyValue, type StoredMessage } from './rows';

/**
 * The trigger's input as the host hands it to the Node worker. The worker JSON-parses string
 * data when it can, so a JSON body arrives as the value, plain text as the string. A string
 * that itself parses as JSON (e.g. "123") goes as JSON text instead: a sender using
 * @azure/service-bus JSON-encodes every body, so in Azure the function gets the string back.
 */
export function bodyData(m: StoredMessage, many: boolean): RpcTypedData {
  if (many) return { json: JSON.stringify([bodyValue(m)]) };
  if (!m.bodyIsString) return { json: m.bodyText };
  return parsesAsJson(m.bodyText) ? { json: JSON.stringify(m.bodyText) } : { string: m.bodyText };
}

/**
 * The trigger metadata the host sends with a Service Bus message. The host converts each value
 * with its ToRpc: strings as `string`, everything else (numbers, dates, dictionaries) as `json`;
 * @azure/functions then camel-cases the keys (MessageId -> messageId) and nested keys.
 * For cardinality 'many' every key becomes <Key>Array with one element per message.
 */
export function triggerMetadata(m: StoredMessage, many: boolean): Record<string, RpcTypedData> {
  const properties = m.applicationProperties ?? {};
  const texts: Record<string, string | undefined> = {
    MessageId: m.messageId,
    LockToken: m.lockToken,
    ContentType: m.contentType,
    CorrelationId: m.correlationId,
    Subject: m.subject,
    Label: m.subject,
  };
  const others: Record<string, unknown> = {
    DeliveryCount: m.deliveryCount,
    // A .NET DateTime: JSON-serialized, so the function gets the ISO string.
    EnqueuedTimeUtc: m.enqueuedTimeUtc,
    SequenceNumber: m.sequenceNumber,
    ApplicationProperties: properties,
    UserProperties: properties,
  };
  const out: Record<string, RpcTypedData> = {};
  for (const [key, value] of [...Object.entries(texts), ...Object.entries(others)]) {
    if (value === undefined) continue;
    if (many) out[`${key}Array`] = { json: JSON.stringify([value]) };
    else out[key] = typeof value === 'string' && key in texts ? { string: value } : { json: JSON.stringify(value) };
  }
  return out;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
