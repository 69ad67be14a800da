import type { AlertName } from '../domain/alerts';
import type { Caller } from '../domain/caller';
import type { Schedule, ScheduleRequest } from '../domain/schedules';

/** The durable workflow behind each activation request (one instance per request, keyed by its id). */
export interface ActivationWorkflow {
  start(requestId: string, input: ActivationWorkflowInput): Promise<void>;
  /**
   * Wakes the workflow; the decision of record is always in storage, so a lost event only delays
   * it. `data` tells it what the sender has done already (see ActivationEventData).
   */
  notify(requestId: string, event: ActivationEvent, data?: ActivationEventData): Promise<void>;
}

export type ActivationEvent = 'approvalDecided' | 'canceled' | 'stop' | 'extended';

export interface ActivationEventData {
  /**
   * With 'stop': the sender has taken the role back and recorded it (the schedule is settled),
   * so the workflow has nothing left to do.
   */
  settled?: boolean;
}

/**
 * An activation as a step last wrote it, with the versions of its rows, carried to the next step
 * so that step need not read it again. Only a hint: a step whose write finds a version stale
 * reads the stored state and decides again.
 */
export interface ActivationState {
  request: ScheduleRequest;
  schedule: Schedule;
  /** The slot row's ETag. */
  version: string;
  /** The request row's ETag. */
  requestVersion?: string;
}

export interface ActivationWorkflowInput {
  requestId: string;
  stageTimeoutsMinutes: number[];
  startDateTime: string;
  /** The W3C traceparent of the request that started it, so its activities join that trace. */
  traceparent?: string;
  /** The activation as the request stored it (for the first step after it). */
  state?: ActivationState;
}

/** What a background alerts refresh is handed: the operation it reports on, its run, what to scan and for whom. */
export interface AlertRefreshInput {
  operationId: string;
  /** The run's own id (its durable instance id); the operation names the run that owns it. */
  runId: string;
  names: AlertName[];
  /** The admin who asked: the "Refresh PIM alert" audit records name them. */
  refreshedBy: Caller;
}

/** Runs alert refreshes in the background, so the API answers 202 before the scan. */
export interface AlertRefreshWorkflow {
  start(input: AlertRefreshInput): Promise<void>;
}
