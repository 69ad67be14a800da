import type { RetryOptionsWire } from './types';

/** The orchestrator's answer (OrchestratorState) and its actions, as the JS SDK sends them. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export interface WireAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptionsWire;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: WireAction[];
}

export interface OrchestratorStateWire {
  isDone: boolean;
  actions: WireAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

/** Flattens WhenAny/WhenAll into their children, in the order the SDK numbers tasks. */
export function flattenActions(groups: WireAction[][]): WireAction[] {
  const out: WireAction[] = [];
  const visit = (action: WireAction) => {
    if (action.actionType === ActionType.WhenAny || action.actionType === ActionType.WhenAll) {
      for (const child of action.compoundActions ?? []) visit(child);
    } else {
      out.push(action);
    }
  };
  for (const group of groups) for (const action of group) visit(action);
  return out;
}

/** Inputs arrive either as JSON text (the SDK stringifies string inputs) or as plain values. */
export function inputAsJson(input: unknown): string {
  if (typeof input === 'string') return input;
  return JSON.stringify(input ?? null);
}

export function actionName(type: number): string {
  return (
    (Object.keys(ActionType) as Array<keyof typeof ActionType>).find((k) => ActionType[k] === type) ?? String(type)
  );
}
