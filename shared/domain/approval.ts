import { badRequest, conflict, DomainError, forbidden } from './errors';
import type { ApprovalStagePlan } from './activation';
import type { Approver } from './policy/types';
import type { Slot } from './schedules';

/** One approver's recorded decision on a stage (a stage may need several: the quorum). */
export interface StageDecision {
  reviewer: { id: string; displayName: string | null };
  result: 'Approved' | 'Denied';
  at: string;
  justification: string | null;
}

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
  /** Distinct approvals that approve the stage (older records: 1). */
  approvalsRequired?: number;
  denyMode?: 'any' | 'majority';
  decisions?: StageDecision[];
  escalation?: { afterMinutes: number; approvers: Approver[] } | null;
  /** When the escalation approvers took over (they decide alongside the primary ones from then). */
  escalatedDateTime?: string | null;
}

/** The approval of one activation request; its id is the request's id. */
export interface Approval extends Slot {
  id: string;
  requestId: string;
  requesterId: string;
  status: 'InProgress' | 'Completed';
  steps: ApprovalStep[];
}

/** A new approval with its first stage open; `newId` names its steps (the domain makes no ids itself). */
export function newApproval(requestId: string, requesterId: string, slot: Slot, stages: ApprovalStagePlan[], now: Date, newId: () => string): Approval {
  return {
    id: requestId,
    requestId,
    requesterId,
    ...slot,
    status: 'InProgress',
    steps: stages.map((s, i) => ({
      id: newId(),
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
      approvalsRequired: s.approvalsRequired,
      denyMode: s.denyMode,
      decisions: [],
      escalation: s.escalation,
      escalatedDateTime: null,
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
  /** Whether the reviewer may decide this step now (its approvers, or escalation approvers once escalated). */
  isApprover: boolean;
  /** How many distinct people may decide the step (for a majority deny). */
  approverCount: number;
  reviewResult: unknown;
  justification: unknown;
  at: Date;
}

/** The approvers who may decide the step now: primary ones, plus escalation approvers once escalated. */
export function approversNow(step: ApprovalStep): Approver[] {
  return step.escalatedDateTime && step.escalation ? [...step.approvers, ...step.escalation.approvers] : step.approvers;
}

/**
 * Records one approver's decision on the current stage. The requester never approves their
 * own request; only the stage's approvers decide, each once; a decided step stays decided
 * (409 naming who). The stage is approved by `approvalsRequired` distinct approvals, and
 * denied by one deny ('any') or by a majority of its approvers ('majority'), or as soon as
 * the approvals still possible cannot reach the quorum.
 */
export function decide(approval: Approval, d: Decision): Approval {
  const step = approval.steps.find((s) => s.id === d.stepId);
  if (!step) throw new DomainError('ResourceNotFound', `The approval step '${d.stepId}' was not found.`, 404);
  if (d.reviewResult !== 'Approve' && d.reviewResult !== 'Deny') throw badRequest("reviewResult must be 'Approve' or 'Deny'.");
  // Why: separation of duties: nobody approves their own privileged access.
  if (d.reviewer.id === approval.requesterId) throw new DomainError('SelfApprovalNotAllowed', 'You cannot approve or deny your own request.', 403);
  if (!d.isApprover) throw forbidden('You are not an approver of this stage of the request.');
  // A step closed without a decision (the request was canceled or timed out) names no reviewer.
  if (step.status === 'Completed' && step.reviewResult === 'NotReviewed') {
    throw conflict('This request is no longer waiting for a decision: it was canceled or its approval timed out.', 'ApprovalStepNotInProgress');
  }
  if (step.status === 'Completed') {
    throw conflict(`This step was already ${step.reviewResult.toLowerCase()} by ${step.reviewedBy?.displayName ?? step.reviewedBy?.id ?? 'another approver'} at ${step.reviewedDateTime}.`, 'ApprovalStepAlreadyDecided');
  }
  if (step.status === 'NotStarted' || approval.status === 'Completed') throw conflict('This step is not open for decisions.', 'ApprovalStepNotInProgress');
  const earlier = (step.decisions ?? []).find((x) => x.reviewer.id === d.reviewer.id);
  if (earlier) throw conflict(`You already ${earlier.result.toLowerCase()} this stage at ${earlier.at}; it waits for other approvers.`, 'ApprovalAlreadyRecorded');
  const justification = typeof d.justification === 'string' ? d.justification.trim() : '';
  if (step.isApproverJustificationRequired && !justification) throw badRequest('A justification is required to decide this request.');
  if (justification.length > 500) throw badRequest('The justification may be at most 500 characters.');

  const decision: StageDecision = { reviewer: d.reviewer, result: d.reviewResult === 'Approve' ? 'Approved' : 'Denied', at: d.at.toISOString(), justification: justification || null };
  const decisions = [...(step.decisions ?? []), decision];
  const result = stageResult(step, decisions, d.approverCount);
  const steps = approval.steps.map((s) => {
    if (s.id === step.id) {
      const recorded = { ...s, decisions };
      if (result === 'Pending') return recorded;
      return { ...recorded, status: 'Completed' as const, reviewResult: result, reviewedBy: d.reviewer, reviewedDateTime: decision.at, justification: decision.justification };
    }
    if (result === 'Approved' && s.stage === step.stage + 1) return { ...s, status: 'InProgress' as const, startedDateTime: decision.at };
    return s;
  });
  const next = { ...approval, steps };
  return { ...next, status: outcomeOf(next) === 'Pending' ? 'InProgress' : 'Completed' };
}

function stageResult(step: ApprovalStep, decisions: StageDecision[], approverCount: number): Outcome {
  const required = step.approvalsRequired ?? 1;
  const approvals = decisions.filter((x) => x.result === 'Approved').length;
  const denials = decisions.length - approvals;
  if (approvals >= required) return 'Approved';
  if (denials === 0) return 'Pending';
  if ((step.denyMode ?? 'any') === 'any') return 'Denied';
  const undecided = Math.max(0, approverCount - decisions.length);
  if (denials * 2 > approverCount || approvals + undecided < required) return 'Denied';
  return 'Pending';
}

/** Marks the open step escalated: its escalation approvers may decide from now on. */
export function escalate(approval: Approval, at: Date): Approval {
  const step = currentStep(approval);
  if (!step?.escalation || step.escalatedDateTime) return approval;
  return { ...approval, steps: approval.steps.map((s) => (s.id === step.id ? { ...s, escalatedDateTime: at.toISOString() } : s)) };
}

/** The open step due for escalation: escalation set, not yet escalated, and its time passed without a decision. */
export function dueForEscalation(approval: Approval, now: Date): ApprovalStep | undefined {
  const step = currentStep(approval);
  if (approval.status !== 'InProgress' || !step?.escalation || step.escalatedDateTime || !step.startedDateTime) return undefined;
  return Date.parse(step.startedDateTime) + step.escalation.afterMinutes * 60_000 <= now.getTime() ? step : undefined;
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

/**
 * The next moment the reconcile pass must look at an approval: its open stage's escalation or
 * time limit; once decided, a little later, to apply the decision if its workflow was lost.
 */
export function nextApprovalAttention(approval: Approval, stalledAfterMs: number): Date | undefined {
  if (approval.status === 'Completed') {
    const decidedAt = approval.steps.map((s) => s.reviewedDateTime).filter((t): t is string => t !== null).sort().at(-1);
    return decidedAt ? new Date(Date.parse(decidedAt) + stalledAfterMs) : undefined;
  }
  const step = currentStep(approval);
  if (approval.status !== 'InProgress' || !step?.startedDateTime) return undefined;
  const opened = Date.parse(step.startedDateTime);
  const times = [opened + step.timeoutMinutes * 60_000];
  if (step.escalation && !step.escalatedDateTime) times.push(opened + step.escalation.afterMinutes * 60_000);
  return new Date(Math.min(...times));
}
