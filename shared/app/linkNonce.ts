import type { ApprovalRepository } from '../ports/approvals';
import type { NonceStore } from '../ports/nonces';

export interface LinkUse {
  nonce: string;
  expiresAt: Date;
  approvalId: string;
  stepId: string;
  approverId: string;
  /** The request id, for the log line when the nonce cannot be settled. */
  correlationId: string;
}

/**
 * Runs one decision attempt from an approval link under the link's nonce. The nonce is spent
 * only when the approver's decision is stored on the step afterwards (whatever the attempt
 * answered); otherwise it is released, so a transient failure (a write that timed out, Graph
 * unreachable) leaves the approver's link working. While an attempt runs, another one with
 * the same link is refused ('busy'); a spent link is refused for good ('used').
 */
export async function useLinkOnce<T>(
  deps: { nonces: NonceStore; approvals: ApprovalRepository },
  link: LinkUse,
  attempt: () => Promise<T>,
): Promise<T | 'used' | 'busy'> {
  const hold = await deps.nonces.hold(link.nonce, link.expiresAt);
  if (hold === 'used' || hold === 'busy') return hold;
  try {
    return await attempt();
  } finally {
    const recorded = await decisionStored(deps.approvals, link).catch(() => false);
    try {
      await (recorded ? hold.spend() : hold.release());
    } catch (error) {
      // A spend that failed leaves the row held until it lapses; the stored decision still
      // refuses a replay. A release that failed frees the link when the hold lapses.
      console.warn(`Request ${link.correlationId}: could not ${recorded ? 'spend' : 'release'} the approval link's nonce: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function decisionStored(approvals: ApprovalRepository, link: LinkUse): Promise<boolean> {
  const step = (await approvals.get(link.approvalId))?.value.steps.find((s) => s.id === link.stepId);
  if (!step) return false;
  return (step.decisions ?? []).some((d) => d.reviewer.id === link.approverId) || step.reviewedBy?.id === link.approverId;
}
