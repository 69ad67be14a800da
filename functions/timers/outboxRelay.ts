import { app } from '@azure/functions';
import { deps } from '../composition';

/**
 * Publishes the events whose writer could not (crashed between its commit and its publish, or
 * the bus was down). Publishing is idempotent by event id, so racing the writer is harmless.
 */
app.timer('outboxRelay', {
  schedule: '%PIM_OUTBOX_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer, context) => {
    const report = await deps().outbox.sweep();
    if (report.published > 0 || report.failed > 0) context.log(`Outbox: published ${report.published}, failed ${report.failed}`);
  },
});
