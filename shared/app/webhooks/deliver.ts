import type { DomainEvent } from '../../domain/events';
import { wantsEvent, type WebhookTarget } from '../../domain/webhooks';
import type { MessageSender } from '../../ports/events';
import type { Signer } from '../../ports/signer';
import type { WebhookDeadLetterStore } from '../../ports/webhooks';
import { renderWebhook } from './render';

/** The queue later attempts wait on (scheduled messages give the backoff). */
export const WEBHOOK_RETRY_QUEUE = 'pim-webhook-retries';

/** One attempt to send one event to one target; the body of a retry message. */
export interface WebhookDelivery {
  event: DomainEvent;
  target: WebhookTarget;
  /** 1-based. */
  attempt: number;
}

export interface WebhookDeps {
  sender: MessageSender;
  deadLetters: WebhookDeadLetterStore;
  clock: { now(): Date };
  /** Signs JSON targets' payloads with the key each names (PIM_WEBHOOK_KEYS). */
  signer: Signer;
  /** Attempts before a delivery is dead-lettered (the first one included). */
  maxAttempts: number;
  fetch?: typeof fetch;
  /** How long one attempt may take; 10 s by default. */
  timeoutMs?: number;
  /** Wait before the second attempt (doubling after); 30 s by default. */
  firstBackoffMs?: number;
}

export type DeliveryOutcome = 'delivered' | 'retryScheduled' | 'deadLettered';

const DEFAULT_TIMEOUT_MS = 10_000;
const FIRST_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 3_600_000;
/** Characters of a receiver's error answer kept in the dead letter. */
const MAX_ERROR_BODY = 200;

/** Wait before attempt `attempt + 1`: 30 s, 1 min, 2 min, ... doubling, at most 1 hour. */
export function backoffMs(attempt: number, firstMs = FIRST_BACKOFF_MS): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(firstMs * 2 ** (n - 1), MAX_BACKOFF_MS);
}

/** The first attempts for an event: one per target that asked for its type. */
export function deliveriesFor(event: DomainEvent, targets: WebhookTarget[]): WebhookDelivery[] {
  return targets.filter((target) => wantsEvent(target, event.type)).map((target) => ({ event, target, attempt: 1 }));
}

/**
 * Makes one attempt. On failure it schedules the next attempt as a message (so the caller never
 * waits out a backoff) or, after the last one, records a dead letter. Safe to run twice for the
 * same attempt: the retry message id and the dead letter's key are both derived from
 * (event, target, attempt), so a replay is deduplicated.
 */
export async function deliverWebhook(deps: WebhookDeps, delivery: WebhookDelivery): Promise<DeliveryOutcome> {
  const failure = await attempt(deps, delivery);
  if (failure === undefined) return 'delivered';
  if (delivery.attempt < deps.maxAttempts) {
    await scheduleRetry(deps, delivery);
    return 'retryScheduled';
  }
  await deps.deadLetters.add({
    eventId: delivery.event.id,
    targetId: delivery.target.id,
    url: delivery.target.url,
    attempts: delivery.attempt,
    lastError: failure,
    deadLetteredAt: deps.clock.now().toISOString(),
    event: delivery.event,
  });
  return 'deadLettered';
}

/** POSTs once; undefined on a 2xx, otherwise what went wrong, in words for the dead letter. */
async function attempt(deps: WebhookDeps, { event, target }: WebhookDelivery): Promise<string | undefined> {
  if (target.format === 'json' && !(target.signingKeyName !== null && deps.signer.hasKey(target.signingKeyName))) return `The signing key "${target.signingKeyName ?? ''}" is not configured (PIM_WEBHOOK_KEYS).`;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const { body, headers } = renderWebhook(target, event, deps.signer, deps.clock.now());
    const response = await (deps.fetch ?? fetch)(target.url, {
      method: 'POST',
      headers,
      body,
      // Why: following a redirect could carry the payload to a host nobody configured (or to http).
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    return `HTTP ${response.status}${await errorDetail(response)}`;
  } catch (error) {
    return describeError(error, timeoutMs);
  }
}

/** Why the receiver said no: the redirect target, or the start of its answer (Slack says e.g. "invalid_token"). */
async function errorDetail(response: Response): Promise<string> {
  if (response.status >= 300 && response.status < 400) return ` (redirect to ${response.headers.get('location') ?? 'nowhere'} not followed)`;
  const text = (await readStart(response)).trim().replace(/\s+/g, ' ');
  if (!text) return '';
  return `: ${text.length > MAX_ERROR_BODY ? `${text.slice(0, MAX_ERROR_BODY)}…` : text}`;
}

/** At most a few KB of the body: a receiver may answer with anything, of any size. */
async function readStart(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // Best effort: the status already says it failed.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `No response within ${timeoutMs} ms.`;
  if (!(error instanceof Error)) return String(error);
  // fetch reports network failures as TypeError("fetch failed") with the reason in `cause`.
  const cause = error.cause instanceof Error ? `: ${(error.cause as Error & { code?: string }).code ?? error.cause.message}` : '';
  return `${error.message}${cause}`;
}

async function scheduleRetry(deps: WebhookDeps, delivery: WebhookDelivery): Promise<void> {
  const next: WebhookDelivery = { ...delivery, attempt: delivery.attempt + 1 };
  await deps.sender.send(WEBHOOK_RETRY_QUEUE, [
    {
      // Why: a crash after sending replays this attempt; the same id lets the bus drop the copy.
      messageId: `${delivery.event.id}:${delivery.target.id}:${next.attempt}`,
      body: next,
      scheduledEnqueueTime: new Date(deps.clock.now().getTime() + backoffMs(delivery.attempt, deps.firstBackoffMs)),
    },
  ]);
}
