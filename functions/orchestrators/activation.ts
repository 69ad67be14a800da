import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { ACTIVATION_ORCHESTRATOR, ACTIVITIES } from '../../shared/adapters/durable/names';
import type { GrantResult, StageResult } from '../../shared/app/activationSteps';
import type { ActivationEventData, ActivationState, ActivationWorkflowInput } from '../../shared/ports/workflow';

/**
 * One activation, start to end: wait for each approval stage (decision, cancellation or the
 * stage's timeout), wait for the start, grant, wait for the end (or a deactivation, removal or
 * extension), revoke. Deterministic: time from the context, every effect an idempotent
 * activity, and the stored state (read by the activities) is the decision of record.
 */
df.app.orchestration(ACTIVATION_ORCHESTRATOR, function* (context: OrchestrationContext) {
  const input = context.df.getInput() as ActivationWorkflowInput;
  const { requestId } = input;
  // What every activity gets: the request, and the trace of the HTTP request that started it.
  const step = { requestId, ...(input.traceparent ? { traceparent: input.traceparent } : {}) };

  let approvedAll = input.stageTimeoutsMinutes.length === 0;
  for (let stage = 0; stage < input.stageTimeoutsMinutes.length && !approvedAll; stage++) {
    const deadline = new Date(context.df.currentUtcDateTime.getTime() + (input.stageTimeoutsMinutes[stage] ?? 0) * 60_000);
    for (;;) {
      const decided = context.df.waitForExternalEvent('approvalDecided');
      const canceled = context.df.waitForExternalEvent('canceled');
      const timeout = context.df.createTimer(deadline);
      const winner = yield context.df.Task.any([decided, canceled, timeout]);
      if (winner !== timeout) timeout.cancel();
      // Retried: a lost activity here would leave a decided request waiting forever.
      const result: StageResult = yield context.df.callActivityWithRetry(ACTIVITIES.settleStage, new df.RetryOptions(1_000, 5), { ...step, stage, timedOut: winner === timeout });
      if (result === 'pending') continue;
      if (result === 'stageApproved') break;
      if (result === 'approved') {
        approvedAll = true;
        break;
      }
      return result;
    }
  }

  const start = new Date(input.startDateTime);
  if (start.getTime() > context.df.currentUtcDateTime.getTime()) yield context.df.createTimer(start);

  // The state the request stored, carried to the grant when nothing (no approval) changed it since.
  let state: ActivationState | undefined = input.stageTimeoutsMinutes.length === 0 ? input.state : undefined;
  let known: { end: string | null } | undefined;
  try {
    const granted: GrantResult = yield context.df.callActivityWithRetry(ACTIVITIES.grant, new df.RetryOptions(2_000, 5), { ...step, ...(state ? { state } : {}) });
    if (granted === 'gone') return 'gone';
    if (granted !== 'granted') {
      known = { end: granted.end };
      state = granted.state;
    }
  } catch {
    yield context.df.callActivity(ACTIVITIES.fail, step);
    return 'failed';
  }

  for (;;) {
    // The grant told the end; after an extension the stored one is read again.
    const end: string | null = known ? known.end : yield context.df.callActivity(ACTIVITIES.currentEnd, step);
    known = undefined;
    if (end === null) break;
    const timer = context.df.createTimer(new Date(end));
    const stop = context.df.waitForExternalEvent('stop');
    const extended = context.df.waitForExternalEvent('extended');
    const winner = yield context.df.Task.any([timer, stop, extended]);
    if (winner !== timer) timer.cancel();
    // Removed and settled by the remover (role taken back and recorded): nothing left to do.
    if (winner === stop && (stop.result as ActivationEventData | null)?.settled === true) return 'ended';
    if (winner !== extended) break;
    state = undefined;
  }
  // Carried only while nothing but the clock moved it since the grant wrote it.
  yield context.df.callActivityWithRetry(ACTIVITIES.revoke, new df.RetryOptions(5_000, 10), { ...step, ...(state ? { state } : {}) });
  return 'ended';
});
