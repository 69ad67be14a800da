import { app } from '@azure/functions';
import { notify } from '../../shared/app/notifications/notify';
import { config } from '../../shared/config';
import { parseEvent } from '../../shared/domain/events';
import { deps } from '../composition';

/**
 * Mails the people the role's notification rules name for each domain event. Idempotent per
 * (event, recipient), so Service Bus's at-least-once delivery never mails anyone twice; a
 * failed send throws, and the redelivery retries only the recipients not yet mailed.
 */
app.serviceBusTopic('notifyByMail', {
  connection: 'PIM_SERVICEBUS_CONNECTION',
  topicName: '%PIM_EVENTS_TOPIC%',
  subscriptionName: 'mail',
  handler: async (message, context) => {
    const event = parseEvent(message);
    const settings = config();
    const report = await notify({ ...deps(), publicBaseUrl: settings.PIM_PUBLIC_BASE_URL }, event);
    if (report.sent.length > 0) context.log(`Mail for ${event.type} ${event.id}: sent to ${report.sent.length} recipient(s)`);
  },
});
