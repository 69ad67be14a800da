import { app } from '@azure/functions';
import { reconcileSchedules } from '../../shared/app/reconcile';
import { deps } from '../composition';

// The schedule is an app setting (PIM_RECONCILE_SCHEDULE), resolved by the host from %...%.
app.timer('reconcile', {
  schedule: '%PIM_RECONCILE_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer, context) => {
    const report = await reconcileSchedules(deps());
    if (report.settled > 0 || report.failed.length > 0) {
      context.log(`Reconcile: settled ${report.settled}, failed ${report.failed.length}`);
      for (const f of report.failed) context.warn(`Reconcile failed for schedule ${f.scheduleId}: ${f.error}`);
    }
  },
});
