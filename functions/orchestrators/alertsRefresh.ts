import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { ALERTS_REFRESH_ACTIVITIES, ALERTS_REFRESH_ORCHESTRATOR } from '../../shared/adapters/durable/names';
import type { AlertRefreshInput } from '../../shared/ports/workflow';

/**
 * One admin's refresh of the PIM alerts, in the background (the API answered 202 already): the
 * scan as one activity, retried when its worker is lost or it throws (it is idempotent: incidents
 * are keyed, writes conditional); if every attempt fails, the operation ends failed with why.
 */
df.app.orchestration(ALERTS_REFRESH_ORCHESTRATOR, function* (context: OrchestrationContext) {
  const input = context.df.getInput() as AlertRefreshInput;
  try {
    yield context.df.callActivityWithRetry(ALERTS_REFRESH_ACTIVITIES.scan, new df.RetryOptions(5_000, 3), input);
    return 'done';
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    yield context.df.callActivityWithRetry(ALERTS_REFRESH_ACTIVITIES.fail, new df.RetryOptions(5_000, 5), { input, reason });
    return 'failed';
  }
});
