export interface ServiceBusOptions {
  /** Deliveries of one message before it is dead-lettered (Service Bus default: 10). */
  maxDeliveryCount?: number;
  /** A failed message is redelivered after this many ms times its delivery count (default 100). */
  retryBackoffMs?: number;
  /** A second send with the same messageId to the same entity within this window is dropped (default 10 min). */
  duplicateDetectionWindowMs?: number;
  /** Messages of one queue or subscription handled at once (default 4). */
  concurrency?: number;
  /** How long a delivery holds its message before another delivery may take it (default 5 min). */
  lockDurationMs?: number;
  /** How long stop() waits for running invocations (default 10 s). */
  stopTimeoutMs?: number;
  /** Completed messages older than this are deleted at start (default 24 h); they only feed the counts. */
  completedRetentionMs?: number;
  /**
   * Subscriptions that take only some of their topic's messages: the SQL filter of each one's
   * rule, as infra declares it (a subscription not named here takes every message, like one
   * with Service Bus's default rule). A filter devhost cannot evaluate fails the start.
   */
  filters?: SubscriptionFilter[];
}

export interface SubscriptionFilter {
  topic: string;
  subscription: string;
  /** Service Bus SQL filter syntax (the subset in sqlFilter.ts). */
  sql: string;
}

export type BusSettings = Required<Omit<ServiceBusOptions, 'filters'>>;

const defaults: BusSettings = {
  maxDeliveryCount: 10,
  retryBackoffMs: 100,
  duplicateDetectionWindowMs: 10 * 60_000,
  concurrency: 4,
  lockDurationMs: 5 * 60_000,
  stopTimeoutMs: 10_000,
  completedRetentionMs: 24 * 60 * 60_000,
};

/** Fills in defaults and refuses nonsense early, naming the option. */
export function resolveOptions(options: ServiceBusOptions): BusSettings {
  const settings = { ...defaults };
  for (const key of Object.keys(defaults) as Array<keyof BusSettings>) {
    const value = options[key];
    if (value === undefined) continue;
    const atLeast = key === 'maxDeliveryCount' || key === 'concurrency' ? 1 : 0;
    if (!Number.isInteger(value) || value < atLeast) {
      throw new RangeError(`ServiceBusExtension option ${key} must be an integer >= ${atLeast} (got ${String(value)}).`);
    }
    settings[key] = value;
  }
  return settings;
}
