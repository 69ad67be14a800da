import { app } from '@azure/functions';
import { archiveOldAuditRecords } from '../../shared/app/auditRetention';
import { config } from '../../shared/config';
import { deps } from '../composition';

/**
 * The audit retention policy (PIM_AUDIT_ARCHIVE_AFTER_DAYS; unset keeps everything live). Daily at
 * 02:30 UTC: a fixed schedule, as the policy is in days and a run does nothing when it is off.
 */
app.timer('auditArchive', {
  schedule: '0 30 2 * * *',
  runOnStartup: false,
  handler: async (_timer, context) => {
    const moved = await archiveOldAuditRecords(deps(), config().PIM_AUDIT_ARCHIVE_AFTER_DAYS);
    if (moved > 0) context.log(`Audit retention: ${moved} records archived`);
  },
});
