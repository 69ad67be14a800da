import type { DomainEvent } from '../../domain/events';
import type { RecipientType } from '../../domain/policy/types';
import type { Mailer } from '../../ports/mailer';
import type { NotificationLog } from '../../ports/notifications';
import type { Signer } from '../../ports/signer';
import { newNonce, signLink } from '../approvalLinks';
import { type PolicyDeps, policyForEvents } from '../policies';
import { AUDIENCES, levelAllows, notificationRule, peopleFor } from './audience';
import { renderMail } from './render';
import { isReviewerMail, renderReviewMail, reviewerRecipients, reviewLink } from './reviewMail';

export interface NotifyDeps extends PolicyDeps {
  mailer: Mailer;
  notifications: NotificationLog;
  /** Signs the approval links in mails (PIM_APPROVAL_LINK_KEYS). */
  linkSigner: Signer;
  /** Where emailed links point (PIM_PUBLIC_BASE_URL). */
  publicBaseUrl: string;
}

interface Recipient {
  address: string;
  userId: string | null;
  recipientType: RecipientType;
}

export interface NotifyReport {
  sent: string[];
  /** Recipients already mailed for this event (a redelivery). */
  alreadySent: string[];
}

/**
 * Mails everyone the role's notification rules name for this event, each at most once per
 * (event, recipient): the send is claimed first, and a claim is given back only when the send
 * certainly failed (then the event's redelivery retries just those recipients).
 */
export async function notify(deps: NotifyDeps, event: DomainEvent): Promise<NotifyReport> {
  const report: NotifyReport = { sent: [], alreadySent: [] };
  // Access reviews mail the reviewers the event names (the review's own setting decided who), not a role's notification rules.
  const reviewers = isReviewerMail(event) ? await reviewerRecipients(deps.directory, event) : undefined;
  const recipients: Recipient[] = reviewers ? reviewers.map((r) => ({ ...r, recipientType: 'Approver' })) : await recipientsOf(deps, event);
  if (recipients.length === 0) return report;
  const principal = event.subject.principalId ? await deps.directory.getPrincipal(event.subject.principalId) : undefined;
  const principalName = principal?.displayName ?? event.subject.principalId ?? 'Someone';
  const failures: string[] = [];
  for (const r of recipients) {
    const mail = reviewers
      ? renderReviewMail(event, reviewLink(deps.publicBaseUrl, event))
      : renderMail({ event, principalName, approvalLink: linkFor(deps, event, r), minutesLeft: numberOr(event.data.minutesLeft) });
    if (!(await deps.notifications.claim(event.id, r.address, mail.subject))) {
      report.alreadySent.push(r.address);
      continue;
    }
    try {
      await deps.mailer.send({ to: [r.address], subject: mail.subject, html: mail.html, text: mail.text, headers: { 'X-PIM-Event-Id': event.id, 'X-PIM-Event-Type': event.type } });
      report.sent.push(r.address);
    } catch (error) {
      await deps.notifications.release(event.id, r.address);
      failures.push(`${r.address}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) throw new Error(`Mail for event ${event.id} failed for ${failures.length} recipient(s): ${failures.join('; ')}`);
  return report;
}

/** Everyone the event goes to under the role's notification rules, once per address. */
export async function recipientsOf(deps: PolicyDeps, event: DomainEvent): Promise<Recipient[]> {
  const audiences = AUDIENCES[event.type] ?? [];
  if (audiences.length === 0) return [];
  const policy = await policyForEvents(deps, event.subject.target);
  const requesterId = typeof event.data.requesterId === 'string' ? event.data.requesterId : event.subject.principalId;
  const requester = requesterId ? await deps.directory.getPrincipal(requesterId) : undefined;
  const requesterAddress = (requester?.mail ?? requester?.userPrincipalName)?.toLowerCase();
  const byAddress = new Map<string, Recipient>();
  for (const audience of audiences) {
    const rule = notificationRule(policy, audience.recipientType, event.type);
    if (!rule || !levelAllows(rule, audience, event)) continue;
    const add = (address: string, userId: string | null) => {
      const key = address.toLowerCase();
      // Why: a requester is never an approver of their own request, even as an extra recipient.
      if (audience.recipientType === 'Approver' && (userId === requesterId || key === requesterAddress)) return;
      if (!byAddress.has(key) || (userId && !byAddress.get(key)?.userId)) byAddress.set(key, { address, userId, recipientType: audience.recipientType });
    };
    if (rule.isDefaultRecipientsEnabled) {
      for (const id of await peopleFor(deps.directory, audience, event)) {
        const person = await deps.directory.getPrincipal(id);
        const address = person?.mail ?? person?.userPrincipalName;
        if (address) add(address, id);
      }
    }
    for (const address of rule.notificationRecipients) add(address, null);
  }
  return [...byAddress.values()];
}

/** An approver's own signed link to the open stage, valid until the stage's deadline. */
function linkFor(deps: NotifyDeps, event: DomainEvent, r: Recipient): string | undefined {
  if ((event.type !== 'approval.needed' && event.type !== 'approval.escalated') || r.recipientType !== 'Approver' || !r.userId) return undefined;
  const { approvalId, stage, deadline } = event.data;
  if (typeof approvalId !== 'string' || typeof stage !== 'number' || typeof deadline !== 'string') return undefined;
  const token = signLink(deps.linkSigner, { requestId: approvalId, stage, approverId: r.userId, expiresAt: new Date(deadline), nonce: newNonce() });
  return `${deps.publicBaseUrl.replace(/\/$/, '')}/approvals/${token}`;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
