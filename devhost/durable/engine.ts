import { randomUUID } from 'node:crypto';
import type { HostContext } from '../core/extension';
import { typedDataToValue } from '../core/invoker';
import { findFunction, type RegisteredFunction, triggerOf } from '../core/registry';
import {
  ActionType,
  actionName,
  flattenActions,
  inputAsJson,
  type OrchestratorStateWire,
  type WireAction,
} from './actions';
import { completedTaskId, EventType, type HistoryEvent, historyEvent } from './history';
import { type DurableStore, historyRowKey } from './store';
import {
  type ExecutionState,
  type InboxMessage,
  type InstanceRecord,
  newExecution,
  type RetryTrack,
  terminalStatuses,
} from './types';

/** Timer limits the extension hands the SDK (Azure Storage provider defaults). */
const MAX_SHORT_TIMER_MS = 6 * 24 * 3600 * 1000;
const LONG_TIMER_INTERVAL_MS = 3 * 24 * 3600 * 1000;
const MAX_SET_TIMEOUT_MS = 2 ** 31 - 1;
const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

export interface EngineOptions {
  maxConcurrentActivities?: number;
}

type WorkItem =
  | { kind: 'terminate' | 'suspend' | 'resume' | 'start'; message: InboxMessage }
  | { kind: 'message'; message: InboxMessage }
  | { kind: 'timer'; seq: number; fireAt: string };

/**
 * Runs Durable orchestrations the way the Durable Functions extension does for an
 * out-of-process SDK: each episode replays the whole history through the registered
 * orchestrator function, reads back its actions, numbers new tasks in the order the SDK
 * does, records them as history and carries them out (activities, timers, sub-orchestrations).
 * State lives in Table Storage, so a restarted host resumes every pending timer, wait and
 * activity. One episode consumes one message or due timer, which is a valid schedule of
 * the real runtime and keeps sequence numbering unambiguous.
 */
export class DurableEngine {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly activitiesInFlight = new Set<string>();
  private readonly activityQueue: Array<() => Promise<void>> = [];
  private activeActivities = 0;
  private readonly activityTasks = new Set<Promise<void>>();
  private stopped = false;
  private readonly maxActivities: number;

  constructor(
    private readonly store: DurableStore,
    private readonly host: HostContext,
    options: EngineOptions = {},
  ) {
    this.maxActivities = options.maxConcurrentActivities ?? 10;
  }

  /** Resumes every instance that was pending or running when the host last stopped. */
  async start(): Promise<void> {
    await this.store.ensureTable();
    const active = await this.store.listInstances(
      "runtimeStatus eq 'Pending' or runtimeStatus eq 'Running' or runtimeStatus eq 'Suspended'",
    );
    for (const instance of active) await this.recover(instance.instanceId);
    if (active.length > 0) this.host.logger.info(`Durable: resumed ${active.length} orchestration instance(s).`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.activityQueue.length = 0;
    const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
    await Promise.race([Promise.allSettled([...this.running.values(), ...this.activityTasks]), deadline]);
  }

  /** Resolves when no episode or activity is running (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.activityTasks.size > 0) {
      await Promise.allSettled([...this.running.values(), ...this.activityTasks]);
    }
  }

  wake(instanceId: string): void {
    if (this.stopped) return;
    if (this.running.has(instanceId)) {
      this.again.add(instanceId);
      return;
    }
    const run = this.drain(instanceId)
      .catch((error) => this.host.logger.error(`Durable: instance ${instanceId} failed to advance: ${describe(error)}`))
      .finally(() => {
        this.running.delete(instanceId);
        if (this.again.delete(instanceId)) this.wake(instanceId);
      });
    this.running.set(instanceId, run);
  }

  private async drain(instanceId: string): Promise<void> {
    while (!this.stopped && (await this.episode(instanceId))) {
      // keep going while there is work
    }
  }

  /** Re-dispatches what an instance was waiting on before a restart, then advances it. */
  private async recover(instanceId: string): Promise<void> {
    const snap = await this.store.load(instanceId);
    if (!snap.instance) return;
    this.dispatchPendingActivities(snap.instance, snap.history, snap.inbox);
    await this.ensureChildren(snap.instance, snap.history);
    this.wake(instanceId);
  }

  /** Runs one episode; returns false when the instance has nothing to do now. */
  private async episode(instanceId: string): Promise<boolean> {
    const snap = await this.store.load(instanceId);
    const instance = snap.instance;
    if (!instance) return false;
    if (snap.staleHistoryRows.length > 0) await this.store.deleteRows(instanceId, snap.staleHistoryRows);
    if (terminalStatuses.has(instance.runtimeStatus)) {
      // The runtime discards messages that reach a finished instance.
      if (snap.inbox.length > 0)
        await this.store.deleteRows(
          instanceId,
          snap.inbox.map((m) => m.rowKey),
        );
      return false;
    }
    const exec = instance.execution;
    const stale = snap.inbox.filter((m) => m.executionId !== undefined && m.executionId !== exec.executionId);
    if (stale.length > 0) {
      await this.store.deleteRows(
        instanceId,
        stale.map((m) => m.rowKey),
      );
      return true;
    }
    const now = new Date();
    const item = this.nextItem(instance, snap.history, snap.inbox, now);
    if (!item) {
      this.armTimer(instanceId, instance, snap.history);
      return false;
    }
    const ts = monotonicTimestamp(now, exec.lastTimestamp);
    exec.lastTimestamp = ts;

    if (item.kind === 'terminate' || item.kind === 'suspend' || item.kind === 'resume') {
      await this.applyControl(instance, item.kind, item.message, snap.inbox, ts);
      return true;
    }

    const delivered: HistoryEvent[] = [];
    const hostEvents: HistoryEvent[] = [];
    const consumed: string[] = [];
    if (item.kind === 'start') {
      consumed.push(item.message.rowKey);
      instance.runtimeStatus = 'Running';
      delivered.push(
        historyEvent('ExecutionStarted', ts, {
          Name: instance.name,
          Input: instance.input,
          OrchestrationInstance: { InstanceId: instance.instanceId, ExecutionId: exec.executionId },
          ParentInstance: instance.parentInstanceId
            ? { OrchestrationInstance: { InstanceId: instance.parentInstanceId } }
            : null,
        }),
      );
    } else if (item.kind === 'message') {
      consumed.push(item.message.rowKey);
      const event = { ...(item.message.event as HistoryEvent), Timestamp: ts };
      delivered.push(event);
      this.afterCompletion(exec, event, ts, hostEvents);
    } else if (item.kind === 'timer') {
      const late = now.getTime() - Date.parse(item.fireAt);
      this.host.logger.debug(`Durable: timer ${item.seq} of ${instanceId} fired ${late} ms after its time.`);
      const fired = historyEvent('TimerFired', ts, { TimerId: item.seq, FireAt: item.fireAt });
      delivered.push(fired);
      this.afterCompletion(exec, fired, ts, hostEvents);
    }

    const state = await this.runOrchestrator(instance, snap.history, [
      historyEvent('OrchestratorStarted', ts),
      ...delivered,
    ]);
    const selfMessages: InboxMessage[] = [];
    const newTasks = this.applyActions(instance, state, ts, hostEvents, selfMessages);
    const outcome = this.applyOutcome(instance, state, ts, selfMessages);
    const chunk = [historyEvent('OrchestratorStarted', ts), ...delivered, ...hostEvents, ...newTasks.events];
    chunk.push(historyEvent('OrchestratorCompleted', ts));
    instance.lastUpdatedTime = ts;
    const episodeNo = exec.episodes++;
    await this.store.commitEpisode({
      instance,
      newHistory: { rowKey: historyRowKey(exec.executionId, episodeNo), events: chunk },
      consumed,
      selfMessages,
    });

    if (outcome === 'running') {
      // Only this episode's new tasks: earlier ones are running or their results are queued.
      this.dispatchPendingActivities(instance, chunk, []);
      for (const child of newTasks.children) await this.createChild(instance, child);
    } else if (outcome === 'finished') {
      this.clearTimer(instance.instanceId);
      await this.notifyParent(instance);
    }
    return true;
  }

  private nextItem(
    instance: InstanceRecord,
    history: HistoryEvent[],
    inbox: InboxMessage[],
    now: Date,
  ): WorkItem | undefined {
    const byKind = (kind: InboxMessage['kind']) => inbox.find((m) => m.kind === kind);
    const terminate = byKind('terminate');
    if (terminate) return { kind: 'terminate', message: terminate } as WorkItem;
    if (instance.runtimeStatus === 'Suspended') {
      const resume = byKind('resume');
      return resume ? ({ kind: 'resume', message: resume } as WorkItem) : undefined;
    }
    const suspend = byKind('suspend');
    if (suspend) return { kind: 'suspend', message: suspend } as WorkItem;
    if (instance.runtimeStatus === 'Pending') {
      const start = byKind('start');
      return start ? ({ kind: 'start', message: start } as WorkItem) : undefined;
    }
    const message = inbox.find((m) => m.kind === 'event' || m.kind === 'taskResult' || m.kind === 'subResult');
    const timer = dueTimers(history, instance.execution, now)[0];
    if (message && (!timer || message.enqueuedAt <= timer.fireAt)) return { kind: 'message', message } as WorkItem;
    if (timer) return { kind: 'timer', seq: timer.seq, fireAt: timer.fireAt } as WorkItem;
    return undefined;
  }

  private async applyControl(
    instance: InstanceRecord,
    kind: 'terminate' | 'suspend' | 'resume',
    message: InboxMessage,
    inbox: InboxMessage[],
    ts: string,
  ): Promise<void> {
    const exec = instance.execution;
    let events: HistoryEvent[];
    let consumed = [message.rowKey];
    if (kind === 'terminate') {
      instance.runtimeStatus = 'Terminated';
      instance.output = JSON.stringify(message.reason ?? '');
      events = [historyEvent('ExecutionTerminated', ts, { Input: JSON.stringify(message.reason ?? '') })];
      consumed = inbox.map((m) => m.rowKey);
    } else if (kind === 'suspend') {
      instance.runtimeStatus = 'Suspended';
      events = [historyEvent('ExecutionSuspended', ts, { Reason: message.reason ?? '' })];
    } else {
      instance.runtimeStatus = 'Running';
      events = [historyEvent('ExecutionResumed', ts, { Reason: message.reason ?? '' })];
    }
    instance.lastUpdatedTime = ts;
    const episodeNo = exec.episodes++;
    await this.store.commitEpisode({
      instance,
      newHistory: { rowKey: historyRowKey(exec.executionId, episodeNo), events },
      consumed,
    });
    if (kind === 'terminate') {
      this.clearTimer(instance.instanceId);
      await this.notifyParent(instance);
    }
  }

  /**
   * What the host does when a task completes, before the orchestrator sees it: retried tasks
   * get their back-off timer or next attempt, long timers their next link. These take sequence
   * numbers in the same order the SDK gives them to its internal tasks.
   */
  private afterCompletion(exec: ExecutionState, event: HistoryEvent, ts: string, hostEvents: HistoryEvent[]): void {
    const taskId = completedTaskId(event);
    if (taskId === undefined) return;
    for (const [key, track] of Object.entries(exec.retries)) {
      if (track.currentSeq === taskId && track.timerSeq === undefined) {
        const failed =
          event.EventType === EventType.TaskFailed || event.EventType === EventType.SubOrchestrationInstanceFailed;
        if (!failed) {
          delete exec.retries[key];
          return;
        }
        track.attempt += 1;
        track.timerSeq = exec.nextSeq++;
        const fireAt = new Date(Date.parse(ts) + retryDelay(track)).toISOString();
        hostEvents.push(historyEvent('TimerCreated', ts, { EventId: track.timerSeq, FireAt: fireAt }));
        return;
      }
      if (track.timerSeq === taskId && event.EventType === EventType.TimerFired) {
        track.timerSeq = undefined;
        if (track.attempt > track.options.maxNumberOfAttempts) {
          delete exec.retries[key];
          return;
        }
        track.currentSeq = exec.nextSeq++;
        hostEvents.push(this.attemptEvent(track, ts));
        return;
      }
    }
    for (const [key, long] of Object.entries(exec.longTimers)) {
      if (long.currentSeq !== taskId || event.EventType !== EventType.TimerFired) continue;
      const remaining = Date.parse(long.finalFireAt) - Date.parse(ts);
      if (remaining <= 0) {
        delete exec.longTimers[key];
        return;
      }
      long.currentSeq = exec.nextSeq++;
      const next =
        remaining > MAX_SHORT_TIMER_MS ? Date.parse(ts) + LONG_TIMER_INTERVAL_MS : Date.parse(long.finalFireAt);
      hostEvents.push(
        historyEvent('TimerCreated', ts, { EventId: long.currentSeq, FireAt: new Date(next).toISOString() }),
      );
      return;
    }
  }

  private attemptEvent(track: RetryTrack, ts: string): HistoryEvent {
    if (track.kind === 'activity') {
      return historyEvent('TaskScheduled', ts, {
        EventId: track.currentSeq,
        Name: track.functionName,
        Input: track.input,
      });
    }
    return historyEvent('SubOrchestrationInstanceCreated', ts, {
      EventId: track.currentSeq,
      Name: track.functionName,
      InstanceId: track.childInstanceId ?? '',
      Input: track.input,
    });
  }

  private async runOrchestrator(
    instance: InstanceRecord,
    past: HistoryEvent[],
    fresh: HistoryEvent[],
  ): Promise<OrchestratorStateWire> {
    const fn = findTriggered(instance.name, 'orchestrationTrigger');
    if (!fn) {
      return { isDone: false, actions: [[]], error: `The orchestrator function '${instance.name}' doesn't exist.` };
    }
    const bindingInput = {
      history: [...past.map((e) => ({ ...e, IsPlayed: true })), ...fresh.map((e) => ({ ...e, IsPlayed: false }))],
      input: instance.input === null ? undefined : JSON.parse(instance.input),
      instanceId: instance.instanceId,
      isReplaying: past.length > 0,
      parentInstanceId: instance.parentInstanceId ?? null,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const [triggerName] = triggerOf(fn);
    const result = await this.host.invoke(
      fn,
      { inputData: [{ name: triggerName, data: { string: JSON.stringify(bindingInput) } }] },
      this.host.logger,
    );
    if (result.ok) return typedDataToValue(result.response?.returnValue) as OrchestratorStateWire;
    const message = result.error instanceof Error ? result.error.message : String(result.error);
    const at = message.indexOf(OUT_OF_PROC_LABEL);
    if (at >= 0) {
      const state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorStateWire;
      return { ...state, error: state.error ?? message.slice(0, at) };
    }
    return { isDone: false, actions: [[]], error: message };
  }

  /** Records the orchestrator's new actions as history, numbering them as the SDK did. */
  private applyActions(
    instance: InstanceRecord,
    state: OrchestratorStateWire,
    ts: string,
    hostEvents: HistoryEvent[],
    selfMessages: InboxMessage[],
  ): { events: HistoryEvent[]; children: ChildStart[] } {
    const exec = instance.execution;
    const actions = flattenActions(state.actions ?? [[]]);
    const events: HistoryEvent[] = [];
    const children: ChildStart[] = [];
    actions.forEach((action, index) => {
      if (index < exec.actionsSeen) {
        this.noteCancellation(exec, action, index);
        return;
      }
      const unsupported = this.unsupportedReason(action);
      if (unsupported) {
        state.error ??= unsupported;
        return;
      }
      if (action.actionType === ActionType.WaitForExternalEvent || action.actionType === ActionType.ContinueAsNew) {
        exec.actionSeqs[index] = -1;
        return;
      }
      const seq = exec.nextSeq++;
      exec.actionSeqs[index] = seq;
      switch (action.actionType) {
        case ActionType.CallActivity:
        case ActionType.CallActivityWithRetry: {
          const input = inputAsJson(action.input);
          events.push(historyEvent('TaskScheduled', ts, { EventId: seq, Name: action.functionName, Input: input }));
          if (action.actionType === ActionType.CallActivityWithRetry && action.retryOptions) {
            exec.retries[String(index)] = {
              kind: 'activity',
              functionName: action.functionName ?? '',
              input,
              currentSeq: seq,
              attempt: 1,
              options: action.retryOptions,
            };
          }
          break;
        }
        case ActionType.CallSubOrchestrator:
        case ActionType.CallSubOrchestratorWithRetry: {
          const input = inputAsJson(action.input);
          const childId =
            action.instanceId || `${instance.instanceId}:${seq.toString(16).toUpperCase().padStart(4, '0')}`;
          events.push(
            historyEvent('SubOrchestrationInstanceCreated', ts, {
              EventId: seq,
              Name: action.functionName,
              InstanceId: childId,
              Input: input,
            }),
          );
          children.push({ seq, name: action.functionName ?? '', instanceId: childId, input });
          if (action.actionType === ActionType.CallSubOrchestratorWithRetry && action.retryOptions) {
            exec.retries[String(index)] = {
              kind: 'subOrchestration',
              functionName: action.functionName ?? '',
              input,
              childInstanceId: action.instanceId,
              currentSeq: seq,
              attempt: 1,
              options: action.retryOptions,
            };
          }
          break;
        }
        case ActionType.CreateTimer: {
          const finalAt = Date.parse(action.fireAt ?? ts);
          const isLong = finalAt - Date.parse(ts) > MAX_SHORT_TIMER_MS;
          const fireAt = new Date(isLong ? Date.parse(ts) + LONG_TIMER_INTERVAL_MS : finalAt).toISOString();
          events.push(historyEvent('TimerCreated', ts, { EventId: seq, FireAt: fireAt }));
          if (isLong)
            exec.longTimers[String(index)] = { finalFireAt: new Date(finalAt).toISOString(), currentSeq: seq };
          this.noteCancellation(exec, action, index);
          break;
        }
      }
    });
    exec.actionsSeen = Math.max(exec.actionsSeen, actions.length);
    // Retried tasks scheduled by the host this episode become work too.
    for (const e of hostEvents) {
      if (e.EventType === EventType.SubOrchestrationInstanceCreated) {
        children.push({
          seq: e.EventId,
          name: String(e.Name),
          instanceId: childIdFor(instance, e),
          input: String(e.Input),
        });
        e.InstanceId = childIdFor(instance, e);
      }
    }
    const continued = actions.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (continued && state.isDone && !state.error) {
      selfMessages.push({
        rowKey: `m-start-${randomUUID()}`,
        enqueuedAt: ts,
        kind: 'start',
      });
      (state as { continueInput?: string }).continueInput = inputAsJson(continued.input);
    }
    return { events, children };
  }

  private unsupportedReason(action: WireAction): string | undefined {
    const supported: number[] = [
      ActionType.CallActivity,
      ActionType.CallActivityWithRetry,
      ActionType.CallSubOrchestrator,
      ActionType.CallSubOrchestratorWithRetry,
      ActionType.ContinueAsNew,
      ActionType.CreateTimer,
      ActionType.WaitForExternalEvent,
    ];
    return supported.includes(action.actionType)
      ? undefined
      : `devhost does not support the Durable action ${actionName(action.actionType)} (entities and durable HTTP are not used by this app).`;
  }

  private noteCancellation(exec: ExecutionState, action: WireAction, index: number): void {
    if (action.actionType !== ActionType.CreateTimer || !action.isCanceled) return;
    const seq = exec.actionSeqs[index];
    if (seq !== undefined && seq >= 0 && !exec.canceledTimers.includes(seq)) exec.canceledTimers.push(seq);
    const long = exec.longTimers[String(index)];
    if (long) {
      if (!exec.canceledTimers.includes(long.currentSeq)) exec.canceledTimers.push(long.currentSeq);
      delete exec.longTimers[String(index)];
    }
  }

  /** Sets the instance's status from the orchestrator's answer: running, done, failed or continued. */
  private applyOutcome(
    instance: InstanceRecord,
    state: OrchestratorStateWire,
    ts: string,
    selfMessages: InboxMessage[],
  ): 'running' | 'finished' | 'continued' {
    if (state.customStatus !== undefined) instance.customStatus = JSON.stringify(state.customStatus);
    if (state.error) {
      instance.runtimeStatus = 'Failed';
      instance.output = JSON.stringify(`Orchestrator function '${instance.name}' failed: ${state.error}`);
      return 'finished';
    }
    const continueInput = (state as { continueInput?: string }).continueInput;
    if (continueInput !== undefined) {
      const start = selfMessages.find((m) => m.kind === 'start');
      const next = newExecution(randomUUID().replace(/-/g, ''));
      next.lastTimestamp = ts;
      if (start) start.executionId = next.executionId;
      instance.execution = next;
      instance.input = continueInput;
      instance.runtimeStatus = 'Pending';
      return 'continued';
    }
    if (state.isDone) {
      instance.runtimeStatus = 'Completed';
      instance.output = JSON.stringify(state.output ?? null);
      return 'finished';
    }
    return 'running';
  }

  /** Starts every scheduled activity that has no result yet and is not already running. */
  private dispatchPendingActivities(instance: InstanceRecord, history: HistoryEvent[], inbox: InboxMessage[]): void {
    if (terminalStatuses.has(instance.runtimeStatus)) return;
    const done = new Set(history.map(completedTaskId).filter((id): id is number => id !== undefined));
    const waiting = new Set(
      inbox.filter((m) => m.kind === 'taskResult').map((m) => (m.event ? completedTaskId(m.event) : undefined)),
    );
    const execId = instance.execution.executionId;
    for (const e of history) {
      if (e.EventType !== EventType.TaskScheduled || done.has(e.EventId) || waiting.has(e.EventId)) continue;
      const key = `${instance.instanceId}|${execId}|${e.EventId}`;
      if (this.activitiesInFlight.has(key)) continue;
      this.activitiesInFlight.add(key);
      this.enqueueActivity(() =>
        this.runActivity(instance.instanceId, execId, e.EventId, String(e.Name), String(e.Input ?? 'null')).finally(
          () => this.activitiesInFlight.delete(key),
        ),
      );
    }
  }

  private enqueueActivity(work: () => Promise<void>): void {
    this.activityQueue.push(work);
    this.pumpActivities();
  }

  private pumpActivities(): void {
    while (!this.stopped && this.activeActivities < this.maxActivities && this.activityQueue.length > 0) {
      const work = this.activityQueue.shift() as () => Promise<void>;
      this.activeActivities++;
      const task = work()
        .catch((error) => this.host.logger.error(`Durable: activity dispatch failed: ${describe(error)}`))
        .finally(() => {
          this.activeActivities--;
          this.activityTasks.delete(task);
          this.pumpActivities();
        });
      this.activityTasks.add(task);
    }
  }

  private async runActivity(instanceId: string, executionId: string, seq: number, name: string, input: string) {
    const fn = findTriggered(name, 'activityTrigger');
    let event: HistoryEvent;
    const ts = new Date().toISOString();
    if (!fn) {
      event = historyEvent('TaskFailed', ts, {
        TaskScheduledId: seq,
        Reason: `The activity function '${name}' doesn't exist.`,
        Details: '',
      });
    } else {
      const [triggerName] = triggerOf(fn);
      const result = await this.host.invoke(
        fn,
        { inputData: [{ name: triggerName, data: { string: input } }] },
        this.host.logger,
      );
      if (result.ok) {
        const value = typedDataToValue(result.response?.returnValue);
        event = historyEvent('TaskCompleted', ts, { TaskScheduledId: seq, Result: JSON.stringify(value ?? null) });
      } else {
        const error = result.error instanceof Error ? result.error : new Error(String(result.error));
        event = historyEvent('TaskFailed', ts, {
          TaskScheduledId: seq,
          Reason: `Activity function '${name}' failed: ${error.message}`,
          Details: error.stack ?? '',
        });
      }
    }
    if (this.stopped) return; // the result is not recorded; the activity runs again after restart
    await this.store.addMessage(instanceId, {
      rowKey: `m-${executionId}-t-${seq}`,
      executionId,
      enqueuedAt: ts,
      kind: 'taskResult',
      event,
    });
    this.wake(instanceId);
  }

  private async ensureChildren(instance: InstanceRecord, history: HistoryEvent[]): Promise<void> {
    const done = new Set(history.map(completedTaskId).filter((id): id is number => id !== undefined));
    for (const e of history) {
      if (e.EventType !== EventType.SubOrchestrationInstanceCreated || done.has(e.EventId)) continue;
      await this.createChild(instance, {
        seq: e.EventId,
        name: String(e.Name),
        instanceId: String(e.InstanceId),
        input: String(e.Input),
      });
    }
  }

  private async createChild(parent: InstanceRecord, child: ChildStart): Promise<void> {
    const now = new Date().toISOString();
    const execution = newExecution(randomUUID().replace(/-/g, ''));
    const record: InstanceRecord = {
      instanceId: child.instanceId,
      name: child.name,
      runtimeStatus: 'Pending',
      input: child.input,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      parentInstanceId: parent.instanceId,
      parentExecutionId: parent.execution.executionId,
      parentTaskId: child.seq,
      execution,
    };
    const start: InboxMessage = {
      rowKey: `m-start-${execution.executionId}`,
      executionId: execution.executionId,
      enqueuedAt: now,
      kind: 'start',
    };
    if (await this.store.createInstance(record, start)) {
      this.wake(child.instanceId);
      return;
    }
    // Created before a restart: if it already finished, make sure the parent hears of it.
    const existing = await this.store.getInstance(child.instanceId);
    if (existing && existing.parentInstanceId === parent.instanceId && existing.parentTaskId === child.seq) {
      if (terminalStatuses.has(existing.runtimeStatus)) await this.notifyParent(existing);
      else this.wake(child.instanceId);
    }
  }

  private async notifyParent(child: InstanceRecord): Promise<void> {
    if (!child.parentInstanceId || child.parentTaskId === undefined || !child.parentExecutionId) return;
    const ts = new Date().toISOString();
    const event =
      child.runtimeStatus === 'Completed'
        ? historyEvent('SubOrchestrationInstanceCompleted', ts, {
            TaskScheduledId: child.parentTaskId,
            Result: child.output ?? 'null',
          })
        : historyEvent('SubOrchestrationInstanceFailed', ts, {
            TaskScheduledId: child.parentTaskId,
            Reason: `Sub-orchestration '${child.name}' (${child.instanceId}) ${child.runtimeStatus.toLowerCase()}: ${child.output === null ? '' : JSON.parse(child.output)}`,
            Details: '',
          });
    await this.store.addMessage(child.parentInstanceId, {
      rowKey: `m-${child.parentExecutionId}-s-${child.parentTaskId}`,
      executionId: child.parentExecutionId,
      enqueuedAt: ts,
      kind: 'subResult',
      event,
    });
    this.wake(child.parentInstanceId);
  }

  private armTimer(instanceId: string, instance: InstanceRecord, history: HistoryEvent[]): void {
    this.clearTimer(instanceId);
    if (instance.runtimeStatus !== 'Running') return;
    const next = pendingTimers(history, instance.execution)[0];
    if (!next) return;
    const delay = Math.min(Math.max(0, Date.parse(next.fireAt) - Date.now()), MAX_SET_TIMEOUT_MS);
    const handle = setTimeout(() => {
      this.timers.delete(instanceId);
      this.wake(instanceId);
    }, delay);
    this.timers.set(instanceId, handle);
  }

  private clearTimer(instanceId: string): void {
    const handle = this.timers.get(instanceId);
    if (handle) clearTimeout(handle);
    this.timers.delete(instanceId);
  }
}

interface ChildStart {
  seq: number;
  name: string;
  instanceId: string;
  input: string;
}

function childIdFor(parent: InstanceRecord, e: HistoryEvent): string {
  const given = typeof e.InstanceId === 'string' && e.InstanceId !== '' ? e.InstanceId : undefined;
  return given ?? `${parent.instanceId}:${e.EventId.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function findTriggered(name: string, triggerType: string): RegisteredFunction | undefined {
  const fn = findFunction(name);
  if (!fn) return undefined;
  return triggerOf(fn)[1].type === triggerType ? fn : undefined;
}

/** Timers created and neither fired nor canceled, earliest first. */
export function pendingTimers(history: HistoryEvent[], exec: ExecutionState): Array<{ seq: number; fireAt: string }> {
  const fired = new Set(history.filter((e) => e.EventType === EventType.TimerFired).map((e) => e.TimerId as number));
  return history
    .filter(
      (e) =>
        e.EventType === EventType.TimerCreated && !fired.has(e.EventId) && !exec.canceledTimers.includes(e.EventId),
    )
    .map((e) => ({ seq: e.EventId, fireAt: String(e.FireAt) }))
    .sort((a, b) => Date.parse(a.fireAt) - Date.parse(b.fireAt));
}

function dueTimers(history: HistoryEvent[], exec: ExecutionState, now: Date) {
  return pendingTimers(history, exec).filter((t) => Date.parse(t.fireAt) <= now.getTime());
}

/** DTF's back-off: first interval times coefficient^(retry count), capped at the maximum. */
function retryDelay(track: RetryTrack): number {
  const o = track.options;
  const retryCount = Math.max(0, track.attempt - 2);
  const delay = o.firstRetryIntervalInMilliseconds * (o.backoffCoefficient ?? 1) ** retryCount;
  return o.maxRetryIntervalInMilliseconds ? Math.min(delay, o.maxRetryIntervalInMilliseconds) : delay;
}

function monotonicTimestamp(now: Date, last: string | undefined): string {
  const t = Math.max(now.getTime(), last ? Date.parse(last) + 1 : 0);
  return new Date(t).toISOString();
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
