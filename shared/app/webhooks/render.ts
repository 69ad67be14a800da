import type { DomainEvent } from '../../domain/events';
import { describeTarget, scopeOf, targetHeading } from '../../domain/target';
import type { WebhookTarget } from '../../domain/webhooks';
import type { Signer } from '../../ports/signer';

/** What is POSTed to a webhook target. */
export interface RenderedWebhook {
  body: string;
  headers: Record<string, string>;
}

const USER_AGENT = 'PIM-Webhooks/1';
/** Chat messages have size limits (Teams ~28 KB, Slack 3000 chars a block); free text is cut to fit. */
const MAX_TEXT = 500;

/**
 * The body and headers for one target. Teams and Slack get a readable message; `json` gets the
 * event itself, signed with the target's key (`signingKeyName`, or else the signer's signing
 * key; required: this throws without one).
 */
export function renderWebhook(target: WebhookTarget, event: DomainEvent, signer: Signer | undefined, now: Date): RenderedWebhook {
  switch (target.format) {
    case 'teams':
      return chatMessage(teamsMessage(event));
    case 'slack':
      return chatMessage(slackMessage(event));
    case 'json':
      return signedJson(event, signer, target.signingKeyName ?? signer?.signingKeyId, now);
    default: {
      const unknown: never = target.format;
      throw new Error(`Unknown webhook format ${String(unknown)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The human line

/** One line saying what happened, for chat titles and logs. Total over every event type. */
export function summarize(event: DomainEvent): string {
  const role = roleOf(event);
  const who = principalOf(event);
  const by = actorOf(event);
  const stage = stageOf(event);
  switch (event.type) {
    case 'request.created':
      return isSelf(event) ? `${by} requested ${role}` : `${by} requested ${role} for ${who}`;
    case 'approval.needed':
      return `Approval needed: ${who} requests ${role}${stage}`;
    case 'approval.escalated':
      return `Approval escalated: nobody decided ${who}'s request for ${role}${stage} in time`;
    case 'approval.decisionRecorded':
      return `${reviewerOf(event)} ${lastDecisionOf(event)} ${who}'s request for ${role}${stage}; more approvals are needed`;
    case 'approval.stageDecided':
      return `${resultOf(event)} by ${reviewerOf(event)}: ${who}'s request for ${role}${stage}`;
    case 'request.approved':
      return `Approved: ${who}'s request for ${role}`;
    case 'request.denied':
      return `Denied by ${reviewerOf(event)}: ${who}'s request for ${role}`;
    case 'request.timedOut':
      return `Expired without a decision: ${who}'s request for ${role}`;
    case 'request.canceled':
      return `Canceled: ${who}'s request for ${role}`;
    case 'request.failed':
      return `Failed: ${who}'s activation of ${role}${reasonOf(event)}`;
    case 'assignment.activated':
      return `${who} activated ${role} until ${time(event.request?.endDateTime, 'no end')}`;
    case 'assignment.expiringSoon':
      return `${who}'s activation of ${role} ends in ${timeLeft(event)}`;
    case 'assignment.expired':
      return `${who}'s assignment of ${role} expired`;
    case 'assignment.deactivated':
      return `${who} deactivated ${role}`;
    case 'assignment.assigned':
      return `${by} assigned ${role} to ${who}`;
    case 'assignment.updated':
      return `${by} updated ${who}'s assignment of ${role}`;
    case 'assignment.removed':
      return `${by} removed ${who}'s assignment of ${role}`;
    case 'eligibility.assigned':
      return `${by} made ${who} eligible for ${role}`;
    case 'eligibility.updated':
      return `${by} updated ${who}'s eligibility for ${role}`;
    case 'eligibility.expiringSoon':
      return `${who}'s eligibility for ${role} ends in ${timeLeft(event)}`;
    case 'eligibility.expired':
      return `${who}'s eligibility for ${role} expired`;
    case 'eligibility.removed':
      return `${by} removed ${who}'s eligibility for ${role}`;
    case 'policy.changed':
      return `${by} changed the settings of ${role}`;
    case 'accessReview.instanceStarted':
      return `Access review "${reviewNameOf(event)}" of ${role} started`;
    case 'accessReview.reminder':
      return `Reminder: access review "${reviewNameOf(event)}" of ${role} has undecided items`;
    case 'accessReview.instanceEnded':
      return `Access review "${reviewNameOf(event)}" of ${role} ended`;
    case 'accessReview.decisionApplied':
      return `Access review "${reviewNameOf(event)}": ${typeof event.data.decision === 'string' ? event.data.decision : 'decision'} applied to ${who}'s ${role}`;
    case 'alert.incidentRaised':
      return `PIM alert (${textOr(event.data.severityLevel, 'unknown')}): ${textOr(event.data.displayName, 'a security alert')}${event.subject.principalId ? ` — ${who}` : ''} (${role})`;
    default: {
      const unknown: never = event.type;
      throw new Error(`No summary for event type ${String(unknown)}`);
    }
  }
}

const reviewNameOf = (e: DomainEvent) => (typeof e.data.displayName === 'string' ? e.data.displayName : 'access review');
const roleOf = (e: DomainEvent) => describeTarget(e.subject.target, e.subject.targetDisplayName);
const actorOf = (e: DomainEvent) => e.actor.displayName ?? e.actor.id ?? 'PIM';
const isSelf = (e: DomainEvent) => e.actor.id !== null && e.actor.id === e.subject.principalId;

/** Events carry the principal's id only; its name is known when the principal is the actor. */
function principalOf(e: DomainEvent): string {
  if (isSelf(e) && e.actor.displayName) return e.actor.displayName;
  return e.subject.principalId || 'someone';
}

function stageOf(e: DomainEvent): string {
  return typeof e.data.stage === 'number' ? ` (stage ${e.data.stage + 1})` : '';
}

function reviewerOf(e: DomainEvent): string {
  const by = e.data.reviewedBy as { displayName?: unknown; id?: unknown } | null | undefined;
  if (typeof by?.displayName === 'string' && by.displayName) return by.displayName;
  if (typeof by?.id === 'string' && by.id) return by.id;
  return e.actor.displayName ?? 'an approver';
}

function resultOf(e: DomainEvent): string {
  return typeof e.data.reviewResult === 'string' ? e.data.reviewResult : 'Decided';
}

/** A recorded (not yet deciding) decision is the last entry of the stage's decisions. */
function lastDecisionOf(e: DomainEvent): string {
  const decisions = Array.isArray(e.data.decisions) ? (e.data.decisions as unknown[]) : [];
  const last = decisions.at(-1) as { result?: unknown } | undefined;
  return typeof last?.result === 'string' ? last.result.toLowerCase() : 'reviewed';
}

function reasonOf(e: DomainEvent): string {
  return typeof e.data.reason === 'string' && e.data.reason ? `: ${e.data.reason}` : '';
}

function timeLeft(e: DomainEvent): string {
  const minutes = e.data.minutesLeft;
  if (typeof minutes !== 'number') return `time until ${time(e.request?.endDateTime, 'its end')}`;
  if (minutes >= 2880) return `${Math.round(minutes / 1440)} days`;
  if (minutes >= 120) return `${Math.round(minutes / 60)} hours`;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

function time(iso: string | null | undefined, fallback: string): string {
  if (!iso) return fallback;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** The facts every chat message lists, in order. */
function facts(e: DomainEvent): Array<[string, string]> {
  const r = e.request;
  const ticket = r?.ticketNumber ? `${r.ticketNumber}${r.ticketSystem ? ` (${r.ticketSystem})` : ''}` : '(none)';
  return [
    [targetHeading(e.subject.target), roleOf(e)],
    ...(e.subject.target.kind === 'group' ? [] : [['Scope', scopeOf(e.subject.target) === '/' ? 'Directory' : scopeOf(e.subject.target)] as [string, string]]),
    ['Principal', principalOf(e)],
    ['Actor', actorOf(e)],
    ['Justification', clip(r?.justification ?? '(none)')],
    ['Ticket', clip(ticket)],
    ['Start', time(r?.startDateTime, '(none)')],
    ['End', time(r?.endDateTime, r ? 'no end' : '(none)')],
    ['Status', r?.status ?? '(none)'],
  ];
}

function footer(e: DomainEvent): string {
  return `${e.type} · event ${e.id} · ${time(e.occurredAt, e.occurredAt)}`;
}

function chatMessage(payload: unknown): RenderedWebhook {
  return { body: JSON.stringify(payload), headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT } };
}

// ---------------------------------------------------------------------------------------------
// Teams (incoming webhook connector, or a Workflows "post to a channel when a webhook request is
// received" flow: both take this message with one Adaptive Card attachment)

function teamsMessage(e: DomainEvent): unknown {
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      { type: 'TextBlock', text: summarize(e), weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'FactSet', facts: facts(e).map(([title, value]) => ({ title, value })) },
      { type: 'TextBlock', text: footer(e), isSubtle: true, size: 'Small', wrap: true },
    ],
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

// ---------------------------------------------------------------------------------------------
// Slack (incoming webhook)

/** Why: Slack reads <...> as links and mentions (<!channel>); user text must not be able to make one. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackMessage(e: DomainEvent): unknown {
  const summary = escapeSlack(summarize(e));
  return {
    text: summary,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${summary}*` } },
      // A section holds at most 10 fields; facts() has 9.
      { type: 'section', fields: facts(e).map(([title, value]) => ({ type: 'mrkdwn', text: `*${title}*\n${escapeSlack(value)}` })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(footer(e)) }] },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Signed JSON

function signedJson(event: DomainEvent, signer: Signer | undefined, kid: string | undefined, now: Date): RenderedWebhook {
  // Why: an unsigned JSON webhook could be forged by anyone who learns the receiver's URL.
  if (!signer || kid === undefined || !signer.hasKey(kid)) throw new Error('A JSON webhook needs a signing key, and none was given.');
  const body = JSON.stringify(event);
  const t = unixSeconds(now);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-pim-event': event.type,
      'x-pim-event-id': event.id,
      'x-pim-timestamp': String(t),
      'x-pim-signature': `t=${t},v1=${Buffer.from(signer.sign(signedText(t, body), kid)).toString('hex')}`,
    },
  };
}

const unixSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** What is MAC'd (HMAC-SHA256): "<t>.<body>": binding the time in stops an old delivery from being replayed later. */
const signedText = (t: number, body: string) => `${t}.${body}`;

/**
 * Checks an `x-pim-signature` header ("t=<unix seconds>,v1=<hex>[,v1=<hex>...]") against the raw
 * body, for receivers and tests, under the signer's key `kid` (by default its signing key). False
 * when the time is more than `toleranceSeconds` away from `now` (either way), or when no v1 matches.
 */
export function verifyWebhookSignature(header: string, body: string, signer: Signer, now: Date, toleranceSeconds = 300, kid?: string): boolean {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const times = parts.filter(([k]) => k === 't').map(([, v]) => v ?? '');
  const t = times.length === 1 && /^\d{1,12}$/.test(times[0] ?? '') ? Number(times[0]) : undefined;
  if (t === undefined || Math.abs(unixSeconds(now) - t) > toleranceSeconds) return false;
  return parts
    .filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/i.test(v))
    .some(([, v]) => signer.verify(signedText(t, body), Buffer.from(v ?? '', 'hex'), kid));
}

/** A text property of an event's data, or `fallback` when it is missing (events from other versions). */
const textOr = (value: unknown, fallback: string) => (typeof value === 'string' && value !== '' ? value : fallback);
