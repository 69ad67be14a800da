import { app } from '@azure/functions';
import { policyForEvents } from '../../shared/app/policies';
import { deliverWebhook, deliveriesFor, WEBHOOK_RETRY_QUEUE, type WebhookDelivery, type WebhookDeps } from '../../shared/app/webhooks/deliver';
import { config } from '../../shared/config';
import { parseEvent } from '../../shared/domain/events';
import { deps } from '../composition';

function webhookDeps(): WebhookDeps {
  const d = deps();
  const settings = config();
  return {
    sender: d.bus.sender,
    deadLetters: d.webhookDeadLetters,
    clock: d.clock,
    signer: d.webhookSigner,
    maxAttempts: settings.PIM_WEBHOOK_MAX_ATTEMPTS,
    firstBackoffMs: settings.PIM_WEBHOOK_FIRST_RETRY_SECONDS * 1000,
  };
}

/**
 * Sends each domain event to the webhook targets of its role's policy (`pimWebhooks`). A failed
 * delivery is retried later through a scheduled message on its own queue, so one slow receiver
 * never holds back the others or the event's other consumers.
 */
app.serviceBusTopic('webhookFanout', {
  connection: 'PIM_SERVICEBUS_CONNECTION',
  topicName: '%PIM_EVENTS_TOPIC%',
  subscriptionName: 'webhooks',
  handler: async (message, context) => {
    const event = parseEvent(message);
    const policy = await policyForEvents(deps(), event.subject.target);
    const wd = webhookDeps();
    for (const delivery of deliveriesFor(event, policy.pimWebhooks ?? [])) {
      const outcome = await deliverWebhook(wd, delivery);
      if (outcome !== 'delivered') context.warn(`Webhook ${delivery.target.id} for ${event.type} ${event.id}: ${outcome}`);
    }
  },
});

/** A later attempt of one delivery (backoff by scheduled message; dead-lettered after the last). */
app.serviceBusQueue('webhookRetry', {
  connection: 'PIM_SERVICEBUS_CONNECTION',
  queueName: WEBHOOK_RETRY_QUEUE,
  handler: async (message, context) => {
    const delivery = (typeof message === 'string' ? JSON.parse(message) : message) as WebhookDelivery;
    const outcome = await deliverWebhook(webhookDeps(), { ...delivery, event: parseEvent(delivery.event) });
    context.log(`Webhook ${delivery.target.id} attempt ${delivery.attempt}: ${outcome}`);
  },
});
