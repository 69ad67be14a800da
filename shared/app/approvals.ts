import { type Approval, currentStep, decide } from '../domain/approval';
import { badRequest, forbidden, notFound } from '../domain/errors';
import type { Approver } from '../domain/policy/types';
import type { ScheduleRequest } from '../domain/schedules';
import type { Caller } from '../http/auth';
import type { Directory } from '../ports/directory';
import { auditRecord } from './audit';
import { endActivation } from './activationSteps';
import type { ScheduleDeps } from './scheduleRequests';

/** Whether the user is one of these approvers: named, or a member of a named group right now. */
async function isAmong(directory: Directory, approvers: Approver[], userId: string): Promise<boolean> {
  for (const a of approvers) {
    if (a['@odata.type'] === '#microsoft.graph.singleUser' && a.userId === userId) return true;
    if (a['@odata.type'] === '#microsoft.graph.groupMembers' && (await directory.groupMemberIds(a.groupId)).includes(userId)) return true;
  }
  return false;
}

async function isApproverOfAny(directory: Directory, approval: Approval, userId: string): Promise<boolean> {
  for (const step of approval.steps) if (await isAmong(directory, step.approvers, userId)) return true;
  return false;
}

/** An approval the caller may see: its requester, its approvers, admins and auditors. Others get 404. */
export async function getApproval(deps: ScheduleDeps, caller: Caller, id: string): Promise<{ approval: Approval; assignedToMe: Set<string> }> {
  const found = await deps.approvals.get(id);
  if (!found) throw notFound('approval', id);
  const approval = found.value;
  const mine = await isApproverOfAny(deps.directory, approval, caller.oid);
  if (!mine && approval.requesterId !== caller.oid && !caller.isAdmin && !caller.isAuditor) throw notFound('approval', id);
  const assignedToMe = new Set<string>();
  for (const step of approval.steps) {
    if (caller.oid !== approval.requesterId && (await isAmong(deps.directory, step.approvers, caller.oid))) assignedToMe.add(step.id);
  }
  return { approval, assignedToMe };
}

/**
 * PATCH …/steps/{stepId}: records the decision first (conditional write: of two approvers
 * deciding at once, one wins and the other gets 409), then wakes the request's workflow.
 */
export async function decideStep(deps: ScheduleDeps, caller: Caller, approvalId: string, stepId: string, body: unknown, correlationId: string): Promise<void> {
  const found = await deps.approvals.get(approvalId);
  if (!found) throw notFound('approval', approvalId);
  const step = found.value.steps.find((s) => s.id === stepId);
  if (!step) throw notFound('approval step', stepId);
  if (typeof body !== 'object' || body === null) throw badRequest('Send {"reviewResult": "Approve" | "Deny", "justification": "..."}.');
  const b = body as Record<string, unknown>;
  const now = deps.clock.now();
  const isApprover = await isAmong(deps.directory, step.approvers, caller.oid);
  if (!isApprover && found.value.requesterId !== caller.oid && !(await isApproverOfAny(deps.directory, found.value, caller.oid)) && !caller.isAdmin) {
    throw notFound('approval', approvalId);
  }
  const next = decide(found.value, {
    stepId,
    reviewer: { id: caller.oid, displayName: caller.name ?? null },
    isApprover,
    reviewResult: b.reviewResult,
    justification: b.justification,
    at: now,
  });
  await deps.approvals.replace(next, found.etag);
  const decided = next.steps.find((s) => s.id === stepId);
  await deps.audit.append(
    auditRecord({
      activity: decided?.reviewResult === 'Approved' ? 'Add member to role request approved (PIM activation)' : 'Add member to role request denied (PIM activation)',
      operationType: 'Other',
      caller,
      correlationId,
      at: now,
      targets: [
        { id: next.requesterId, displayName: null, type: 'User', modifiedProperties: [] },
        { id: next.roleDefinitionId, displayName: null, type: 'Role', modifiedProperties: [{ displayName: `stage ${step.stage + 1}`, oldValue: 'NotReviewed', newValue: decided?.reviewResult ?? null }] },
      ],
      details: { requestId: next.requestId, justification: decided?.justification ?? undefined },
    }),
  );
  await deps.workflow?.notify(next.requestId, 'approvalDecided');
}

/** Requests waiting for the caller's decision (filterByCurrentUser(on='approver')). */
export async function requestsAwaitingMe(deps: ScheduleDeps, caller: Caller): Promise<ScheduleRequest[]> {
  const out: ScheduleRequest[] = [];
  for (const approval of await deps.approvals.list()) {
    const step = currentStep(approval);
    if (approval.status !== 'InProgress' || !step || approval.requesterId === caller.oid) continue;
    if (!(await isAmong(deps.directory, step.approvers, caller.oid))) continue;
    const request = await deps.schedules.getRequest('assignment', approval.requestId);
    if (request?.status === 'PendingApproval') out.push(request);
  }
  return out;
}

/** POST …/roleAssignmentScheduleRequests/{id}/cancel: the requester withdraws a pending request. */
export async function cancelRequest(deps: ScheduleDeps, caller: Caller, requestId: string): Promise<void> {
  const request = await deps.schedules.getRequest('assignment', requestId);
  if (!request || (request.principalId !== caller.oid && !caller.isAdmin)) throw notFound('schedule request', requestId);
  if (request.principalId !== caller.oid) throw forbidden('Only the requester can cancel a request.');
  if (request.status !== 'PendingApproval') throw badRequest(`Only a request waiting for approval can be canceled; this one is ${request.status}.`, 'RequestNotCancelable');
  await endActivation(deps, requestId, 'Canceled', 'The requester canceled the request.');
  await deps.workflow?.notify(requestId, 'canceled');
}
