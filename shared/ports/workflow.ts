/** The durable workflow behind each activation request (one instance per request, keyed by its id). */
export interface ActivationWorkflow {
  start(requestId: string, input: ActivationWorkflowInput): Promise<void>;
  /** Wakes the workflow; the decision of record is always in storage, so a lost event only delays it. */
  notify(requestId: string, event: ActivationEvent): Promise<void>;
}

export type ActivationEvent = 'approvalDecided' | 'canceled' | 'stop' | 'extended';

export interface ActivationWorkflowInput {
  requestId: string;
  stageTimeoutsMinutes: number[];
  startDateTime: string;
  /** The W3C traceparent of the request that started it, so its activities join that trace. */
  traceparent?: string;
}
