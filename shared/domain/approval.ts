import { randomUUID } from 'node:crypto';
import { badRequest, conflict, DomainError, forbidden } from './errors';
import type { ApprovalStagePlan } from './activation';
import type { Approver } from './policy/types';
import type { Slot } from './schedules';

export interface ApprovalStep {
  id: string;
  stage: number;
  status: 'NotStarted' | 'InProgress' | 'Completed';
  reviewResult: 'NotReviewed' | 'Approved' | 'Denied';
  reviewedBy: { id: string; displayName: string | null } | null;
  reviewedDateTime: string | null;
  justification: string | null;
  approvers: Approver[];
  isApproverJustificationRequired: boolean;
  timeoutMinutes: number;
  /** When the stage opened for decisions (its timeout counts from then). */
  startedDateTime: string | null;
}

/** The approval of one activation request; its id is the request's id. */
export interface Approval extends Slot {
  id: string;
  requestId: string;
  requesterId: string;
  status: 'InProgress' | 'Completed';
  steps: ApprovalStep[];
}

export function newApproval(requestId: string, requesterId: string, slot: Slot, stages: ApprovalStagePlan[], now: Date): Approval {
  return {
    id: requestId,
    requestId,
    requesterId,
    ...slot,
    status: 'InProgress',
    steps: stages.map((s, i) => ({
      id: randomUUID(),
      stage: i,
      status: i === 0 ? 'InProgress' : 'NotStarted',
      reviewResult: 'NotReviewed',
      reviewedBy: null,
      reviewedDateTime: null,
      justification: null,
      approvers: s.approvers,
      isApproverJustificationRequired: s.isApproverJustificationRequired,
      timeoutMinutes: s.timeoutMinutes,
      startedDateTime: i === 0 ? now.toISOString() : null,
    })),
  };
}

export function currentStep(approval: Approval): ApprovalStep | undefined {
  return approval.steps.find((s) => s.status === 'InProgress');
}

export type Outcome = 'Approved' | 'Denied' | 'Pending';

/** Approved when every stage approved, Denied when any stage denied, else Pending. */
export function outcomeOf(approval: Approval): Outcome {
  if (approval.steps.some((s) => s.reviewResult === 'Denied')) return 'Denied';
  if (approval.steps.every((s) => s.reviewResult === 'Approved')) return 'Approved';
  return 'Pending';
}

export interface Decision {
  stepId: string;
  reviewer: { id: string; displayName: string | null };
  /** Whether the reviewer is among the step's approvers (users, or members of its groups now). */
  isApprover: boolean;
  reviewResult: unknown;
  justification: unknown;
  at: Date;
}

/**
 * Records one approver's decision on the current stage. The requester never approves their
 * own request; only the stage's approvers decide; a decided step stays decided (409 naming who).
 */
export function decide(approval: Approval, d: Decision): Approval {
  const step = approval.steps.find((s) => s.id === d.stepId);
  if (!step) throw new DomainError('ResourceNotFound', `The approval step '${d.stepId}' was not found.`, 404);
  if (d.reviewResult !== 'Approve' && d.reviewResult !== 'Deny') throw badRequest("reviewResult must be 'Approve' or 'Deny'.");
  // Why: separation of duties: nobody approves their own privileged access.
  if (d.reviewer.id === approval.requesterId) throw new DomainError('SelfApprovalNotAllowed', 'You cannot approve or deny your own request.', 403);
  if (!d.isApprover) throw forbidden('You are not an approver of this stage of the request.');
  if (step.status === 'Completed') {
    throw conflict(`This step was already ${step.reviewResult.toLowerCase()} by ${step.reviewedBy?.displayName ?? step.reviewedBy?.id ?? 'another approver'} at ${step.reviewedDateTime}.`, 'ApprovalStepAlreadyDecided');
  }
  if (step.status === 'NotStarted' || approval.status === 'Completed') throw conflict('This step is not open for decisions.', 'ApprovalStepNotInProgress');
  const justification = typeof d.justification === 'string' ? d.justification.trim() : '';
  if (step.isApproverJustificationRequired && !justification) throw badRequest('A justification is required to decide this request.');
  if (justification.length > 500) throw badRequest('The justification may be at most 500 characters.');
  const approved = d.reviewResult === 'Approve';
  const steps = approval.steps.map((s) => {
    if (s.id === step.id) {
      return { ...s, status: 'Completed' as const, reviewResult: approved ? ('Approved' as const) : ('Denied' as const), reviewedBy: d.reviewer, reviewedDateTime: d.at.toISOString(), justification: justification || null };
    }
    if (approved && s.stage === step.stage + 1) return { ...s, status: 'InProgress' as const, startedDateTime: d.at.toISOString() };
    return s;
  });
  const next = { ...approval, steps };
  return { ...next, status: outcomeOf(next) === 'Pending' ? 'InProgress' : 'Completed' };
}

/** Closes every open step (timeout or cancellation). */
export function closeApproval(approval: Approval): Approval {
  return { ...approval, status: 'Completed', steps: approval.steps.map((s) => (s.status === 'Completed' ? s : { ...s, status: 'Completed' as const })) };
}

/** The open step whose time ran out, if any. */
export function overdueStep(approval: Approval, now: Date): ApprovalStep | undefined {
  const step = currentStep(approval);
  if (!step?.startedDateTime) return undefined;
  return Date.parse(step.startedDateTime) + step.timeoutMinutes * 60_000 <= now.getTime() ? step : undefined;
}
