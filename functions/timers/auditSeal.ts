import { app } from '@azure/functions';
import { deps } from '../composition';

/**
 * Seals the audit chain's older records (shared/adapters/tables/auditSeal.ts): by default every
 * five minutes (PIM_AUDIT_SEAL_SCHEDULE), so the live partition every append writes into holds about PIM_AUDIT_SEAL_KEEP_LIVE
 * records plus the last hour's. A pass with nothing old enough costs three point reads.
 */
app.timer('auditSeal', {
  schedule: '%PIM_AUDIT_SEAL_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer, context) => {
    const { auditSeal, clock } = deps();
    const moved = await auditSeal.seal(clock.now());
    if (moved > 0) context.log(`Audit seal: ${moved} records moved out of the live partition`);
  },
});
