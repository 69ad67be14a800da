import { app } from '@azure/functions';
import { runAccessReviews } from '../../shared/app/accessReviews/instances';
import { deps } from '../composition';

/**
 * Access reviews on schedule (PIM_ACCESS_REVIEWS_SCHEDULE): starts instances, reminds reviewers
 * halfway, and ends instances (default decisions, then auto-apply). It reads only the review
 * work the due index holds for now, never every definition.
 */
app.timer('accessReviews', {
  schedule: '%PIM_ACCESS_REVIEWS_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer, context) => {
    const report = await runAccessReviews(deps());
    if (report.started + report.reminded + report.ended > 0 || report.failed.length > 0) {
      context.log(`Access reviews: started ${report.started}, reminded ${report.reminded}, ended ${report.ended}, failed ${report.failed.length}`);
      for (const f of report.failed) context.warn(`Access review step failed for ${f.subject}: ${f.error}`);
    }
  },
});
