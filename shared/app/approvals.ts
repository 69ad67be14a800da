import { type Approval, type ApprovalStep, approversNow, currentStep } from '../domain/approval';
import { targetResource } from './targets';
import { badRequest, forbidden, notFound } from '../domain/errors';
import type { Approver } from '../domain/policy/types';
import { recordDecision } from '../domain/requestState';
import type { ScheduleRequest } from '../domain/schedules';
import type { Caller } from '../domain/caller';
import type { Principals } from '../ports/principals';
import { decisionEvents } from './approvalEvents';
import { auditRecord } from './audit';
import { retryOnConflict } from './conflicts';
import type { ScheduleDeps } from './requestContext';

/** Whether the user is one of these approvers: named, or a member of a named group right now. */
async function isAmong(directory: Principals, approvers: Approver[], userId: string): Promise<boolean> {
  for (const a of approvers) {
    if (a['@odata.type'] === '#microsoft.graph.singleUser' && a.userId === userId) return true;
    if (a['@odata.type'] === '#microsoft.graph.groupMembers' && (await directory.groupMemberIds(a.groupId)).includes(userId)) return true;
  }
  return false;
}

async function isApproverOfAny(directory: Principals, approval: Approval, userId: string): Promise<boolean> {
  for (const step of approval.steps) if (await isAmong(directory, approversNow(step), userId)) return true;
  return false;
}

/** The distinct people who may decide, without the requester (the base of a majority deny). */
export async function approverIds(directory: Principals, approvers: Approver[], requesterId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const a of approvers) {
    if (a['@odata.type'] === '#microsoft.graph.singleUser') ids.add(a.userId);
    else for (const id of await directory.groupMemberIds(a.groupId)) ids.add(id);
  }
  ids.delete(requesterId);
  return ids;
}

/** One who may decide a step, as the API shows it: a user, or a group whose members may. */
export interface ApproverShown {
  id: string;
  displayName: string | null;
  type: 'user' | 'group';
}

/**
 * Who may decide a step now (its approvers, and its escalation approvers once escalated), by
 * name, so a requester waiting for approval knows whom to ask.
 */
export async function approversShown(directory: Principals, step: ApprovalStep): Promise<ApproverShown[]> {
  return Promise.all(
    approversNow(step).map(async (a) => {
      const user = a['@odata.type'] === '#microsoft.graph.singleUser';
      const id = user ? a.userId : a.groupId;
      const found = await directory.getPrincipal(id).catch(() => undefined);
      return { id, displayName: found?.displayName ?? a.description ?? null, type: user ? ('user' as const) : ('group' as const) };
    }),
  );
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
    if (caller.oid !== approval.requesterId && (await isAmong(deps.directory, approversNow(step), caller.oid))) assignedToMe.add(step.id);
  }
  return { approval, assignedToMe };
}

/**
 * PATCH …/steps/{stepId}: records the decision first (a conditional write, with the events in
 * the same transaction), then wakes the request's workflow. Two approvers deciding at once
 * both count: the one whose write lost re-reads and decides again on what is stored.
 */
export async function decideStep(deps: ScheduleDeps, caller: Caller, approvalId: string, stepId: string, body: unknown, correlationId: string): Promise<void> {
  // Why: an app-only token may act on its own identity only (self actions); an approval is a
  // decision about someone else's access, which a pipeline must never make for a person.
  if (caller.isApp) throw forbidden('An application cannot approve or deny requests; an approver must sign in as a user.');
  if (typeof body !== 'object' || body === null) throw badRequest('Send {"reviewResult": "Approve" | "Deny", "justification": "..."}.');
  await retryOnConflict(() => decideOnce(deps, caller, approvalId, stepId, body as Record<string, unknown>, correlationId));
}

async function decideOnce(deps: ScheduleDeps, caller: Caller, approvalId: string, stepId: string, b: Record<string, unknown>, correlationId: string): Promise<void> {
  const found = await deps.approvals.get(approvalId);
  if (!found) throw notFound('approval', approvalId);
  const step = found.value.steps.find((s) => s.id === stepId);
  if (!step) throw notFound('approval step', stepId);
  const now = deps.clock.now();
  const approvers = approversNow(step);
  const isApprover = await isAmong(deps.directory, approvers, caller.oid);
  if (!isApprover && found.value.requesterId !== caller.oid && !(await isApproverOfAny(deps.directory, found.value, caller.oid)) && !caller.isAdmin) {
    throw notFound('approval', approvalId);
  }
  const request = await deps.schedules.getRequest('assignment', found.value.requestId);
  if (!request) throw notFound('schedule request', found.value.requestId);
  const next = recordDecision(request, found.value, {
    stepId,
    reviewer: { id: caller.oid, displayName: caller.name ?? null },
    isApprover,
    approverCount: (await approverIds(deps.directory, approvers, found.value.requesterId)).size,
    reviewResult: b.reviewResult,
    justification: b.justification,
    at: now,
  });
  const decided = next.steps.find((s) => s.id === stepId);
  const mine = decided?.decisions?.find((x) => x.reviewer.id === caller.oid);
  const audit = auditRecord({
    activity: mine?.result === 'Approved' ? 'Add member to role request approved (PIM activation)' : 'Add member to role request denied (PIM activation)',
    operationType: 'Other',
    caller,
    correlationId,
    at: now,
    targets: [
      { id: next.requesterId, displayName: null, type: 'User', modifiedProperties: [] },
      targetResource(next.target, null, [{ displayName: `stage ${step.stage + 1}`, oldValue: step.reviewResult, newValue: decided?.reviewResult ?? null }]),
    ],
    details: { requestId: next.requestId, decision: mine?.result, stageResult: decided?.reviewResult, justification: mine?.justification ?? undefined },
  });
  await deps.approvals.replace(next, found.etag, { events: await decisionEvents(deps, found.value, next, stepId, caller, request), audit: [audit] });
  if (decided?.status === 'Completed') await deps.workflow?.notify(next.requestId, 'approvalDecided');
}

/** Requests waiting for the caller's decision (filterByCurrentUser(on='approver')). */
export async function requestsAwaitingMe(deps: ScheduleDeps, caller: Caller): Promise<ScheduleRequest[]> {
  const out: ScheduleRequest[] = [];
  for (const approval of await deps.approvals.listOpen()) {
    const step = currentStep(approval);
    if (approval.status !== 'InProgress' || !step || approval.requesterId === caller.oid) continue;
    if (!(await isAmong(deps.directory, approversNow(step), caller.oid))) continue;
    if ((step.decisions ?? []).some((x) => x.reviewer.id === caller.oid)) continue;
    const request = await deps.schedules.getRequest('assignment', approval.requestId);
    if (request?.status === 'PendingApproval') out.push(request);
  }
  return out;
}
