import * as df from 'durable-functions';
import { ALERTS_REFRESH_ACTIVITIES } from '../../shared/adapters/durable/names';
import { failRefresh, runRefresh } from '../../shared/app/alerts/alertsApi';
import type { AlertRefreshInput } from '../../shared/ports/workflow';
import { deps } from '../composition';

/** The refresh's scan (shared/app/alerts/alertsApi.ts runRefresh); the operation tells how it went. */
df.app.activity(ALERTS_REFRESH_ACTIVITIES.scan, {
  handler: async (input: AlertRefreshInput) => (await runRefresh(deps(), input))?.status ?? 'superseded',
});

/** Every attempt of the scan failed: the operation ends failed, with the last reason. */
df.app.activity(ALERTS_REFRESH_ACTIVITIES.fail, {
  handler: async ({ input, reason }: { input: AlertRefreshInput; reason: string }) => (await failRefresh(deps(), input, reason))?.status ?? 'superseded',
});
