import * as df from 'durable-functions';
import { ACTIVITIES } from '../../shared/adapters/durable/names';
import { inSpan, SCHEDULE_REQUEST_ID } from '../../shared/adapters/telemetry/tracing';
import { currentEnd, endActivation, grantActivation, revokeActivation, settleStage } from '../../shared/app/activationSteps';
import { deps } from '../composition';
import type { ActivationState } from '../../shared/ports/workflow';

/**
 * What the orchestrator hands an activity: the request and the trace it belongs to. A bare
 * request id is what orchestrations started before traces were carried still replay with.
 */
type StepInput = string | { requestId: string; traceparent?: string; state?: ActivationState };

/** Registers an activity whose work runs in a span of the request's trace. */
function activity<I extends StepInput, R>(name: string, work: (requestId: string, input: I) => Promise<R>): void {
  df.app.activity(name, {
    handler: (input: I) => {
      const { requestId, traceparent } = typeof input === 'string' ? { requestId: input, traceparent: undefined } : input;
      return inSpan(`activity.${name}`, { parent: traceparent, attributes: { [SCHEDULE_REQUEST_ID]: requestId } }, () => work(requestId, input));
    },
  });
}

activity(ACTIVITIES.settleStage, (requestId, input: { requestId: string; traceparent?: string; stage: number; timedOut: boolean }) => settleStage(deps(), requestId, input.stage, input.timedOut));

activity(ACTIVITIES.grant, (requestId, input: StepInput) => grantActivation(deps(), requestId, typeof input === 'string' ? undefined : input.state));

activity(ACTIVITIES.fail, (requestId) => endActivation(deps(), requestId, 'Failed', 'The role could not be granted in the directory.'));

activity(ACTIVITIES.currentEnd, (requestId) => currentEnd(deps(), requestId));

activity(ACTIVITIES.revoke, (requestId, input: StepInput) => revokeActivation(deps(), requestId, typeof input === 'string' ? undefined : input.state));
