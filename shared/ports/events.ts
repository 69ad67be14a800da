import type { DomainEvent } from '../domain/events';

/**
 * Publishes domain events to the events topic (Service Bus in production, devhost's bus
 * locally). The message id is the event id, so a replay after a crash is dropped by the
 * bus's duplicate detection and consumers see each event once per delivery attempt.
 */
export interface EventPublisher {
  publish(events: DomainEvent[]): Promise<void>;
}

/** A message for one of the app's own queues (e.g. a webhook retry), optionally delivered later. */
export interface QueuedMessage {
  messageId: string;
  body: unknown;
  /** Not delivered before this time. */
  scheduledEnqueueTime?: Date;
}

/** Sends to a named queue of the app's Service Bus namespace. */
export interface MessageSender {
  send(queue: string, messages: QueuedMessage[]): Promise<void>;
}
