import { type Approval, type ApprovalStep, approversNow } from '../domain/approval';
import type { DomainEvent } from '../domain/events';
import type { Schedule, ScheduleRequest } from '../domain/schedules';
import type { Caller } from '../domain/caller';
import { domainEvent, type EventDeps } from './events';

/** What every approval event says about its stage, so consumers need not read the approval. */
function stageData(approval: Approval, step: ApprovalStep): Record<string, unknown> {
  return {
    approvalId: approval.id,
    requesterId: approval.requesterId,
    stage: step.stage,
    stageCount: approval.steps.length,
    stepId: step.id,
    approvers: approversNow(step),
    approvalsRequired: step.approvalsRequired ?? 1,
    decisions: step.decisions ?? [],
    // The stage's deadline bounds its emailed links.
    deadline: step.startedDateTime ? new Date(Date.parse(step.startedDateTime) + step.timeoutMinutes * 60_000).toISOString() : null,
  };
}

/** Stage `stage` opened: its approvers are asked. */
export async function approvalNeeded(deps: EventDeps, approval: Approval, stage: number, request: ScheduleRequest, schedule?: Schedule): Promise<DomainEvent> {
  const step = approval.steps[stage];
  if (!step) throw new Error(`Approval ${approval.id} has no stage ${stage + 1}.`);
  return domainEvent(deps, 'approval.needed', { slot: approval, request, schedule, actor: { id: approval.requesterId, displayName: request.createdBy.user.displayName }, data: stageData(approval, step) });
}

/** The open stage passed its escalation time: its escalation approvers are asked too. */
export async function approvalEscalated(deps: EventDeps, approval: Approval, step: ApprovalStep, request: ScheduleRequest): Promise<DomainEvent> {
  return domainEvent(deps, 'approval.escalated', {
    slot: approval,
    request,
    data: { ...stageData(approval, step), escalationApprovers: step.escalation?.approvers ?? [] },
  });
}

/**
 * The events one decision causes: the decision recorded (quorum not reached yet) or the stage
 * decided, and, when that opened the next stage, its approval.needed.
 */
export async function decisionEvents(deps: EventDeps, before: Approval, after: Approval, stepId: string, caller: Caller, request: ScheduleRequest): Promise<DomainEvent[]> {
  const step = after.steps.find((s) => s.id === stepId);
  if (!step) return [];
  const decided = step.status === 'Completed';
  const events = [
    await domainEvent(deps, decided ? 'approval.stageDecided' : 'approval.decisionRecorded', {
      slot: after,
      request,
      actor: caller,
      data: { ...stageData(after, step), reviewResult: step.reviewResult, reviewedBy: step.reviewedBy, reviewedDateTime: step.reviewedDateTime, justification: step.justification },
    }),
  ];
  const opened = after.steps.find((s) => s.status === 'InProgress' && before.steps.find((b) => b.id === s.id)?.status === 'NotStarted');
  if (opened) events.push(await approvalNeeded(deps, after, opened.stage, request));
  return events;
}
