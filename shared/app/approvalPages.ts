import { DomainError } from '../domain/errors';
import { describeTarget, scopeOf } from '../domain/target';
import { targetName } from './targets';
import type { Caller } from '../domain/caller';
import type { NonceStore } from '../ports/nonces';
import type { Signer } from '../ports/signer';
import { verifyLink } from './approvalLinks';
import { decideStep } from './approvals';
import { useLinkOnce } from './linkNonce';
import { formatTime } from './notifications/render';
import type { ScheduleDeps } from './requestContext';

export interface LinkDeps extends ScheduleDeps {
  nonces: NonceStore;
  /** Verifies approval-link tokens (PIM_APPROVAL_LINK_KEYS). */
  linkSigner: Signer;
  /** Whether the POST must come from the signed-in approver (App Service authentication). */
  signinRequired: boolean;
}

export interface RequestSummary {
  requester: string;
  role: string;
  scope: string;
  justification: string | null;
  ticket: string | null;
  start: string;
  end: string | null;
  stage: number;
  stages: number;
  decisions: Array<{ stage: number; result: string; by: string; at: string | null; justification: string | null }>;
  justificationRequired: boolean;
}

export type LinkPage =
  | { kind: 'confirm'; status: 200; summary: RequestSummary }
  | { kind: 'done'; status: 200; message: string }
  | { kind: 'error'; status: number; title: string; message: string };

const error = (status: number, title: string, message: string): LinkPage => ({ kind: 'error', status, title, message });

/** What an emailed link's GET shows. Reads only: mail scanners open links, so nothing changes. */
export async function viewLink(deps: LinkDeps, token: string): Promise<LinkPage> {
  const found = await resolve(deps, token);
  if ('kind' in found) return found;
  return { kind: 'confirm', status: 200, summary: found.summary };
}

/** The link's POST: the approver's decision, once (the link's nonce is consumed). */
export async function actOnLink(
  deps: LinkDeps,
  token: string,
  form: { decision?: string; justification?: string },
  signedInUserId: string | undefined,
  correlationId: string,
): Promise<LinkPage> {
  const found = await resolve(deps, token);
  if ('kind' in found) return found;
  const { claims, approvalId, stepId, summary } = found;
  // Why: a forwarded or stolen mail must not let someone else decide, where sign-in is on.
  if (deps.signinRequired && signedInUserId !== claims.approverId) {
    return error(403, 'Sign in as the approver', 'This link was sent to another approver. Sign in with the account the mail was sent to.');
  }
  if (form.decision !== 'Approve' && form.decision !== 'Deny') return error(400, 'Choose Approve or Deny', 'The form did not say whether to approve or deny.');
  const justification = form.justification?.trim() ?? '';
  if (summary.justificationRequired && !justification) return error(400, 'A justification is required', 'Give a reason for your decision and submit again.');
  const decision = form.decision;
  // Why: the link's nonce is spent only once the decision is stored (see linkNonce.ts).
  const outcome = await useLinkOnce(deps, { nonce: claims.nonce, expiresAt: claims.expiresAt, approvalId, stepId, approverId: claims.approverId, correlationId }, async (): Promise<LinkPage> => {
    const approver = await deps.directory.getPrincipal(claims.approverId);
    const caller: Caller = { oid: claims.approverId, tenantId: deps.tenantId, name: approver?.displayName, roles: [], isAdmin: false, isAuditor: false, amr: [], acrs: [] };
    try {
      await decideStep(deps, caller, approvalId, stepId, { reviewResult: decision, justification }, correlationId);
    } catch (e) {
      if (e instanceof DomainError) return error(e.status === 404 ? 403 : e.status, 'Not recorded', e.message);
      throw e;
    }
    const verb = decision === 'Approve' ? 'approved' : 'denied';
    return { kind: 'done', status: 200, message: `You ${verb} ${summary.requester}'s request for ${summary.role}.` };
  });
  if (outcome === 'used') return error(409, 'This link was already used', 'Each link works once. Open the request in PIM to see its state.');
  if (outcome === 'busy') return error(409, 'This link is in use', 'A decision with this link is being recorded right now. Open the request in PIM to see its state.');
  return outcome;
}

async function resolve(deps: LinkDeps, token: string) {
  const check = verifyLink(deps.linkSigner, token, deps.clock.now());
  if (!check.ok) {
    return check.reason === 'expired'
      ? error(410, 'This link has expired', 'Approval links work for a limited time. Decide in PIM, or ask for a new mail.')
      : error(400, 'This link is not valid', 'The link is damaged or was not issued by this service. Open it again from the original mail.');
  }
  const { claims } = check;
  const approval = await deps.approvals.get(claims.requestId);
  const request = await deps.schedules.getRequest('assignment', claims.requestId);
  const step = approval?.value.steps[claims.stage];
  if (!approval || !request || !step) return error(404, 'Request not found', 'The request this link is about no longer exists.');
  if (claims.approverId === approval.value.requesterId) return error(403, 'Not allowed', 'You cannot approve or deny your own request.');
  if (request.status !== 'PendingApproval' || step.status === 'Completed') {
    const decided = approval.value.steps.find((s) => s.reviewResult !== 'NotReviewed');
    const by = decided?.reviewedBy?.displayName ?? decided?.reviewedBy?.id;
    return error(409, 'Already decided', by ? `This request was already ${decided?.reviewResult.toLowerCase()} by ${by} at ${decided?.reviewedDateTime}.` : `This request is ${request.status}; there is nothing left to decide.`);
  }
  if (step.status !== 'InProgress') return error(409, 'Not open yet', 'An earlier approval stage has not been decided yet.');
  const [requester, targetDisplayName] = await Promise.all([deps.directory.getPrincipal(request.principalId), targetName(deps, request.target)]);
  const scope = scopeOf(request.target);
  const summary: RequestSummary = {
    requester: requester?.displayName ?? request.principalId,
    role: describeTarget(request.target, targetDisplayName),
    scope: scope === '/' ? 'Directory (tenant-wide)' : scope,
    justification: request.justification,
    ticket: request.ticketInfo.ticketNumber ? `${request.ticketInfo.ticketNumber}${request.ticketInfo.ticketSystem ? ` (${request.ticketInfo.ticketSystem})` : ''}` : null,
    start: formatTime(request.scheduleInfo.startDateTime),
    end: request.scheduleInfo.expiration.endDateTime ? formatTime(request.scheduleInfo.expiration.endDateTime) : null,
    stage: claims.stage,
    stages: approval.value.steps.length,
    // Every approver's decision, quorum stages included (older records keep only the step's).
    decisions: approval.value.steps.flatMap((s) =>
      s.decisions?.length
        ? s.decisions.map((d) => ({ stage: s.stage, result: d.result, by: d.reviewer.displayName ?? d.reviewer.id, at: d.at, justification: d.justification }))
        : s.reviewResult !== 'NotReviewed'
          ? [{ stage: s.stage, result: s.reviewResult, by: s.reviewedBy?.displayName ?? s.reviewedBy?.id ?? '', at: s.reviewedDateTime, justification: s.justification }]
          : [],
    ),
    justificationRequired: step.isApproverJustificationRequired,
  };
  return { claims, approvalId: approval.value.id, stepId: step.id, summary };
}
