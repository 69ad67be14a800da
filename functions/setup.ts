/**
 * App-wide settings for the Node worker. Not a trigger; the host loads it with the others
 * (package.json "main" globs functions/), before the worker asks for its capabilities.
 *
 * HTTP streaming: without it, the Functions host forwards a request body to the worker only
 * when the request declares a Content-Length (host `ToRpcHttp`, issue #4926), so a POST or
 * PATCH sent chunked would reach the function with an empty body. With it, the host proxies
 * the raw request to the worker (ports 55000-55025) and every body arrives, however framed.
 * Needs host 4.28 or later; shared/http/graphHandler.ts reads bodies as streams, with its limit.
 */
import { app } from '@azure/functions';
import { startAzureMonitor } from '../shared/adapters/telemetry/azureMonitor';
import { approvalGuard } from './composition';

app.setup({ enableHttpStream: true });

// Traces to Application Insights when the deployment has it (APPLICATIONINSIGHTS_CONNECTION_STRING).
startAzureMonitor().catch((error: unknown) => console.error(`PIM start-up: Application Insights tracing did not start: ${error instanceof Error ? error.message : String(error)}`));

// Why at start-up: an operator reading the log after a deploy learns at once that approval
// links will refuse decisions (and why), not from the first approver who complains.
app.hook.appStart(() => {
  const guard = approvalGuard();
  if (!guard.served) console.error(`PIM start-up check: ${guard.reason}`);
});
