import { type Approval, approversNow, closeApproval, currentStep, outcomeOf } from '../domain/approval';
import { moveRequest, type RequestEventType } from '../domain/requestState';
import { isLive, type RequestStatus, type Schedule, type ScheduleRequest, type ScheduleStatus } from '../domain/schedules';
import type { EventType } from '../domain/events';
import type { Caller } from '../domain/caller';
import { auditRecord } from './audit';
import { targetResource } from './targets';
import { retryOnConflict } from './conflicts';
import { domainEvent } from './events';
import type { ScheduleDeps } from './requestContext';
import { type Alongside, revokeUnlessNeeded, settleSchedule } from './settleSchedule';
import { DomainError } from '../domain/errors';
import type { WrittenVersions } from '../ports/schedules';
import type { ActivationState } from '../ports/workflow';

/**
 * The steps an activation's workflow runs as activities. Each reads the stored state (the
 * decision of record) and is idempotent: running one twice, or after the state moved on, is
 * harmless.
 */
export type StageResult = 'approved' | 'stageApproved' | 'denied' | 'canceled' | 'timedOut' | 'pending';

interface Loaded {
  request: ScheduleRequest;
  schedule: Schedule | undefined;
  version?: string;
  requestVersion?: string;
}

/** The activation as stored, or as the step before wrote it (`carried`: no read then). */
async function load(deps: ScheduleDeps, requestId: string, carried?: ActivationState): Promise<Loaded> {
  if (carried && carried.request.id === requestId) return carried;
  const found = await deps.schedules.getRequestWithSchedule('assignment', requestId);
  if (!found) throw new Error(`Activation request ${requestId} not found.`);
  return found;
}

/**
 * Runs a step on the state carried to it, and again on the stored state when a carried version
 * proves stale (the write is refused: something changed since the step before wrote it).
 */
async function onCarried<R>(carried: ActivationState | undefined, step: (carried?: ActivationState) => Promise<R>): Promise<R> {
  if (!carried) return step();
  try {
    return await step(carried);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'ConcurrentModification') return step();
    throw error;
  }
}

type Unfulfilled = 'Denied' | 'Canceled' | 'TimedOut' | 'Failed';
const END_EVENTS: Record<Unfulfilled, EventType> = { Denied: 'request.denied', Canceled: 'request.canceled', TimedOut: 'request.timedOut', Failed: 'request.failed' };
const END_TRANSITIONS = { Denied: 'denied', Canceled: 'canceled', TimedOut: 'timedOut', Failed: 'failed' } as const satisfies Record<Unfulfilled, RequestEventType>;

/** Ends an activation that never took effect (denied, canceled, timed out, failed). */
export function endActivation(deps: ScheduleDeps, requestId: string, status: Unfulfilled & ScheduleStatus & RequestStatus, reason: string, actor?: Caller): Promise<void> {
  return retryOnConflict(() => endActivationOnce(deps, requestId, status, reason, actor));
}

async function endActivationOnce(deps: ScheduleDeps, requestId: string, status: Unfulfilled & ScheduleStatus & RequestStatus, reason: string, actor?: Caller): Promise<void> {
  const { request, schedule } = await load(deps, requestId);
  const now = deps.clock.now();
  const live = await deps.schedules.liveInSlot('assignment', request);
  const approval = await deps.approvals.get(requestId);
  const matches = live !== undefined && live.value.id === schedule?.id;
  // Already ended (an earlier run of this step, or another outcome won): nothing to do.
  if (!matches && request.status !== 'PendingApproval' && request.status !== 'Granted') return;
  const ended = { ...moveRequest(request, { type: END_TRANSITIONS[status] }, approval?.value ?? null), completedDateTime: now.toISOString() };
  const denial = approval?.value.steps.find((s) => s.reviewResult === 'Denied');
  const open = approval ? currentStep(approval.value) : undefined;
  const event = await domainEvent(deps, END_EVENTS[status], {
    slot: request,
    request: ended,
    schedule,
    actor: actor ?? (denial?.reviewedBy ? { id: denial.reviewedBy.id, displayName: denial.reviewedBy.displayName } : null),
    data: {
      reason,
      requesterId: request.principalId,
      // Who was still asked, so they can be told there is nothing left to decide.
      approvers: open ? approversNow(open) : [],
      ...(denial ? { stage: denial.stage, reviewedBy: denial.reviewedBy, reviewedDateTime: denial.reviewedDateTime, justification: denial.justification } : {}),
    },
  });
  const audit = auditRecord({
    activity: `Add member to role request ${status.toLowerCase()} (PIM activation)`,
    operationType: 'Other',
    // The user who ended it (a cancel), else PIM itself (a denial is audited with its decision).
    caller: actor ?? null,
    correlationId: requestId,
    at: now,
    targets: [
      { id: request.principalId, displayName: null, type: 'User', modifiedProperties: [] },
      targetResource(request.target, null, [{ displayName: 'status', oldValue: request.status, newValue: status }]),
    ],
    details: { requestId, reason },
  });
  if (matches) {
    const endedSchedule = { ...live.value, status, modifiedDateTime: now.toISOString() };
    await deps.schedules.update(endedSchedule, live.etag, ended, { events: [event], audit: [audit] });
    await settleSchedule(deps, endedSchedule, requestId);
  } else {
    await deps.schedules.saveRequest(ended, { events: [event], audit: [audit] });
  }
  const stored = await deps.approvals.get(requestId);
  if (stored && stored.value.status !== 'Completed') await deps.approvals.replace(closeApproval(stored.value), stored.etag);
}

/**
 * After a wake-up or a stage's timeout: what the stored approval says about stage `stage`.
 * 'stageApproved' moves the workflow to the next stage; 'approved' means every stage approved.
 */
export function settleStage(deps: ScheduleDeps, requestId: string, stage: number, timedOut: boolean): Promise<StageResult> {
  return retryOnConflict(() => settleStageOnce(deps, requestId, stage, timedOut));
}

async function settleStageOnce(deps: ScheduleDeps, requestId: string, stage: number, timedOut: boolean): Promise<StageResult> {
  const { request } = await load(deps, requestId);
  if (request.status === 'Canceled') return 'canceled';
  if (request.status === 'Denied') return 'denied';
  if (request.status === 'TimedOut') return 'timedOut';
  if (request.status !== 'PendingApproval') return 'approved';
  const approval = await deps.approvals.get(requestId);
  if (!approval) return 'approved';
  const outcome = outcomeOf(approval.value);
  if (outcome === 'Denied') {
    await endActivation(deps, requestId, 'Denied', 'An approver denied the request.');
    return 'denied';
  }
  if (outcome === 'Approved') {
    const live = await deps.schedules.liveInSlot('assignment', request);
    if (live && live.value.status === 'PendingApproval') {
      const granted = moveRequest(request, { type: 'approved' }, approval.value);
      const schedule = { ...live.value, status: 'PendingProvisioning' as const, modifiedDateTime: deps.clock.now().toISOString() };
      const last = approval.value.steps.at(-1);
      const event = await domainEvent(deps, 'request.approved', {
        slot: request,
        request: granted,
        schedule,
        actor: last?.reviewedBy ?? null,
        data: { approvalId: approval.value.id, stages: approval.value.steps.map((s) => ({ stage: s.stage, reviewedBy: s.reviewedBy, reviewedDateTime: s.reviewedDateTime, decisions: s.decisions ?? [] })) },
      });
      await deps.schedules.update(schedule, live.etag, granted, { events: [event] });
    }
    return 'approved';
  }
  if (approval.value.steps[stage]?.reviewResult === 'Approved') return 'stageApproved';
  if (timedOut) {
    await endActivation(deps, requestId, 'TimedOut', `No decision within the time limit of approval stage ${stage + 1}.`);
    return 'timedOut';
  }
  return 'pending';
}

/**
 * What the grant step tells the workflow: 'gone' (ended before it was granted), or granted with
 * the end to wait for and the state as written (for the step after). 'granted' alone is what
 * workflows started before the state was carried recorded.
 */
export type GrantResult = 'gone' | 'granted' | { end: string | null; state?: ActivationState };

/** Grants the approved activation in the directory (at or after its start). `carried`: the state the step before wrote. */
export function grantActivation(deps: ScheduleDeps, requestId: string, carried?: ActivationState): Promise<GrantResult> {
  return onCarried(carried, (state) => grantOnce(deps, requestId, state));
}

async function grantOnce(deps: ScheduleDeps, requestId: string, carried?: ActivationState): Promise<GrantResult> {
  const { request, schedule, version, requestVersion } = await load(deps, requestId, carried);
  if (!schedule || !isLive(schedule)) {
    // Ended (removed, canceled) before it was recorded as granted: an earlier attempt of this
    // step may have granted it in the directory just before, so make sure nothing is left.
    if (schedule) await revokeUnlessNeeded(deps, schedule, deps.clock.now());
    return 'gone';
  }
  // Why: checked before the grant, so a request the machine would not provision (not every
  // approval stage approved) never reaches the directory.
  const next = request.status === 'Provisioned' ? undefined : moveRequest(request, { type: 'provisioned' }, await approvalOf(deps, request));
  // The request is marked provisioned, with its event, in the same write that records the grant.
  const provisionedWith = async (settled: Schedule) => {
    if (!next || settled.roleAssignmentOriginId === null) return undefined;
    const provisioned = { ...next, completedDateTime: deps.clock.now().toISOString() };
    const role = request.target.kind === 'directoryRole' ? await deps.directory.getRoleDefinition(request.target.roleDefinitionId).catch(() => undefined) : undefined;
    const event = await domainEvent(deps, 'assignment.activated', {
      slot: request,
      request: provisioned,
      schedule: settled,
      actor: { id: request.principalId, displayName: request.createdBy.user.displayName },
      data: { scheduleId: settled.id, isPrivilegedRole: role?.isPrivileged ?? false },
    });
    return { request: provisioned, events: [event] };
  };
  let written: WrittenVersions = {};
  let recorded: ScheduleRequest = request;
  const provisionedAlong: Alongside = async (settled) => {
    const along = await provisionedWith(settled);
    if (along) recorded = along.request;
    return along;
  };
  const write = { ...(requestVersion ? { requestVersion } : {}), onWritten: (v: WrittenVersions) => (written = v) };
  const settled = await settleSchedule(deps, schedule, requestId, provisionedAlong, version, write);
  if (settled.roleAssignmentOriginId === null) throw new Error(`Activation ${requestId} is not in effect yet.`);
  // Granted before (by the reconcile pass, or an earlier attempt) but not yet marked provisioned.
  if (settled === schedule && request.status !== 'Provisioned') {
    const along = await provisionedWith(settled);
    if (along) await deps.schedules.saveRequest(along.request, { events: along.events });
    return { end: settled.endDateTime };
  }
  // Written just now: the next step carries it, with its versions, instead of reading it again.
  const state: ActivationState | undefined = settled !== schedule && written.version ? { request: recorded, schedule: settled, version: written.version, ...(written.requestVersion ? { requestVersion: written.requestVersion } : {}) } : undefined;
  return { end: settled.endDateTime, ...(state ? { state } : {}) };
}

/** The request's approval as stored; null when it needs none. */
async function approvalOf(deps: ScheduleDeps, request: ScheduleRequest): Promise<Approval | null> {
  return request.approvalId ? ((await deps.approvals.get(request.approvalId))?.value ?? null) : null;
}

/** The end the workflow should wait for: the stored schedule's end, or null when it has ended. */
export async function currentEnd(deps: ScheduleDeps, requestId: string): Promise<string | null> {
  const { schedule } = await load(deps, requestId);
  return schedule && isLive(schedule) ? schedule.endDateTime : null;
}

/**
 * Removes the activation from the directory (unless another live path still needs it) and
 * expires it. `carried`: the state the grant wrote (its end passed with nothing else changing it).
 */
export function revokeActivation(deps: ScheduleDeps, requestId: string, carried?: ActivationState): Promise<void> {
  return onCarried(carried, (state) => revokeOnce(deps, requestId, state));
}

async function revokeOnce(deps: ScheduleDeps, requestId: string, carried?: ActivationState): Promise<void> {
  const { schedule, version } = await load(deps, requestId, carried);
  if (!schedule) return;
  const now = deps.clock.now();
  if (isLive(schedule) && schedule.endDateTime && Date.parse(schedule.endDateTime) > now.getTime()) return;
  // Carried, the slot's version makes the write conditional without reading it first.
  await settleSchedule(deps, schedule, requestId, undefined, carried && isLive(schedule) ? version : undefined);
}
