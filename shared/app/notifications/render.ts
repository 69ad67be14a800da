import type { DomainEvent } from '../../domain/events';
import { describeTarget, scopeOf, targetHeading } from '../../domain/target';

/** One mail, both ways: HTML for mail clients, plain text for the rest. */
export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export interface MailContext {
  event: DomainEvent;
  /** Display name of the person the event is about (requester or holder). */
  principalName: string;
  /** This recipient's own approve/deny link, for approvers of an open stage. */
  approvalLink?: string;
  /** Minutes left, for expiring-soon notices. */
  minutesLeft?: number;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return 'no end';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function decider(event: DomainEvent): string {
  const by = event.data.reviewedBy as { displayName?: string | null; id?: string } | null | undefined;
  return by?.displayName ?? by?.id ?? event.actor.displayName ?? 'an approver';
}

function stageLabel(event: DomainEvent): string {
  const stage = typeof event.data.stage === 'number' ? event.data.stage + 1 : 1;
  const count = typeof event.data.stageCount === 'number' ? event.data.stageCount : 1;
  return count > 1 ? ` (stage ${stage} of ${count})` : '';
}

/** The subject and opening line of each mail kind. */
function headline(c: MailContext): { subject: string; lead: string } {
  const e = c.event;
  const role = describeTarget(e.subject.target, e.subject.targetDisplayName);
  const who = c.principalName;
  switch (e.type) {
    case 'approval.needed':
      return { subject: `Approval needed: ${who} requests ${role}`, lead: `${who} asks to activate ${role}${stageLabel(e)}. Your decision is needed.` };
    case 'approval.escalated':
      return { subject: `Escalated approval: ${who} requests ${role}`, lead: `Nobody decided ${who}'s request to activate ${role}${stageLabel(e)} in time; as escalation approver, your decision is needed.` };
    case 'approval.stageDecided':
      return {
        subject: `${String(e.data.reviewResult)} by ${decider(e)}: ${who}'s request for ${role}`,
        lead: `${String(e.data.reviewResult)} by ${decider(e)} at ${formatTime(e.data.reviewedDateTime as string | null)}${stageLabel(e)}. No action is needed from you.`,
      };
    case 'request.approved':
      return { subject: `Approved: your request for ${role}`, lead: `Your request to activate ${role} was approved${e.actor.displayName ? ` by ${e.actor.displayName}` : ''}. It becomes active at its start.` };
    case 'request.denied':
      return { subject: `Denied: your request for ${role}`, lead: `Your request to activate ${role} was denied by ${decider(e)} at ${formatTime(e.data.reviewedDateTime as string | null)}.` };
    case 'request.timedOut':
      return { subject: `Expired without a decision: your request for ${role}`, lead: `Nobody decided your request to activate ${role} in time. Request it again if you still need it.` };
    case 'request.failed':
      return { subject: `Failed: your activation of ${role}`, lead: `Your activation of ${role} could not be completed: ${String(e.data.reason ?? 'the directory refused the change')}.` };
    case 'request.canceled':
      return { subject: `Canceled: ${who}'s request for ${role}`, lead: `${who} canceled the request to activate ${role}. No action is needed from you.` };
    case 'assignment.activated':
      return { subject: `${who} activated ${role}`, lead: `${who} now holds ${role} until ${formatTime(e.request?.endDateTime)}.` };
    case 'assignment.expiringSoon':
      return { subject: `${role} expires in ${c.minutesLeft ?? '?'} minutes`, lead: `Your activation of ${role} ends at ${formatTime(e.request?.endDateTime)}.` };
    case 'assignment.assigned':
      return { subject: `${who} was assigned ${role}`, lead: `${e.actor.displayName ?? 'An administrator'} assigned ${role} to ${who}, active until ${formatTime(e.request?.endDateTime)}.` };
    case 'eligibility.assigned':
      return { subject: `${who} is eligible for ${role}`, lead: `${e.actor.displayName ?? 'An administrator'} made ${who} eligible for ${role} until ${formatTime(e.request?.endDateTime)}. Activate it when needed.` };
    case 'eligibility.expiringSoon':
      return { subject: `Eligibility for ${role} ends soon`, lead: `${who}'s eligibility for ${role} ends at ${formatTime(e.request?.endDateTime)}. Ask for a renewal if it is still needed.` };
    case 'alert.incidentRaised':
      return {
        subject: `PIM alert (${textOr(e.data.severityLevel, 'unknown')}): ${textOr(e.data.displayName, 'a security alert')}`,
        lead: `${textOr(e.data.displayName, 'A security alert')}${e.subject.principalId ? `: ${who}` : ''} (${role}). ${textOr(e.data.mitigationSteps, '')}`.trim(),
      };
    case 'eligibility.removed':
    case 'assignment.removed':
      return { subject: `${role} removed from ${who}`, lead: `${e.actor.displayName ?? 'An administrator'} removed ${who}'s ${e.type === 'eligibility.removed' ? 'eligibility for' : 'assignment of'} ${role}.` };
    default:
      return { subject: `${role}: ${e.type}`, lead: `${e.type} for ${who} on ${role}.` };
  }
}

function facts(c: MailContext): Array<[string, string]> {
  const e = c.event;
  const rows: Array<[string, string]> = [
    [targetHeading(e.subject.target), describeTarget(e.subject.target, e.subject.targetDisplayName)],
    ...(e.subject.target.kind === 'group' ? [] : [['Scope', scopeOf(e.subject.target) === '/' ? 'Directory' : scopeOf(e.subject.target)] as [string, string]]),
    ['Who', c.principalName],
  ];
  if (e.request) {
    rows.push(['Justification', e.request.justification ?? '(none)']);
    rows.push(['Ticket', e.request.ticketNumber ? `${e.request.ticketNumber}${e.request.ticketSystem ? ` (${e.request.ticketSystem})` : ''}` : '(none)']);
    rows.push(['Start', formatTime(e.request.startDateTime)]);
    rows.push(['End', formatTime(e.request.endDateTime)]);
  }
  const decisions = Array.isArray(e.data.decisions) ? (e.data.decisions as Array<{ reviewer: { displayName: string | null; id: string }; result: string; at: string }>) : [];
  if (decisions.length > 0) {
    const needed = typeof e.data.approvalsRequired === 'number' ? ` (${e.data.approvalsRequired} approval(s) needed)` : '';
    rows.push(['Decisions so far', decisions.map((d) => `${d.result} by ${d.reviewer.displayName ?? d.reviewer.id} at ${formatTime(d.at)}`).join('; ') + needed]);
  }
  return rows;
}

export function renderMail(c: MailContext): RenderedMail {
  const { subject, lead } = headline(c);
  const rows = facts(c);
  const link = c.approvalLink;
  const text = [lead, '', ...rows.map(([k, v]) => `${k}: ${v}`), ...(link ? ['', `Review the request: ${link}`, 'Opening the link changes nothing; you decide on the page.'] : [])].join('\n');
  const html = `<!doctype html><html lang="en"><body style="font:15px/1.5 system-ui,sans-serif;color:#1b1b1b">
<p>${escape(lead)}</p>
<table role="presentation" style="border-collapse:collapse">${rows.map(([k, v]) => `<tr><th scope="row" style="text-align:left;padding:2px 12px 2px 0">${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>
${link ? `<p><a href="${escape(link)}" style="display:inline-block;padding:8px 16px;background:#0b6a0b;color:#fff;border-radius:4px;text-decoration:none">Review the request</a></p><p style="color:#3b3b3b">Opening the link changes nothing; you decide on the page.</p>` : ''}
<p style="color:#3b3b3b">Privileged Identity Management</p></body></html>`;
  return { subject, html, text };
}

/** A text property of an event's data, or `fallback` when it is missing. */
function textOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
