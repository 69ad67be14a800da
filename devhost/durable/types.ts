import type { HistoryEvent } from './history';

export type RuntimeStatus =
  | 'Pending'
  | 'Running'
  | 'Completed'
  | 'Failed'
  | 'Terminated'
  | 'Suspended'
  | 'ContinuedAsNew';

export const terminalStatuses: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

/** A retried activity or sub-orchestration: the host, not the SDK, runs its attempts and back-off timers. */
export interface RetryTrack {
  kind: 'activity' | 'subOrchestration';
  functionName: string;
  input: string;
  childInstanceId?: string;
  currentSeq: number;
  /** The SDK's attemptNumber: 1 for the first try, incremented on each failure. */
  attempt: number;
  timerSeq?: number;
  options: RetryOptionsWire;
}

export interface RetryOptionsWire {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** A timer longer than maximumShortTimerDuration, fired as a chain of shorter ones (as the extension does). */
export interface LongTimerTrack {
  finalFireAt: string;
  currentSeq: number;
}

/** What devhost keeps about an execution besides its history. */
export interface ExecutionState {
  executionId: string;
  episodes: number;
  actionsSeen: number;
  nextSeq: number;
  /** Sequence number given to each flattened action, -1 for external-event waits. */
  actionSeqs: number[];
  canceledTimers: number[];
  retries: Record<string, RetryTrack>;
  longTimers: Record<string, LongTimerTrack>;
  lastTimestamp?: string;
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: string;
  lastUpdatedTime: string;
  parentInstanceId?: string;
  parentExecutionId?: string;
  parentTaskId?: number;
  execution: ExecutionState;
  etag?: string;
}

/** A message waiting for an orchestration (the Durable control queue, kept per instance). */
export interface InboxMessage {
  rowKey: string;
  executionId?: string;
  enqueuedAt: string;
  kind: 'start' | 'event' | 'taskResult' | 'subResult' | 'terminate' | 'suspend' | 'resume';
  event?: HistoryEvent;
  reason?: string;
}

export function newExecution(executionId: string): ExecutionState {
  return {
    executionId,
    episodes: 0,
    actionsSeen: 0,
    nextSeq: 0,
    actionSeqs: [],
    canceledTimers: [],
    retries: {},
    longTimers: {},
  };
}
