import type { DurableClient } from 'durable-functions';
import type { ActivationWorkflow, AlertRefreshWorkflow } from '../../ports/workflow';
import { currentTraceparent } from '../telemetry/tracing';
import { ACTIVATION_ORCHESTRATOR, ALERTS_REFRESH_ORCHESTRATOR } from './names';

/**
 * ActivationWorkflow over Durable Functions: one orchestration per request, its id the request
 * id. `warn` gets a line for an event that could not be delivered (the invocation's logger).
 */
export function durableWorkflow(client: DurableClient, warn: (message: string) => void = (m) => console.warn(m)): ActivationWorkflow {
  return {
    async start(requestId, input) {
      const traceparent = currentTraceparent();
      await client.startNew(ACTIVATION_ORCHESTRATOR, { instanceId: requestId, input: traceparent ? { ...input, traceparent } : input });
    },
    async notify(requestId, event, data) {
      try {
        await client.raiseEvent(requestId, event, data ?? null);
      } catch (error) {
        // A finished instance is not an error (the client takes 410 as done). Anything else is
        // a workflow that sleeps on: the stored state stands and the reconcile timer acts on it,
        // but an operator should see why the workflow lagged.
        warn(`raising '${event}' to the workflow of request ${requestId} failed; the reconcile timer will act on the stored state. ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}

/** AlertRefreshWorkflow over Durable Functions: one orchestration per refresh, its id the run id. */
export function durableAlertRefresh(client: DurableClient): AlertRefreshWorkflow {
  return {
    async start(input) {
      await client.startNew(ALERTS_REFRESH_ORCHESTRATOR, { instanceId: input.runId, input });
    },
  };
}
