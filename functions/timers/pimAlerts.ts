import { app } from '@azure/functions';
import { endLostRefreshes } from '../../shared/app/alerts/alertsApi';
import { scanAlerts } from '../../shared/app/alerts/scan';
import { deps } from '../composition';

/**
 * Scans PIM's security alerts (roles assigned outside PIM, too many Global Administrators, no
 * MFA on activation, stale accounts, unused roles, frequent renewals, too few break-glass
 * accounts) against live work and records new and resolved incidents. It reads every live
 * eligibility and assignment and the directory's role assignments, so it runs on its own
 * schedule (PIM_ALERTS_SCHEDULE), apart from the every-minute reconcile pass. It also ends
 * admins' refreshes whose background run was lost, so none shows running for ever.
 */
app.timer('pimAlerts', {
  schedule: '%PIM_ALERTS_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer, context) => {
    for (const id of await endLostRefreshes(deps())) context.warn(`PIM alerts: refresh ${id} made no progress and was marked failed`);
    const report = await scanAlerts(deps());
    const raised = Object.entries(report.raised).map(([name, n]) => `${name} ${n}`);
    if (raised.length > 0) context.log(`PIM alerts: new incidents: ${raised.join(', ')}`);
    for (const f of report.failed) context.warn(`PIM alert ${f.alert} not scanned: ${f.error}`);
  },
});
