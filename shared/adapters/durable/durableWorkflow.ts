import type { DurableClient } from 'durable-functions';
import type { ActivationWorkflow } from '../../ports/workflow';
import { ACTIVATION_ORCHESTRATOR } from './names';

/** ActivationWorkflow over Durable Functions: one orchestration per request, its id the request id. */
export function durableWorkflow(client: DurableClient): ActivationWorkflow {
  return {
    async start(requestId, input) {
      await client.startNew(ACTIVATION_ORCHESTRATOR, { instanceId: requestId, input });
    },
    async notify(requestId, event) {
      try {
        await client.raiseEvent(requestId, event, null);
      } catch {
        // The instance may have finished already; the stored decision is what counts.
      }
    },
  };
}
