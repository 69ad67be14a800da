import type { DomainEvent } from '../../domain/events';
import { describeTarget } from '../../domain/target';
import type { Directory } from '../../ports/directory';
import { formatTime, type RenderedMail } from './render';

/** Review events that mail reviewers: an instance started, or a reminder. */
export function isReviewerMail(event: DomainEvent): boolean {
  return event.type === 'accessReview.instanceStarted' || event.type === 'accessReview.reminder';
}

/** The reviewers an event names, with their mail addresses (those without one are skipped). */
export async function reviewerRecipients(directory: Directory, event: DomainEvent): Promise<Array<{ address: string; userId: string }>> {
  const ids = Array.isArray(event.data.reviewerIds) ? (event.data.reviewerIds as unknown[]).filter((id): id is string => typeof id === 'string') : [];
  const out: Array<{ address: string; userId: string }> = [];
  for (const id of ids) {
    const person = await directory.getPrincipal(id);
    const address = person?.mail ?? person?.userPrincipalName;
    if (address) out.push({ address, userId: id });
  }
  return out;
}

/** Where a reviewer decides: the portal's review-access page for the instance. */
export function reviewLink(publicBaseUrl: string, event: DomainEvent): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/#/review-access/${encodeURIComponent(String(event.data.definitionId))}/${encodeURIComponent(String(event.data.instanceId))}`;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The mail a reviewer gets when a review starts, or as a reminder. */
export function renderReviewMail(event: DomainEvent, link: string): RenderedMail {
  const name = typeof event.data.displayName === 'string' ? event.data.displayName : 'Access review';
  const what = describeTarget(event.subject.target, event.subject.targetDisplayName);
  const due = formatTime(typeof event.data.endDateTime === 'string' ? event.data.endDateTime : null);
  const reminder = event.type === 'accessReview.reminder';
  const subject = reminder ? `Reminder: review access to ${what} by ${due}` : `Review access to ${what}: ${name}`;
  const lead = reminder
    ? `You still have access to review in "${name}" (${what}). The review ends at ${due}; what is not reviewed by then gets the review's default decision.`
    : `You are asked to review who should keep access to ${what} in "${name}". Approve what is still needed and deny what is not, by ${due}.`;
  const note = typeof event.data.descriptionForReviewers === 'string' && event.data.descriptionForReviewers ? event.data.descriptionForReviewers : '';
  const text = [lead, ...(note ? ['', note] : []), '', `Review access: ${link}`].join('\n');
  const html = `<!doctype html><html lang="en"><body style="font:15px/1.5 system-ui,sans-serif;color:#1b1b1b">
<p>${escape(lead)}</p>${note ? `<p>${escape(note)}</p>` : ''}
<p><a href="${escape(link)}" style="display:inline-block;padding:8px 16px;background:#0b6a0b;color:#fff;border-radius:4px;text-decoration:none">Review access</a></p>
<p style="color:#3b3b3b">Privileged Identity Management</p></body></html>`;
  return { subject, html, text };
}
