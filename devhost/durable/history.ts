/** Durable Task history events as the out-of-process SDK reads them (PascalCase JSON). */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeName = keyof typeof EventType;

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export function historyEvent(
  type: EventTypeName,
  timestamp: string,
  fields: Record<string, unknown> = {},
): HistoryEvent {
  return { EventType: EventType[type], EventId: -1, IsPlayed: false, Timestamp: timestamp, ...fields };
}

export function eventTypeName(type: number): string {
  return (Object.keys(EventType) as EventTypeName[]).find((k) => EventType[k] === type) ?? `Unknown(${type})`;
}

/** Completion events carry the id of the task they finish under one of these keys. */
export function completedTaskId(e: HistoryEvent): number | undefined {
  switch (e.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return e.TaskScheduledId as number;
    case EventType.TimerFired:
      return e.TimerId as number;
    default:
      return undefined;
  }
}
