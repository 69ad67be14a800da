import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { reconcile } from '../../shared/app/reconcile';
import { config } from '../../shared/config';
import { deps, workflowFor } from '../composition';

// The schedule is an app setting (PIM_RECONCILE_SCHEDULE), resolved by the host from %...%.
app.timer('reconcile', {
  schedule: '%PIM_RECONCILE_SCHEDULE%',
  runOnStartup: false,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    const settings = config();
    const report = await reconcile({
      ...deps(),
      workflow: workflowFor(context),
      expiryNotice: { activationMinutes: settings.PIM_EXPIRY_NOTICE_MINUTES, days: settings.PIM_ELIGIBILITY_EXPIRY_NOTICE_DAYS },
    });
    const changed = report.settled + report.timedOut + report.escalated + report.expiryNotices + report.revocationAlerts;
    if (changed > 0 || report.failed.length > 0) {
      context.log(`Reconcile: settled ${report.settled}, timed out ${report.timedOut}, escalated ${report.escalated}, expiry notices ${report.expiryNotices}, revocation alerts ${report.revocationAlerts}, failed ${report.failed.length}`);
      for (const f of report.failed) context.warn(`Reconcile failed for ${f.subject}: ${f.error}`);
    }
  },
});
