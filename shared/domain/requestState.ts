import { type Approval, type ApprovalStep, decide, type Decision, outcomeOf } from './approval';
import { DomainError } from './errors';
import type { RequestStatus, ScheduleKind, ScheduleRequest } from './schedules';

/**
 * The request state machine: every change of a schedule request's status is a transition
 * here, decided on the request's status and, for activations that need approval, on its
 * approval. Pure: no clock, no I/O; the caller stores the state it returns.
 *
 * Activation (selfActivate):
 *   New -> PendingApproval (approval needed) | Granted (none needed)
 *   PendingApproval -> PendingApproval (an approver's decision recorded)
 *                   -> Granted (every stage approved by its quorum) | Denied | TimedOut | Canceled | Failed
 *   Granted -> Provisioned (the role is held in the directory) | Failed | Canceled (before it took effect)
 * Admin actions and asks:
 *   New -> Provisioned | ScheduleCreated | PendingProvisioning (a schedule created; ScheduleCreated
 *          when it starts later, eligible or active)
 *   New -> Provisioned | Revoked (a schedule updated, extended, removed or deactivated)
 *   New -> PendingAdminDecision (selfExtend / selfRenew) -> Provisioned (the admin extended or renewed)
 *                                                         | Canceled (the holder withdrew the ask)
 *   PendingProvisioning -> Provisioned (granted at once)
 *   ScheduleCreated -> Canceled (withdrawn before its start)
 * Provisioned, Revoked, Denied, Canceled, TimedOut and Failed are terminal: they never change.
 */

/** A request before it is stored (what creation events start from). */
export type RequestPhase = 'New' | RequestStatus;

export interface RequestState<S extends RequestPhase = RequestPhase> {
  status: S;
  /** Who asked: for an activation, the principal; never an approver of their own request. */
  requesterId: string;
  /** Whether the request needs an approval (its policy asked for one when it was made). */
  approvalRequired: boolean;
  /** The approval as stored; null when none is needed (or it could not be read). */
  approval: Approval | null;
}

export type RequestEvent =
  /** selfActivate accepted: with the approval it waits for, or null when the policy asks for none. */
  | { type: 'activationRequested'; approval: Approval | null }
  /** An admin created a schedule (assign, renew): eligibilities hold at once, assignments when granted. */
  | { type: 'scheduleCreated'; kind: ScheduleKind; startsLater: boolean }
  /** An admin or the holder changed a live schedule (update, extend) or ended it (remove, deactivate). */
  | { type: 'scheduleChanged'; ended: boolean }
  /** The holder asked an admin to extend or renew (selfExtend, selfRenew). */
  | { type: 'adminDecisionAsked' }
  /** The admin answered the ask by extending or renewing. */
  | { type: 'adminDecided' }
  /** One approver's decision on the open stage (see `decide` in approval.ts). */
  | { type: 'decisionRecorded'; decision: Decision }
  /** Every stage approved: the activation may be granted. */
  | { type: 'approved' }
  /** A stage denied. */
  | { type: 'denied' }
  /** An open stage ran out of time. */
  | { type: 'timedOut' }
  /** The requester withdrew the request. */
  | { type: 'canceled' }
  /** The activation could not be carried out (no workflow, no approval stored, grant failing). */
  | { type: 'failed' }
  /** The role is held in the directory for this request. */
  | { type: 'provisioned' };

export type RequestEventType = RequestEvent['type'];

export type TransitionResult = { ok: true; state: RequestState<RequestStatus> } | { ok: false; error: DomainError };

export const TERMINAL_STATUSES: readonly RequestStatus[] = ['Provisioned', 'Revoked', 'Denied', 'Canceled', 'TimedOut', 'Failed'];

export function isTerminal(status: RequestPhase): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** A request about to be made by `requesterId`. */
export function newRequestState(requesterId: string): RequestState<'New'> {
  return { status: 'New', requesterId, approvalRequired: false, approval: null };
}

/** The state of a stored request, with its approval when it has one. */
export function stateOf(request: ScheduleRequest, approval: Approval | null): RequestState<RequestStatus> {
  return { status: request.status, requesterId: request.createdBy.user.id, approvalRequired: request.approvalId !== null, approval };
}

/** The next state after `event`, or why the event is not allowed now. */
export function transition(state: RequestState, event: RequestEvent): TransitionResult {
  switch (state.status) {
    case 'New':
      return fromNew(state, event);
    case 'PendingApproval':
      return fromPendingApproval(state, event);
    case 'Granted':
      if (event.type === 'provisioned') {
        // Why: a grant needs every stage approved, even when the stored status says Granted.
        return approvalsMet(state) ? to(state, 'Provisioned') : unapproved(state, event);
      }
      if (event.type === 'failed') return to(state, 'Failed');
      // Approved (or needing no approval) but not yet held: Graph lets its requester cancel it.
      if (event.type === 'canceled') return to(state, 'Canceled');
      return invalid(state, event);
    case 'PendingProvisioning':
      return event.type === 'provisioned' ? to(state, 'Provisioned') : invalid(state, event);
    case 'PendingAdminDecision':
      if (event.type === 'adminDecided') return to(state, 'Provisioned');
      return event.type === 'canceled' ? to(state, 'Canceled') : invalid(state, event);
    // A ScheduleCreated request is otherwise never moved on (its schedule carries what happens
    // next): it can only be withdrawn before its start.
    case 'ScheduleCreated':
      return event.type === 'canceled' ? to(state, 'Canceled') : invalid(state, event);
    // Never made (Graph's status, kept for clients).
    case 'PendingScheduleCreation':
      return invalid(state, event);
    case 'Provisioned':
    case 'Revoked':
    case 'Denied':
    case 'Canceled':
    case 'TimedOut':
    case 'Failed':
      // Why: a finished request is history (audit and Graph clients read it); it never changes.
      return invalid(state, event);
    default: {
      const never: never = state.status;
      return { ok: false, error: new DomainError('InvalidRequestTransition', `Unknown request status '${String(never)}'.`, 409) };
    }
  }
}

/** `transition` for callers that store the result: throws the DomainError when the event is not allowed now. */
export function advance(state: RequestState, event: RequestEvent): RequestState<RequestStatus> {
  const result = transition(state, event);
  if (!result.ok) throw result.error;
  return result.state;
}

/** The stored request after `event` (its status moved by the machine); throws when the event is not allowed now. */
export function moveRequest(request: ScheduleRequest, event: RequestEvent, approval: Approval | null = null): ScheduleRequest {
  return { ...request, status: advance(stateOf(request, approval), event).status };
}

/** Records one approver's decision on the request's approval; throws when it is not allowed (see `decide`). */
export function recordDecision(request: ScheduleRequest, approval: Approval, decision: Decision): Approval {
  const next = advance(stateOf(request, approval), { type: 'decisionRecorded', decision }).approval;
  if (!next) throw new Error('A decision left the request without its approval.');
  return next;
}

function fromNew(state: RequestState, event: RequestEvent): TransitionResult {
  switch (event.type) {
    case 'activationRequested': {
      const { approval } = event;
      if (approval === null) return to(state, 'Granted');
      // Why: the approval must be the requester's own and still open, or its decisions mean nothing here.
      if (approval.requesterId !== state.requesterId || approval.status !== 'InProgress' || approval.steps.length === 0) {
        return fail('The approval does not belong to this request, or is not open for decisions.');
      }
      return { ok: true, state: { ...state, status: 'PendingApproval', approvalRequired: true, approval } };
    }
    case 'scheduleCreated':
      // A schedule that starts later has not taken effect, eligible or active: it can still be canceled.
      if (event.startsLater) return to(state, 'ScheduleCreated');
      return to(state, event.kind === 'eligibility' ? 'Provisioned' : 'PendingProvisioning');
    case 'scheduleChanged':
      return to(state, event.ended ? 'Revoked' : 'Provisioned');
    case 'adminDecisionAsked':
      return to(state, 'PendingAdminDecision');
    default:
      return invalid(state, event);
  }
}

function fromPendingApproval(state: RequestState, event: RequestEvent): TransitionResult {
  const { approval } = state;
  const outcome = approval ? outcomeOf(approval) : 'Pending';
  switch (event.type) {
    case 'decisionRecorded': {
      if (!approval) return fail('The request has no approval to decide.');
      try {
        return { ok: true, state: { ...state, status: 'PendingApproval', approval: decide(approval, event.decision) } };
      } catch (error) {
        if (error instanceof DomainError) return { ok: false, error };
        throw error;
      }
    }
    case 'approved':
      return approval && approvalsMet(state) ? to(state, 'Granted') : unapproved(state, event);
    case 'denied':
      return outcome === 'Denied' ? to(state, 'Denied') : fail('The request cannot be denied: no stage of its approval was denied.');
    case 'timedOut':
      return outcome === 'Pending' ? to(state, 'TimedOut') : fail(`The request cannot time out: its approval is already ${outcome.toLowerCase()}.`);
    case 'canceled':
      return to(state, 'Canceled');
    case 'failed':
      return to(state, 'Failed');
    default:
      return invalid(state, event);
  }
}

/**
 * Whether every stage of the approval is approved by its quorum of distinct approvers, none of
 * them the requester. Counted from the recorded decisions (older records without them: the one
 * reviewer), not from the stage's summary alone.
 */
export function approvalsMet(state: Pick<RequestState, 'approvalRequired' | 'approval' | 'requesterId'>): boolean {
  if (!state.approvalRequired) return true;
  const { approval } = state;
  if (!approval || approval.requesterId !== state.requesterId || approval.steps.length === 0) return false;
  return approval.steps.every((step) => step.reviewResult === 'Approved' && approvingReviewers(step, state.requesterId).size >= (step.approvalsRequired ?? 1));
}

function approvingReviewers(step: ApprovalStep, requesterId: string): Set<string> {
  const ids = step.decisions
    ? step.decisions.filter((d) => d.result === 'Approved').map((d) => d.reviewer.id)
    : step.reviewedBy && step.reviewResult === 'Approved'
      ? [step.reviewedBy.id]
      : [];
  // Why: separation of duties: the requester's own approval never counts.
  return new Set(ids.filter((id) => id !== requesterId));
}

function to(state: RequestState, status: RequestStatus): TransitionResult {
  return { ok: true, state: { ...state, status } };
}

function fail(message: string): TransitionResult {
  return { ok: false, error: new DomainError('InvalidRequestTransition', message, 409) };
}

function unapproved(state: RequestState, event: RequestEvent): TransitionResult {
  return fail(`The request is ${state.status} and cannot be ${event.type === 'approved' ? 'granted' : 'provisioned'}: not every approval stage is approved by its required approvers.`);
}

function invalid(state: RequestState, event: RequestEvent): TransitionResult {
  // A decision on a request that is no longer pending: the approval's own answer (e.g. who
  // already decided the step) says more than the request's status.
  if (event.type === 'decisionRecorded' && state.approval) {
    try {
      decide(state.approval, event.decision);
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, error };
      throw error;
    }
  }
  if (state.status === 'New') return fail(`'${event.type}' applies to a stored request; a new one is first created.`);
  const why = isTerminal(state.status) ? 'it is final and never changes' : `'${event.type}' does not apply to it`;
  return fail(`The request is ${state.status}: ${why}.`);
}
