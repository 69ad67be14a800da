import type { DomainEvent } from '../domain/events';

/** A webhook delivery that failed its last attempt, kept so an admin can see it and resend it. */
export interface WebhookDeadLetter {
  eventId: string;
  targetId: string;
  url: string;
  /** Attempts made, the last one included. */
  attempts: number;
  /** What the last attempt ended with (an HTTP status, a timeout, a network error). */
  lastError: string;
  deadLetteredAt: string;
  event: DomainEvent;
}

/** Where deliveries that ran out of attempts end up. */
export interface WebhookDeadLetterStore {
  /**
   * Records the dead letter. Idempotent on (eventId, targetId): the final attempt may run more
   * than once (the queue delivers at least once), and a repeat must not add a second record.
   */
  add(deadLetter: WebhookDeadLetter): Promise<void>;
  /** All dead letters, oldest first. */
  list(): Promise<WebhookDeadLetter[]>;
}
