import type { Caller } from '../domain/caller';
import { badRequest, type DomainError, forbidden, notFound } from '../domain/errors';
import { moveRequest } from '../domain/requestState';
import type { Schedule, ScheduleKind, ScheduleRequest } from '../domain/schedules';
import type { TargetKind } from '../domain/target';
import { endActivation } from './activationSteps';
import { afterCommit } from './afterCommit';
import { auditRecord } from './audit';
import { retryOnConflict } from './conflicts';
import { domainEvent } from './events';
import { NAMES, type ScheduleDeps } from './requestContext';
import { revokeUnlessNeeded } from './settleSchedule';
import { targetName, targetResource } from './targets';

/**
 * POST …/{requests}/{id}/cancel (Graph's cancel on assignment and eligibility requests, for
 * directory roles and groups): withdraws a request that has not taken effect yet. That is an
 * activation waiting for approval or for its start, an administrator's assignment or
 * eligibility that starts later (its schedule never takes effect), or a holder's ask to extend
 * or renew. What already took effect is ended by adminRemove or selfDeactivate instead, and a
 * cancel of it is answered as Graph answers it: 400.
 *
 * Who may cancel: the request's creator, and any PIM administrator for an administrator's
 * request. Others who are party to it (its principal, an administrator) get a 403 saying why;
 * everyone else the same 404 as for a request that does not exist.
 */
export function cancelRequest(deps: ScheduleDeps, kind: ScheduleKind, caller: Caller, requestId: string, targetKind: TargetKind, correlationId: string): Promise<void> {
  // Racing an approval, a grant or another cancel, it re-reads and decides on what is stored now.
  return retryOnConflict(async () => {
    const request = await deps.schedules.getRequest(kind, requestId);
    if (!request || request.target.kind !== targetKind) throw notFound('schedule request', requestId);
    authorize(caller, request);
    switch (request.status) {
      case 'PendingApproval':
      case 'Granted':
        if (request.action !== 'selfActivate') throw notCancelable(request, `it is ${request.status}`);
        return cancelActivation(deps, request, caller);
      case 'ScheduleCreated':
        return cancelBeforeStart(deps, kind, request, caller, correlationId);
      case 'PendingAdminDecision':
        return withdrawAsk(deps, request, caller, correlationId);
      default:
        throw notCancelable(request, `it is ${request.status}`);
    }
  });
}

function authorize(caller: Caller, request: ScheduleRequest): void {
  const isRequester = request.createdBy.user.id === caller.oid;
  // Why: an administrator's request is the administrators' to withdraw; a user's own request is theirs alone.
  if (isRequester || (caller.isAdmin && request.action.startsWith('admin'))) return;
  const isParty = caller.isAdmin || request.principalId === caller.oid;
  if (!isParty) throw notFound('schedule request', request.id);
  throw forbidden(
    request.action.startsWith('admin')
      ? 'Only a PIM administrator can cancel an administrator\'s request.'
      : `Only its requester can cancel a ${request.action} request.`,
  );
}

function notCancelable(request: ScheduleRequest, why: string): DomainError {
  const instead = request.action === 'selfActivate' ? 'deactivate it with selfDeactivate' : 'end it with an adminRemove request';
  return badRequest(
    `Only a request that has not taken effect yet (waiting for approval, for an administrator's decision or for its start) can be canceled; this one cannot: ${why}. If it is in effect, ${instead}.`,
    'RequestNotCancelable',
  );
}

/** An activation waiting for approval or for its start: its workflow is told, and finds it ended. */
async function cancelActivation(deps: ScheduleDeps, request: ScheduleRequest, caller: Caller): Promise<void> {
  const found = await deps.schedules.getRequestWithSchedule('assignment', request.id);
  // Held already (its grant landed before the request was marked provisioned): that is a deactivation.
  if (found?.schedule?.roleAssignmentOriginId) throw notCancelable(request, 'the role is already held');
  await endActivation(deps, request.id, 'Canceled', 'The requester canceled the request.', caller);
  await deps.workflow?.notify(request.id, 'canceled');
}

/** An administrator's assignment or eligibility that starts later: its schedule ends before it ever takes effect. */
async function cancelBeforeStart(deps: ScheduleDeps, kind: ScheduleKind, request: ScheduleRequest, caller: Caller, correlationId: string): Promise<void> {
  const now = deps.clock.now();
  const live = await deps.schedules.liveInSlot(kind, request);
  if (!live || live.value.id !== request.targetScheduleId) throw notCancelable(request, 'the schedule it created has since been removed or replaced');
  if (Date.parse(live.value.startDateTime) <= now.getTime() || live.value.roleAssignmentOriginId !== null) {
    throw notCancelable(request, `its schedule took effect at ${live.value.startDateTime}`);
  }
  const ended: Schedule = { ...live.value, status: 'Canceled', modifiedDateTime: now.toISOString() };
  const canceled: ScheduleRequest = { ...moveRequest(request, { type: 'canceled' }), completedDateTime: now.toISOString() };
  const reason = `${caller.name ?? 'An administrator'} canceled the request before its start.`;
  const changes = await canceledChanges(deps, request, canceled, caller, correlationId, now, reason, ended, [
    { displayName: 'schedule status', oldValue: live.value.status, newValue: ended.status },
  ]);
  await deps.schedules.update(ended, live.etag, canceled, changes);
  // Why: the reconcile pass may have been granting it at this very moment; an ended schedule holds nothing.
  if (kind === 'assignment') await afterCommit(correlationId, 'making sure the canceled assignment holds nothing', () => revokeUnlessNeeded(deps, ended, now));
}

/** selfExtend / selfRenew waiting for an administrator: the holder takes the ask back. */
async function withdrawAsk(deps: ScheduleDeps, request: ScheduleRequest, caller: Caller, correlationId: string): Promise<void> {
  const now = deps.clock.now();
  const canceled: ScheduleRequest = { ...moveRequest(request, { type: 'canceled' }), completedDateTime: now.toISOString() };
  await deps.schedules.saveRequest(canceled, await canceledChanges(deps, request, canceled, caller, correlationId, now, 'The requester withdrew the request.'));
}

/** The event and audit record of a cancel, written in the same transaction as the change. */
async function canceledChanges(
  deps: ScheduleDeps,
  before: ScheduleRequest,
  request: ScheduleRequest,
  caller: Caller,
  correlationId: string,
  now: Date,
  reason: string,
  schedule?: Schedule,
  modified: Array<{ displayName: string; oldValue: string | null; newValue: string | null }> = [],
) {
  const event = await domainEvent(deps, 'request.canceled', {
    slot: request,
    request,
    schedule,
    actor: caller,
    data: { reason, requesterId: request.createdBy.user.id, scheduleId: schedule?.id ?? null, approvers: [] },
  });
  const audit = auditRecord({
    activity: `${request.action} request for ${NAMES[request.kind].audit} of role in PIM canceled`,
    operationType: 'Other',
    caller,
    correlationId,
    at: now,
    targets: [
      { id: request.principalId, displayName: null, type: 'User', modifiedProperties: [] },
      targetResource(request.target, await targetName(deps, request.target), [{ displayName: 'request status', oldValue: before.status, newValue: request.status }, ...modified]),
    ],
    details: { requestId: request.id, scheduleId: schedule?.id, action: request.action, reason },
  });
  return { events: [event], audit: [audit] };
}
