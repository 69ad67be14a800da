import { app } from '@azure/functions';
import { watchBreakGlassSignIns } from '../../shared/app/alerts/breakGlass';
import { deps } from '../composition';

/**
 * Polls the sign-in logs for sign-ins by break-glass accounts (PIM_BREAK_GLASS_WATCH_SCHEDULE,
 * every minute by default) and raises a high-severity incident for each, mailed to admins.
 */
app.timer('breakGlassWatch', {
  schedule: '%PIM_BREAK_GLASS_WATCH_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer, context) => {
    const raised = await watchBreakGlassSignIns(deps());
    if (raised > 0) context.warn(`Break-glass account sign-ins: ${raised} new`);
  },
});
