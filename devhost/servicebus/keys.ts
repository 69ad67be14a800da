/**
 * Table keys for the bus. Service Bus names are case-insensitive, so keys use the lower-cased
 * name; '~' cannot occur in a Service Bus name, so it separates the parts unambiguously.
 */
export function encodeKey(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what Table keys forbid.
  return value.replace(/[%/\\#?\u0000-\u001f\u007f-\u009f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const queueKey = (name: string) => encodeKey(`queue~${name.toLowerCase()}`);
export const topicKey = (name: string) => encodeKey(`topic~${name.toLowerCase()}`);
export const subscriptionKey = (topic: string, name: string) =>
  encodeKey(`subscription~${topic.toLowerCase()}~${name.toLowerCase()}`);

/** Row keys order messages by sequence number (16 digits hold the time-based numbers until 2286). */
export const messageRowKey = (sequenceNumber: number) => String(sequenceNumber).padStart(16, '0');
