import { app } from '@azure/functions';
import { detectRolesAssignedOutsidePim } from '../../shared/app/reconcile';
import { config } from '../../shared/config';
import { deps } from '../composition';

/**
 * Compares the directory's role assignments with PIM's live schedules and records each one PIM
 * did not make (RolesAssignedOutsidePimAlert). It reads every live assignment, so it runs on its
 * own schedule (PIM_ALERTS_SCHEDULE), apart from the every-minute reconcile pass.
 */
app.timer('outsidePimAlerts', {
  schedule: '%PIM_ALERTS_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer, context) => {
    const settings = config();
    const raised = await detectRolesAssignedOutsidePim({
      ...deps(),
      expiryNotice: { activationMinutes: settings.PIM_EXPIRY_NOTICE_MINUTES, days: settings.PIM_ELIGIBILITY_EXPIRY_NOTICE_DAYS },
    });
    if (raised > 0) context.log(`Roles assigned outside PIM: ${raised} new`);
  },
});
