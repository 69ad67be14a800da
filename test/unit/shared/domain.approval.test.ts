import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Approval, closeApproval, decide, dueForEscalation, escalate, newApproval } from '../../../shared/domain/approval';
import type { ApprovalStagePlan } from '../../../shared/domain/activation';

const people = ['p0', 'p1', 'p2', 'p3', 'p4'];
const at = new Date('2026-11-23T10:00:00Z');

function stage(overrides: Partial<ApprovalStagePlan> = {}): ApprovalStagePlan {
  return {
    approvers: people.map((userId) => ({ '@odata.type': '#microsoft.graph.singleUser' as const, userId })),
    timeoutMinutes: 1440,
    isApproverJustificationRequired: false,
    approvalsRequired: 1,
    denyMode: 'any',
    escalation: null,
    ...overrides,
  };
}

const approvalWith = (...stages: ApprovalStagePlan[]) => newApproval('req', 'requester', { principalId: 'requester', target: { kind: 'directoryRole', roleDefinitionId: 'r', directoryScopeId: '/' } }, stages, at, randomUUID);

function apply(approval: Approval, reviewer: string, result: 'Approve' | 'Deny'): Approval {
  const step = approval.steps.find((s) => s.status === 'InProgress');
  if (!step) throw new Error('no open step');
  return decide(approval, { stepId: step.id, reviewer: { id: reviewer, displayName: reviewer }, isApprover: true, approverCount: people.length, reviewResult: result, justification: '', at });
}

describe('approval quorum', () => {
  it('approves a stage exactly when N distinct people approved (any-deny mode, no denies)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.constantFrom(...people), { maxLength: 12 }), (required, reviewers) => {
        let approval = approvalWith(stage({ approvalsRequired: required }));
        const counted = new Set<string>();
        for (const reviewer of reviewers) {
          if (approval.status === 'Completed') break;
          if (counted.has(reviewer)) {
            // The same person again is refused and changes nothing.
            expect(() => apply(approval, reviewer, 'Approve')).toThrow(/already approved/);
            continue;
          }
          approval = apply(approval, reviewer, 'Approve');
          counted.add(reviewer);
        }
        expect(approval.steps[0]?.reviewResult === 'Approved').toBe(counted.size >= required);
        expect(approval.steps[0]?.decisions?.length).toBe(counted.size);
      }),
    );
  });

  it("ends the stage on one deny in 'any' mode, and only on a majority (or an unreachable quorum) in 'majority' mode", () => {
    expect(apply(approvalWith(stage({ approvalsRequired: 3 })), 'p0', 'Deny').steps[0]?.reviewResult).toBe('Denied');
    let majority = approvalWith(stage({ approvalsRequired: 2, denyMode: 'majority' }));
    majority = apply(majority, 'p0', 'Deny');
    majority = apply(majority, 'p1', 'Deny');
    expect(majority.steps[0]?.reviewResult).toBe('NotReviewed');
    majority = apply(majority, 'p2', 'Deny');
    expect(majority.steps[0]?.reviewResult).toBe('Denied');
    expect(majority.status).toBe('Completed');
    // 5 approvers, 4 needed: 2 denies leave only 3 possible approvals.
    let unreachable = approvalWith(stage({ approvalsRequired: 4, denyMode: 'majority' }));
    unreachable = apply(unreachable, 'p0', 'Deny');
    expect(unreachable.steps[0]?.reviewResult).toBe('NotReviewed');
    unreachable = apply(unreachable, 'p1', 'Deny');
    expect(unreachable.steps[0]?.reviewResult).toBe('Denied');
  });

  it('refuses a decision on a step closed undecided (canceled or timed out) without naming a reviewer', () => {
    const closed = closeApproval(approvalWith(stage()));
    const stepId = closed.steps[0]?.id ?? '';
    const attempt = () => decide(closed, { stepId, reviewer: { id: 'p0', displayName: 'p0' }, isApprover: true, approverCount: people.length, reviewResult: 'Approve', justification: '', at });
    expect(attempt).toThrow(/no longer waiting for a decision/);
    expect(attempt).toThrow(expect.objectContaining({ code: 'ApprovalStepNotInProgress' }));
  });

  it('never lets the requester decide, whatever the approver list says', () => {
    const approval = approvalWith(stage());
    const stepId = approval.steps[0]?.id ?? '';
    expect(() => decide(approval, { stepId, reviewer: { id: 'requester', displayName: null }, isApprover: true, approverCount: 5, reviewResult: 'Approve', justification: '', at })).toThrow(/own request/);
  });

  it('opens up to three stages in series, each with its own quorum', () => {
    let approval = approvalWith(stage(), stage({ approvalsRequired: 2 }), stage());
    approval = apply(approval, 'p0', 'Approve');
    expect(approval.steps.map((s) => s.status)).toEqual(['Completed', 'InProgress', 'NotStarted']);
    approval = apply(approval, 'p1', 'Approve');
    expect(approval.steps[1]?.status).toBe('InProgress');
    approval = apply(approval, 'p2', 'Approve');
    approval = apply(approval, 'p3', 'Approve');
    expect(approval.status).toBe('Completed');
    expect(approval.steps.every((s) => s.reviewResult === 'Approved')).toBe(true);
  });
});

describe('escalation', () => {
  it('is due once the escalation time passed without a decision, and only once', () => {
    const approval = approvalWith(stage({ escalation: { afterMinutes: 30, approvers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: 'esc' }] } }));
    expect(dueForEscalation(approval, new Date(at.getTime() + 29 * 60_000))).toBeUndefined();
    const later = new Date(at.getTime() + 30 * 60_000);
    expect(dueForEscalation(approval, later)?.id).toBe(approval.steps[0]?.id);
    const escalated = escalate(approval, later);
    expect(escalated.steps[0]?.escalatedDateTime).toBe(later.toISOString());
    expect(dueForEscalation(escalated, new Date(later.getTime() + 60_000))).toBeUndefined();
    expect(dueForEscalation(approvalWith(stage()), later)).toBeUndefined();
  });
});
