import { EVENT_TYPES, type EventType } from './events';

/**
 * Webhook targets: a role policy's extension property `pimWebhooks` lists where that role's
 * domain events are also sent (a Teams or Slack channel, or any receiver of signed JSON).
 */

export const WEBHOOK_FORMATS = ['teams', 'slack', 'json'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface WebhookTarget {
  /** Stable name of the target within its policy; part of retry message ids and dead-letter keys. */
  id: string;
  url: string;
  format: WebhookFormat;
  /** The event types to send; null sends all. */
  events: EventType[] | null;
  /** Name of an HMAC key from settings (PIM_WEBHOOK_KEYS); required for format json, absent otherwise. */
  signingKeyName: string | null;
}

export const MAX_WEBHOOK_TARGETS = 10;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const FIELDS = new Set(['id', 'url', 'format', 'events', 'signingKeyName']);
// Why: plain http is allowed only where the payload never leaves the machine (local development);
// anywhere else it would expose the event (and a Teams/Slack URL's secret) on the wire.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface ParsedWebhookTargets {
  /** The items that are valid; use them only when `problems` is empty. */
  targets: WebhookTarget[];
  /** One sentence per problem, naming the item (pimWebhooks[i]) and what to change. */
  problems: string[];
}

/**
 * Validates a policy's `pimWebhooks` as sent by an admin. Absent (undefined or null) means no
 * targets. Every problem is reported at once, so one round trip fixes them all.
 */
export function parseWebhookTargets(value: unknown, knownKeyNames: string[]): ParsedWebhookTargets {
  if (value === undefined || value === null) return { targets: [], problems: [] };
  if (!Array.isArray(value)) {
    return { targets: [], problems: ['pimWebhooks must be an array of webhook targets, e.g. [{"id": "ops", "url": "https://...", "format": "teams"}].'] };
  }
  if (value.length > MAX_WEBHOOK_TARGETS) {
    // Not parsed further: an oversized list could otherwise produce an unbounded list of problems.
    return { targets: [], problems: [`pimWebhooks has ${value.length} targets; at most ${MAX_WEBHOOK_TARGETS} are allowed per policy, so remove ${value.length - MAX_WEBHOOK_TARGETS}.`] };
  }
  const problems: string[] = [];
  const targets: WebhookTarget[] = [];
  const seenIds = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const parsed = parseTarget(item, `pimWebhooks[${index}]`, knownKeyNames);
    problems.push(...parsed.problems);
    const id = parsed.id;
    if (id === undefined) return;
    const first = seenIds.get(id);
    if (first !== undefined) {
      problems.push(`pimWebhooks[${index}].id "${id}" is already used by pimWebhooks[${first}]; give each target its own id.`);
      return;
    }
    seenIds.set(id, index);
    if (parsed.target) targets.push(parsed.target);
  });
  return { targets, problems };
}

/** True when the target asked for events of this type. */
export function wantsEvent(target: WebhookTarget, type: EventType): boolean {
  return target.events === null || target.events.includes(type);
}

/** One item; `id` is returned whenever it is valid, so duplicates are found even among broken items. */
function parseTarget(item: unknown, at: string, knownKeyNames: string[]): { id?: string; target?: WebhookTarget; problems: string[] } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { problems: [`${at} must be an object with id, url and format (and optionally events and signingKeyName).`] };
  }
  const fields = item as Record<string, unknown>;
  // Why: a misspelt "events" would otherwise silently mean "all events" and leak more than intended.
  const unknown = Object.keys(fields).filter((k) => !FIELDS.has(k));
  const problems = unknown.map((k) => `${at} has an unknown property "${k}"; the allowed ones are ${[...FIELDS].join(', ')}.`);
  const id = checkId(fields.id, at, problems);
  const url = checkUrl(fields.url, at, problems);
  const format = checkFormat(fields.format, at, problems);
  const events = checkEvents(fields.events, at, problems);
  const signingKeyName = format === undefined ? undefined : checkSigningKey(fields.signingKeyName, format, at, knownKeyNames, problems);
  if (problems.length > 0 || id === undefined || url === undefined || format === undefined || events === undefined || signingKeyName === undefined) {
    return { id, problems };
  }
  return { id, target: { id, url, format, events, signingKeyName }, problems };
}

function checkId(value: unknown, at: string, problems: string[]): string | undefined {
  if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
  problems.push(`${at}.id must be 1-64 characters of letters, digits, "_" or "-" (e.g. "ops-teams").`);
  return undefined;
}

function checkUrl(value: unknown, at: string, problems: string[]): string | undefined {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return url.href;
  problems.push(`${at}.url must be an https URL (http is accepted only for 127.0.0.1, localhost or [::1] during local development).`);
  return undefined;
}

function checkFormat(value: unknown, at: string, problems: string[]): WebhookFormat | undefined {
  if (WEBHOOK_FORMATS.includes(value as WebhookFormat)) return value as WebhookFormat;
  problems.push(`${at}.format must be one of ${WEBHOOK_FORMATS.map((f) => `"${f}"`).join(', ')}.`);
  return undefined;
}

/** null or absent: all events; otherwise a non-empty list of known event types (duplicates dropped). */
function checkEvents(value: unknown, at: string, problems: string[]): EventType[] | null | undefined {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`${at}.events must be a non-empty array of event types, or null (or left out) for all events.`);
    return undefined;
  }
  const unknown = value.filter((t) => !EVENT_TYPES.includes(t as EventType));
  if (unknown.length > 0) {
    problems.push(`${at}.events has unknown event types ${unknown.map((t) => JSON.stringify(t)).join(', ')}; known ones are ${EVENT_TYPES.join(', ')}.`);
    return undefined;
  }
  return [...new Set(value as EventType[])];
}

/** Why: JSON receivers can trust a payload only if it is signed; chat formats are not verified by their receivers. */
function checkSigningKey(value: unknown, format: WebhookFormat, at: string, knownKeyNames: string[], problems: string[]): string | null | undefined {
  if (format !== 'json') {
    if (value === undefined || value === null) return null;
    problems.push(`${at}.signingKeyName is only used with format "json"; remove it from this ${format} target.`);
    return undefined;
  }
  if (typeof value === 'string' && knownKeyNames.includes(value)) return value;
  const known = knownKeyNames.length > 0 ? `one of ${knownKeyNames.map((k) => `"${k}"`).join(', ')}` : 'a key name, but none is configured yet: add one to the PIM_WEBHOOK_KEYS setting first';
  const what = typeof value === 'string' ? `"${value}" is not a configured signing key` : 'is required for format "json"';
  problems.push(`${at}.signingKeyName ${what}; use ${known}.`);
  return undefined;
}
