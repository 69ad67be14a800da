import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovalStagePlan } from '../../../shared/domain/activation';
import { type Approval, type Decision, newApproval } from '../../../shared/domain/approval';
import {
  isTerminal,
  moveRequest,
  newRequestState,
  type RequestEvent,
  type RequestEventType,
  type RequestPhase,
  type RequestState,
  transition,
} from '../../../shared/domain/requestState';
import type { RequestStatus, ScheduleRequest } from '../../../shared/domain/schedules';

const REQUESTER = 'requester';
const OTHERS = ['p1', 'p2', 'p3', 'p4'];
const PEOPLE = [REQUESTER, ...OTHERS];
const at = new Date('2026-11-23T10:00:00Z');
const slot = { principalId: REQUESTER, target: { kind: 'directoryRole' as const, roleDefinitionId: 'r', directoryScopeId: '/' } };

const ALL_PHASES: RequestPhase[] = [
  'New',
  'PendingApproval',
  'Granted',
  'PendingProvisioning',
  'PendingAdminDecision',
  'ScheduleCreated',
  'PendingScheduleCreation',
  'Provisioned',
  'Revoked',
  'Denied',
  'Canceled',
  'TimedOut',
  'Failed',
];

function stage(approvers: string[], overrides: Partial<ApprovalStagePlan> = {}): ApprovalStagePlan {
  return {
    approvers: approvers.map((userId) => ({ '@odata.type': '#microsoft.graph.singleUser' as const, userId })),
    timeoutMinutes: 60,
    isApproverJustificationRequired: false,
    approvalsRequired: 1,
    denyMode: 'any',
    escalation: null,
    ...overrides,
  };
}

function approvalOf(stages: ApprovalStagePlan[], requesterId = REQUESTER): Approval {
  let n = 0;
  return newApproval('req-1', requesterId, slot, stages, at, () => `step-${n++}`);
}

/** A decision as the app builds it: isApprover and the approver count come from the stage's approvers. */
function decisionOn(approval: Approval, stepIndex: number | 'open', reviewer: string, result: 'Approve' | 'Deny'): Decision {
  const step = stepIndex === 'open' ? (approval.steps.find((s) => s.status === 'InProgress') ?? approval.steps[0]) : approval.steps[stepIndex % approval.steps.length];
  const ids = (step?.approvers ?? []).map((a) => (a['@odata.type'] === '#microsoft.graph.singleUser' ? a.userId : a.groupId));
  return {
    stepId: step?.id ?? 'none',
    reviewer: { id: reviewer, displayName: reviewer },
    isApprover: ids.includes(reviewer),
    approverCount: new Set(ids.filter((id) => id !== approval.requesterId)).size,
    reviewResult: result,
    justification: 'ok',
    at,
  };
}

function requested(approval: Approval | null): RequestState {
  const result = transition(newRequestState(REQUESTER), { type: 'activationRequested', approval });
  if (!result.ok) throw result.error;
  return result.state;
}

/** Decides every stage with approvals from OTHERS until each reaches its quorum. */
function approveAll(state: RequestState): RequestState {
  let s = state;
  for (let guard = 0; guard < 20 && s.approval?.status === 'InProgress'; guard++) {
    const open = s.approval.steps.find((x) => x.status === 'InProgress');
    const already = new Set((open?.decisions ?? []).map((d) => d.reviewer.id));
    const reviewer = OTHERS.find((p) => !already.has(p)) ?? 'nobody';
    const result = transition(s, { type: 'decisionRecorded', decision: decisionOn(s.approval, 'open', reviewer, 'Approve') });
    if (!result.ok) throw result.error;
    s = result.state;
  }
  return s;
}

const codeOf = (r: ReturnType<typeof transition>) => (r.ok ? `ok:${r.state.status}` : r.error.code);

// ---------------------------------------------------------------------------------------------
// Random sequences

type Command =
  | { kind: 'decide'; reviewer: string; result: 'Approve' | 'Deny'; step: number | 'open' }
  | { kind: 'event'; type: Exclude<RequestEventType, 'decisionRecorded' | 'activationRequested' | 'scheduleCreated' | 'scheduleChanged'> }
  | { kind: 'create'; event: Extract<RequestEvent, { type: 'activationRequested' | 'scheduleCreated' | 'scheduleChanged' | 'adminDecisionAsked' }> };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('decide' as const), reviewer: fc.constantFrom(...PEOPLE), result: fc.constantFrom('Approve' as const, 'Deny' as const), step: fc.oneof(fc.constant('open' as const), fc.nat(3)) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('event' as const), type: fc.constantFrom('approved' as const, 'denied' as const, 'timedOut' as const, 'canceled' as const, 'failed' as const, 'provisioned' as const, 'adminDecided' as const, 'adminDecisionAsked' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      event: fc.oneof(
        fc.constant({ type: 'activationRequested' as const, approval: null }),
        fc.record({ type: fc.constant('scheduleCreated' as const), kind: fc.constantFrom('eligibility' as const, 'assignment' as const), startsLater: fc.boolean() }),
        fc.record({ type: fc.constant('scheduleChanged' as const), ended: fc.boolean() }),
      ),
    }),
  },
);

const stagePlanArb = fc.record({
  approvers: fc.subarray(PEOPLE, { minLength: 1 }),
  approvalsRequired: fc.integer({ min: 1, max: 3 }),
  denyMode: fc.constantFrom('any' as const, 'majority' as const),
});

/** Starts: an activation with 0-3 approval stages (approver lists may name the requester), or an admin request. */
const scenarioArb = fc.record({
  stages: fc.array(stagePlanArb, { minLength: 0, maxLength: 3 }),
  commands: fc.array(commandArb, { maxLength: 40 }),
  adminStart: fc.option(fc.constantFrom<RequestEvent>({ type: 'scheduleCreated', kind: 'assignment', startsLater: false }, { type: 'adminDecisionAsked' }, { type: 'scheduleCreated', kind: 'assignment', startsLater: true }), { nil: undefined }),
});

interface Step {
  before: RequestState;
  event: RequestEvent;
  result: ReturnType<typeof transition>;
}

/** Runs the scenario, returning every attempted step (state kept only when the transition was allowed). */
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function run(scenario: Scenario): { steps: Step[]; plan: ApprovalStagePlan[] } {
  const plan = scenario.stages.map((s) => stage(s.approvers, { approvalsRequired: s.approvalsRequired, denyMode: s.denyMode }));
  const first: RequestEvent = scenario.adminStart ?? { type: 'activationRequested', approval: plan.length > 0 ? approvalOf(plan) : null };
  let state: RequestState = newRequestState(REQUESTER);
  const steps: Step[] = [];
  for (const command of [{ kind: 'create', event: first } as Command, ...scenario.commands]) {
    let event: RequestEvent;
    if (command.kind === 'decide') {
      if (!state.approval) event = { type: 'decisionRecorded', decision: decisionOn(approvalOf([stage(OTHERS)]), command.step, command.reviewer, command.result) };
      else event = { type: 'decisionRecorded', decision: decisionOn(state.approval, command.step, command.reviewer, command.result) };
    } else if (command.kind === 'event') {
      event = { type: command.type } as RequestEvent;
    } else {
      event = command.event;
    }
    const before = structuredClone(state);
    const result = transition(state, event);
    // Pure: the state it was given is left as it was.
    expect(state).toEqual(before);
    steps.push({ before, event, result });
    if (result.ok) state = result.state;
  }
  return { steps, plan };
}

describe('request state machine: properties over random event sequences', () => {
  it('never grants or provisions an activation without every stage approved by its quorum of people other than the requester', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { steps, plan } = run(scenario);
        // The test's own ledger of the decisions the machine accepted, per stage.
        const approvalsByStage = plan.map(() => new Set<string>());
        for (const { before, event, result } of steps) {
          if (!result.ok) continue;
          if (event.type === 'decisionRecorded' && event.decision.reviewResult === 'Approve') {
            const stageIndex = before.approval?.steps.find((s) => s.id === event.decision.stepId)?.stage ?? -1;
            approvalsByStage[stageIndex]?.add(event.decision.reviewer.id);
          }
          const entered = result.state.status !== before.status ? result.state.status : undefined;
          if ((entered === 'Granted' || entered === 'Provisioned') && plan.length > 0 && scenario.adminStart === undefined) {
            plan.forEach((p, i) => {
              const approvers = [...(approvalsByStage[i] ?? [])].filter((id) => id !== REQUESTER);
              expect(approvers.length, `stage ${i + 1} approvals`).toBeGreaterThanOrEqual(p.approvalsRequired);
            });
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never records a decision by the requester, whatever the approver lists say', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { steps } = run(scenario);
        for (const { event, result } of steps) {
          if (event.type !== 'decisionRecorded' || event.decision.reviewer.id !== REQUESTER) continue;
          expect(result.ok).toBe(false);
          if (!result.ok && steps[0]?.result.ok && steps[0].result.state.status === 'PendingApproval') {
            expect(['SelfApprovalNotAllowed', 'InvalidRequestTransition', 'ApprovalStepAlreadyDecided', 'ApprovalStepNotInProgress', 'ResourceNotFound']).toContain(result.error.code);
          }
        }
        const last = [...steps].reverse().find((s) => s.result.ok);
        const decisions = last?.result.ok ? (last.result.state.approval?.steps ?? []).flatMap((s) => s.decisions ?? []) : [];
        expect(decisions.some((d) => d.reviewer.id === REQUESTER)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('grants at most once per request: Granted and Provisioned are each entered at most once', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { steps } = run(scenario);
        const entries = (status: RequestStatus) => steps.filter((s) => s.result.ok && s.result.state.status === status && s.before.status !== status).length;
        expect(entries('Granted')).toBeLessThanOrEqual(1);
        expect(entries('Provisioned')).toBeLessThanOrEqual(1);
        // And nothing moves from Provisioned back to a state that would grant again.
        const provisionedAt = steps.findIndex((s) => s.result.ok && s.result.state.status === 'Provisioned');
        if (provisionedAt >= 0) expect(steps.slice(provisionedAt + 1).every((s) => !s.result.ok)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never changes a terminal state', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { steps } = run(scenario);
        for (const { before, result } of steps) {
          if (isTerminal(before.status)) expect(result.ok, `${before.status} changed`).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('grants from a stored approval only when its recorded decisions reach every quorum (a tampered summary does not count)', () => {
    const decisionArb = fc.record({ reviewer: fc.constantFrom(...PEOPLE), result: fc.constantFrom('Approved' as const, 'Denied' as const) });
    fc.assert(
      fc.property(fc.array(fc.record({ required: fc.integer({ min: 1, max: 3 }), decisions: fc.array(decisionArb, { maxLength: 5 }) }), { minLength: 1, maxLength: 3 }), (stages) => {
        const base = approvalOf(stages.map((s) => stage(PEOPLE, { approvalsRequired: s.required })));
        // Every stage claims to be approved; only the decisions tell the truth.
        const approval: Approval = {
          ...base,
          status: 'Completed',
          steps: base.steps.map((step, i) => ({
            ...step,
            status: 'Completed',
            reviewResult: 'Approved',
            decisions: (stages[i]?.decisions ?? []).map((d) => ({ reviewer: { id: d.reviewer, displayName: null }, result: d.result, at: at.toISOString(), justification: null })),
          })),
        };
        const met = stages.every((s) => new Set(s.decisions.filter((d) => d.result === 'Approved' && d.reviewer !== REQUESTER).map((d) => d.reviewer)).size >= s.required);
        const state: RequestState = { status: 'PendingApproval', requesterId: REQUESTER, approvalRequired: true, approval };
        expect(transition(state, { type: 'approved' }).ok).toBe(met);
        expect(transition({ ...state, status: 'Granted' }, { type: 'provisioned' }).ok).toBe(met);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Every legal and illegal transition, by example

/** One event of each type, and the state each is tried from (approval set up so guards pass). */
function canonical(type: RequestEventType, phase: RequestPhase): { state: RequestState; event: RequestEvent } {
  const plan = [stage(OTHERS)];
  const open = approvalOf(plan);
  const pending = requested(open);
  const approved = approveAll(pending).approval ?? open;
  const denied = transition(pending, { type: 'decisionRecorded', decision: decisionOn(open, 'open', 'p1', 'Deny') });
  const deniedApproval = denied.ok ? denied.state.approval : null;
  // The approval each phase would have: approved once Granted or later, denied when Denied.
  const approvalFor: Record<RequestPhase, Approval | null> = {
    New: null,
    PendingApproval: type === 'denied' ? deniedApproval : type === 'approved' ? approved : open,
    Granted: approved,
    Provisioned: approved,
    Denied: deniedApproval,
    Canceled: open,
    TimedOut: open,
    Failed: open,
    PendingProvisioning: null,
    PendingAdminDecision: null,
    ScheduleCreated: null,
    PendingScheduleCreation: null,
    Revoked: null,
  };
  const approval = approvalFor[phase];
  const state: RequestState = { status: phase, requesterId: REQUESTER, approvalRequired: approval !== null, approval };
  const events: Record<RequestEventType, RequestEvent> = {
    activationRequested: { type: 'activationRequested', approval: null },
    scheduleCreated: { type: 'scheduleCreated', kind: 'assignment', startsLater: false },
    scheduleChanged: { type: 'scheduleChanged', ended: false },
    adminDecisionAsked: { type: 'adminDecisionAsked' },
    adminDecided: { type: 'adminDecided' },
    decisionRecorded: { type: 'decisionRecorded', decision: decisionOn(approval ?? open, 'open', 'p2', 'Approve') },
    approved: { type: 'approved' },
    denied: { type: 'denied' },
    timedOut: { type: 'timedOut' },
    canceled: { type: 'canceled' },
    failed: { type: 'failed' },
    provisioned: { type: 'provisioned' },
  };
  return { state, event: events[type] };
}

const EVENT_TYPES: RequestEventType[] = ['activationRequested', 'scheduleCreated', 'scheduleChanged', 'adminDecisionAsked', 'adminDecided', 'decisionRecorded', 'approved', 'denied', 'timedOut', 'canceled', 'failed', 'provisioned'];

/** The legal transitions, written out: everything not listed is refused. */
const LEGAL: Partial<Record<RequestPhase, Partial<Record<RequestEventType, RequestStatus>>>> = {
  New: { activationRequested: 'Granted', scheduleCreated: 'PendingProvisioning', scheduleChanged: 'Provisioned', adminDecisionAsked: 'PendingAdminDecision' },
  PendingApproval: { decisionRecorded: 'PendingApproval', approved: 'Granted', denied: 'Denied', timedOut: 'TimedOut', canceled: 'Canceled', failed: 'Failed' },
  Granted: { provisioned: 'Provisioned', failed: 'Failed', canceled: 'Canceled' },
  PendingProvisioning: { provisioned: 'Provisioned' },
  PendingAdminDecision: { adminDecided: 'Provisioned', canceled: 'Canceled' },
  ScheduleCreated: { canceled: 'Canceled' },
};

describe('request state machine: each transition', () => {
  for (const phase of ALL_PHASES) {
    for (const type of EVENT_TYPES) {
      const expected = LEGAL[phase]?.[type];
      it(`${phase} + ${type} -> ${expected ?? 'refused'}`, () => {
        const { state, event } = canonical(type, phase);
        const result = transition(state, event);
        if (expected) {
          expect(codeOf(result)).toBe(`ok:${expected}`);
        } else {
          expect(result.ok).toBe(false);
          // A decision on a closed approval answers with the approval's own reason; the rest with the machine's.
          if (!result.ok && !(type === 'decisionRecorded' && state.approval?.status === 'Completed')) expect(result.error.code).toBe('InvalidRequestTransition');
          if (!result.ok) expect(result.error.status).toBeGreaterThanOrEqual(400);
        }
      });
    }
  }

  it('creates each kind of request in the status Graph gives it', () => {
    const created = (event: RequestEvent) => codeOf(transition(newRequestState(REQUESTER), event));
    expect(created({ type: 'activationRequested', approval: null })).toBe('ok:Granted');
    expect(created({ type: 'activationRequested', approval: approvalOf([stage(OTHERS)]) })).toBe('ok:PendingApproval');
    expect(created({ type: 'scheduleCreated', kind: 'eligibility', startsLater: true })).toBe('ok:ScheduleCreated');
    expect(created({ type: 'scheduleCreated', kind: 'eligibility', startsLater: false })).toBe('ok:Provisioned');
    expect(created({ type: 'scheduleCreated', kind: 'assignment', startsLater: true })).toBe('ok:ScheduleCreated');
    expect(created({ type: 'scheduleCreated', kind: 'assignment', startsLater: false })).toBe('ok:PendingProvisioning');
    expect(created({ type: 'scheduleChanged', ended: true })).toBe('ok:Revoked');
    expect(created({ type: 'scheduleChanged', ended: false })).toBe('ok:Provisioned');
    expect(created({ type: 'adminDecisionAsked' })).toBe('ok:PendingAdminDecision');
  });

  it('refuses an activation whose approval is someone else’s, or already closed', () => {
    const created = (approval: Approval) => codeOf(transition(newRequestState(REQUESTER), { type: 'activationRequested', approval }));
    expect(created(approvalOf([stage(OTHERS)], 'p1'))).toBe('InvalidRequestTransition');
    expect(created({ ...approvalOf([stage(OTHERS)]), status: 'Completed' })).toBe('InvalidRequestTransition');
  });

  it('keeps the request pending while a stage waits for its quorum, and grants once every stage has it', () => {
    let state = requested(approvalOf([stage(OTHERS, { approvalsRequired: 2 }), stage(OTHERS)]));
    const decide = (reviewer: string, result: 'Approve' | 'Deny' = 'Approve') => {
      const r = transition(state, { type: 'decisionRecorded', decision: decisionOn(state.approval ?? approvalOf([]), 'open', reviewer, result) });
      if (!r.ok) throw r.error;
      state = r.state;
    };
    decide('p1');
    expect(codeOf(transition(state, { type: 'approved' }))).toBe('InvalidRequestTransition');
    decide('p2');
    expect(state.status).toBe('PendingApproval');
    expect(codeOf(transition(state, { type: 'approved' }))).toBe('InvalidRequestTransition');
    decide('p3');
    expect(codeOf(transition(state, { type: 'approved' }))).toBe('ok:Granted');
    // Approved: it can no longer be denied or time out.
    expect(codeOf(transition(state, { type: 'denied' }))).toBe('InvalidRequestTransition');
    expect(codeOf(transition(state, { type: 'timedOut' }))).toBe('InvalidRequestTransition');
  });

  it('denies only what a stage denied, and times out only what is still undecided', () => {
    const pending = requested(approvalOf([stage(OTHERS)]));
    expect(codeOf(transition(pending, { type: 'denied' }))).toBe('InvalidRequestTransition');
    expect(codeOf(transition(pending, { type: 'timedOut' }))).toBe('ok:TimedOut');
    const denied = transition(pending, { type: 'decisionRecorded', decision: decisionOn(pending.approval ?? approvalOf([]), 'open', 'p1', 'Deny') });
    expect(denied.ok && codeOf(transition(denied.state, { type: 'denied' }))).toBe('ok:Denied');
    expect(denied.ok && codeOf(transition(denied.state, { type: 'timedOut' }))).toBe('InvalidRequestTransition');
  });

  it('refuses the requester’s own decision with SelfApprovalNotAllowed, even when listed as an approver', () => {
    const pending = requested(approvalOf([stage(PEOPLE)]));
    const result = transition(pending, { type: 'decisionRecorded', decision: decisionOn(pending.approval ?? approvalOf([]), 'open', REQUESTER, 'Approve') });
    expect(codeOf(result)).toBe('SelfApprovalNotAllowed');
  });

  it('answers a decision on a decided request with the approval’s reason, and on an ended one with the machine’s', () => {
    const pending = requested(approvalOf([stage(OTHERS)]));
    const denied = transition(pending, { type: 'decisionRecorded', decision: decisionOn(pending.approval ?? approvalOf([]), 'open', 'p1', 'Deny') });
    if (!denied.ok) throw denied.error;
    const ended = transition(denied.state, { type: 'denied' });
    if (!ended.ok) throw ended.error;
    expect(codeOf(transition(ended.state, { type: 'decisionRecorded', decision: decisionOn(pending.approval ?? approvalOf([]), 0, 'p2', 'Approve') }))).toBe('ApprovalStepAlreadyDecided');
    // A failed request whose approval was left open takes no more decisions.
    const failed: RequestState = { ...pending, status: 'Failed' };
    expect(codeOf(transition(failed, { type: 'decisionRecorded', decision: decisionOn(pending.approval ?? approvalOf([]), 'open', 'p2', 'Approve') }))).toBe('InvalidRequestTransition');
  });

  it('does not provision a Granted request that needed an approval it cannot show', () => {
    expect(codeOf(transition({ status: 'Granted', requesterId: REQUESTER, approvalRequired: true, approval: null }, { type: 'provisioned' }))).toBe('InvalidRequestTransition');
    expect(codeOf(transition({ status: 'Granted', requesterId: REQUESTER, approvalRequired: false, approval: null }, { type: 'provisioned' }))).toBe('ok:Provisioned');
  });

  it('moves a stored request, and throws the DomainError on an illegal move', () => {
    const request = { status: 'PendingAdminDecision', approvalId: null, createdBy: { user: { id: REQUESTER, displayName: null } } } as unknown as ScheduleRequest;
    const moved = moveRequest(request, { type: 'adminDecided' });
    expect(moved.status).toBe('Provisioned');
    expect(() => moveRequest(moved, { type: 'adminDecided' })).toThrow(expect.objectContaining({ code: 'InvalidRequestTransition', status: 409 }));
  });
});
