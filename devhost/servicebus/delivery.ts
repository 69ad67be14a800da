import { randomUUID } from 'node:crypto';
import type { HostContext } from '../core/extension';
import { errorText } from './errors';
import type { BusSettings } from './options';
import type { StoredMessage } from './rows';
import { bodyData, triggerMetadata } from './rpc';
import type { BusStore } from './store';
import type { Consumer } from './triggers';

export interface DeliveryDeps {
  store: BusStore;
  host: HostContext;
  settings: BusSettings;
  /** This extension instance; written on the locks it takes. */
  runId: string;
}

/**
 * Takes a message for one delivery: counts the attempt and locks it, conditional on the ETag it
 * was read with. The count is written before the function runs, so an attempt cut short by a
 * crash still counts. Undefined when the message changed meanwhile.
 */
export async function lockMessage(m: StoredMessage, deps: DeliveryDeps): Promise<StoredMessage | undefined> {
  return deps.store.replace({
    ...m,
    deliveryCount: m.deliveryCount + 1,
    lockOwner: deps.runId,
    lockToken: randomUUID(),
    lockedUntil: new Date(Date.now() + deps.settings.lockDurationMs).toISOString(),
  });
}

/** Runs the consumer on a locked message, then completes, abandons or dead-letters it. */
export async function deliver(locked: StoredMessage, consumer: Consumer, deps: DeliveryDeps): Promise<void> {
  const { host, settings } = deps;
  const result = await host.invoke(
    consumer.fn,
    {
      inputData: [{ name: consumer.triggerName, data: bodyData(locked, consumer.many) }],
      triggerMetadata: triggerMetadata(locked, consumer.many),
      retryContext: { retryCount: locked.deliveryCount - 1, maxRetryCount: settings.maxDeliveryCount - 1 },
    },
    host.logger,
  );
  const unlocked = { ...locked, lockOwner: undefined, lockToken: undefined, lockedUntil: undefined };
  let settled: StoredMessage | undefined;
  if (result.ok) {
    settled = await deps.store.replace({ ...unlocked, state: 'completed', settledTimeUtc: new Date().toISOString() });
  } else if (locked.deliveryCount >= settings.maxDeliveryCount) {
    settled = await deadLetter(locked, errorText(result.error), deps);
  } else {
    // Abandoned: delivered again once a back-off that grows with each attempt has passed.
    const retryAt = Date.now() + settings.retryBackoffMs * locked.deliveryCount;
    settled = await deps.store.replace({
      ...unlocked,
      lockedUntil: new Date(retryAt).toISOString(),
      lastError: errorText(result.error),
    });
  }
  if (!settled) {
    host.logger.warn(
      `Service Bus: message ${locked.messageId} was taken by another delivery while '${consumer.fn.metadata.name}' ran; its outcome is not recorded.`,
    );
  }
}

/** Moves a message to the dead-letter state, where it stays visible. */
export async function deadLetter(
  m: StoredMessage,
  description: string,
  deps: DeliveryDeps,
): Promise<StoredMessage | undefined> {
  const dead = await deps.store.replace({
    ...m,
    state: 'deadlettered',
    lockOwner: undefined,
    lockToken: undefined,
    lockedUntil: undefined,
    deadLetterReason: 'MaxDeliveryCountExceeded',
    deadLetterErrorDescription: description,
    settledTimeUtc: new Date().toISOString(),
  });
  if (dead) {
    deps.host.logger.warn(
      `Service Bus: message ${m.messageId} dead-lettered after ${m.deliveryCount} deliveries: ${description}`,
    );
  }
  return dead;
}
