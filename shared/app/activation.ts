import { randomUUID } from 'node:crypto';
import { planActivation } from '../domain/activation';
import { newApproval } from '../domain/approval';
import { scheduleIdFor, siblingId } from './ids';
import { scopeOf } from '../domain/target';
import { approvalNeeded } from './approvalEvents';
import { activationCondition, eligibilityFit } from '../domain/condition';
import { badRequest, DomainError } from '../domain/errors';
import { moveRequest } from '../domain/requestState';
import type { Schedule, ScheduleRequest } from '../domain/schedules';
import { auditRecord } from './audit';
import { domainEvent } from './events';
import { type ActionContext, assignmentExists, newRequest, requirePolicy, targets } from './requestContext';
import { alreadyInDirectory } from './settleSchedule';
import type { WrittenVersions } from '../ports/schedules';

/**
 * selfActivate: checked against the policy and the caller's eligibility, then the slot is
 * claimed (so of many concurrent requests exactly one proceeds), the approval recorded when
 * the policy asks for one, and the activation's durable workflow started (id = request id).
 */
export async function activate(ctx: ActionContext): Promise<ScheduleRequest> {
  const { deps, body, caller, now } = ctx;
  // Eligible when a live eligibility covers the target: the same one, or one at a scope above it;
  // of several, the one whose condition fits the request's best.
  const fit = (s: (typeof ctx.covering)[number]) => eligibilityFit(s.value.condition, body.condition);
  const eligibility = ctx.covering.filter((s) => s.value.status === 'Provisioned').sort((a, b) => fit(a) - fit(b))[0];
  if (!eligibility) {
    throw badRequest(
      `You are not eligible for ${ctx.roleName} at scope '${scopeOf(body.target)}' (no eligible assignment, or it has not started or has ended).`,
      'RoleAssignmentRequestNotEligible',
    );
  }
  const plan = planActivation(requirePolicy(ctx), eligibility.value, body, caller, now);
  // The eligibility's condition, which the activation cannot drop or change; else the request's own.
  const condition = activationCondition(eligibility.value.condition, body.condition);
  if (ctx.live) {
    throw ctx.live.value.status === 'PendingApproval'
      ? badRequest(`A request to activate ${ctx.roleName} is already waiting for approval; cancel it or wait.`, 'PendingRoleAssignmentRequest')
      : assignmentExists(ctx);
  }
  const needsApproval = plan.approvalStages.length > 0;
  const schedule: Schedule = {
    id: scheduleIdFor(body),
    kind: 'assignment',
    principalId: body.principalId,
    target: body.target,
    appScopeId: null,
    startDateTime: plan.start.toISOString(),
    endDateTime: plan.end.toISOString(),
    status: needsApproval ? 'PendingApproval' : 'PendingProvisioning',
    memberType: 'Direct',
    assignmentType: 'Activated',
    createdUsing: '',
    createdDateTime: now.toISOString(),
    modifiedDateTime: now.toISOString(),
    roleAssignmentOriginId: null,
    linkedEligibilityScheduleId: eligibility.value.id,
    // Why: a role someone assigned outside PIM must outlive this activation.
    grantedByPim: !(await alreadyInDirectory(deps, body, condition)),
    condition,
  };
  const requestId = body.requestId ?? siblingId(schedule.id);
  const approval = needsApproval ? newApproval(requestId, caller.oid, body, plan.approvalStages, now, randomUUID) : null;
  const request: ScheduleRequest = {
    ...newRequest(ctx, { type: 'activationRequested', approval }, plan.start, plan.end, schedule.id),
    id: requestId,
    completedDateTime: null,
    condition,
  };
  if (needsApproval) request.approvalId = request.id;
  schedule.createdUsing = request.id;
  if (body.isValidationOnly) return request;
  if (!deps.workflow) throw new Error('Activation needs the durable workflow; this entry point has none.');
  const created = await domainEvent(deps, 'request.created', { slot: body, request, schedule, actor: caller });
  const audit = auditRecord({
    activity: needsApproval ? 'Add member to role request approval requested (PIM activation)' : 'Add member to role requested (PIM activation)',
    operationType: 'Assign',
    caller,
    correlationId: ctx.correlationId,
    at: now,
    targets: targets(ctx, [
      { displayName: 'startDateTime', oldValue: null, newValue: schedule.startDateTime },
      { displayName: 'endDateTime', oldValue: null, newValue: schedule.endDateTime },
    ]),
    details: { requestId: request.id, justification: body.justification ?? undefined, ticketNumber: body.ticketInfo.ticketNumber ?? undefined },
  });
  let written: WrittenVersions = {};
  if (!(await deps.schedules.create(schedule, request, { events: [created], audit: [audit] }, { onWritten: (v) => (written = v) }))) throw assignmentExists(ctx);
  if (approval) {
    await deps.approvals.create(approval, { events: [await approvalNeeded(deps, approval, 0, request, schedule)] });
  }
  try {
    await deps.workflow.start(request.id, {
      requestId: request.id,
      stageTimeoutsMinutes: plan.approvalStages.map((s) => s.timeoutMinutes),
      startDateTime: schedule.startDateTime,
      // Why: its first step (the grant, when no approval is asked) then writes without reading it all again.
      ...(written.version ? { state: { request, schedule, version: written.version, ...(written.requestVersion ? { requestVersion: written.requestVersion } : {}) } } : {}),
    });
  } catch (error) {
    // Nothing may stay half-applied: without its workflow the activation is withdrawn.
    const live = await deps.schedules.liveInSlot('assignment', body);
    if (live?.value.id === schedule.id) {
      const failed = moveRequest(request, { type: 'failed' }, approval);
      const event = await domainEvent(deps, 'request.failed', { slot: body, request: failed, schedule, data: { reason: 'The activation workflow could not be started.' } });
      await deps.schedules.update({ ...live.value, status: 'Failed' }, live.etag, failed, { events: [event] });
    }
    throw new DomainError('ServiceUnavailable', `The activation could not be started; try again. (${error instanceof Error ? error.message : String(error)})`, 503);
  }
  return request;
}
