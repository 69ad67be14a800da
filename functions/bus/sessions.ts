import { app } from '@azure/functions';
import { revokeSessionsOnEarlyEnd } from '../../shared/app/sessionRevocation';
import { parseEvent } from '../../shared/domain/events';
import { deps } from '../composition';

/**
 * Revokes the user's sign-in sessions when a directory role or group membership ends early and
 * its policy asks for it (shared/app/sessionRevocation.ts), where the removal did not already:
 * its call failed, or it was recorded before the directory let go of the role. The
 * subscription's rule (SESSIONS_SUBSCRIPTION_FILTER) brings only such early ends. A failure
 * (Graph throttling after the client's own retries, an outage) throws, so the bus delivers the
 * event again, up to the subscription's maxDeliveryCount, then keeps it dead-lettered.
 */
app.serviceBusTopic('revokeSessionsOnEarlyEnd', {
  connection: 'PIM_SERVICEBUS_CONNECTION',
  topicName: '%PIM_EVENTS_TOPIC%',
  subscriptionName: 'sessions',
  handler: async (message, context) => {
    const event = parseEvent(message);
    const outcome = await revokeSessionsOnEarlyEnd(deps(), event);
    if (outcome === 'revoked') context.log(`Sign-in sessions of ${event.subject.principalId ?? '?'} revoked after ${event.type} ${event.id}`);
  },
});
