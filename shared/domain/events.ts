import type { Target } from './target';
/**
 * Domain events: one per state change, written in the same Table transaction as the change
 * (the outbox) and then published to the events topic. Consumers key their idempotency on `id`.
 */
export const EVENT_TYPES = [
  'request.created',
  'approval.needed',
  'approval.escalated',
  'approval.decisionRecorded',
  'approval.stageDecided',
  'request.approved',
  'request.denied',
  'request.timedOut',
  'request.canceled',
  'request.failed',
  'assignment.activated',
  'assignment.expiringSoon',
  'assignment.expired',
  'assignment.deactivated',
  'assignment.assigned',
  'assignment.updated',
  'assignment.removed',
  'eligibility.assigned',
  'eligibility.updated',
  'eligibility.expiringSoon',
  'eligibility.expired',
  'eligibility.removed',
  'policy.changed',
  'accessReview.instanceStarted',
  'accessReview.reminder',
  'accessReview.instanceEnded',
  'accessReview.decisionApplied',
  // A security alert found something new (data: alertId, alertDefinitionId, displayName, severityLevel, incidentId, incident).
  'alert.incidentRaised',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The events that end access early: a holder's deactivation and an admin's removal (a review's Deny removes through it too). */
export const EARLY_END_EVENTS: readonly EventType[] = ['assignment.deactivated', 'assignment.removed'];

/**
 * The data field (and message property) of an early-end event whose removal revoked the
 * holder's sign-in sessions itself (shared/app/sessionRevocation.ts): true, or absent.
 */
export const SESSIONS_REVOKED = 'sessionsRevoked';

/** Who caused the change: a user, or PIM itself (timers, workflows). */
export interface EventActor {
  id: string | null;
  displayName: string | null;
}

/** What the event is about: a target (directory role, group, Azure role) for a principal (none for a policy's). */
export interface EventSubject {
  principalId: string | null;
  target: Target;
  /** The target's display name (e.g. the role's), when known. */
  targetDisplayName: string | null;
}

/**
 * The version of the event shape; consumers check it. 2: the subject carries a `target`
 * (version 1 had roleDefinitionId, roleDisplayName and directoryScopeId).
 */
export const EVENT_SCHEMA_VERSION = 2;

/** The request behind the event, as far as it is known. */
export interface EventRequest {
  id: string;
  action: string;
  status: string;
  justification: string | null;
  ticketNumber: string | null;
  ticketSystem: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
}

export interface DomainEvent {
  schemaVersion: typeof EVENT_SCHEMA_VERSION;
  id: string;
  type: EventType;
  occurredAt: string;
  actor: EventActor;
  subject: EventSubject;
  request: EventRequest | null;
  /** Type-specific facts, e.g. the approval stage and its approvers, or who decided. */
  data: Record<string, unknown>;
}

export const SYSTEM_ACTOR: EventActor = { id: null, displayName: 'PIM' };

/** A new event; its `id` (unique, e.g. a random UUID) comes from the caller, as the domain makes no ids. */
export function newEvent(type: EventType, fields: Omit<DomainEvent, 'type' | 'data' | 'schemaVersion'> & { data?: Record<string, unknown> }): DomainEvent {
  return { schemaVersion: EVENT_SCHEMA_VERSION, type, data: {}, ...fields };
}

/** A message body back into an event; throws on anything that is not one (the bus dead-letters it). */
export function parseEvent(body: unknown): DomainEvent {
  const value = typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
  const e = value as Partial<DomainEvent> | null;
  if (!e || typeof e.id !== 'string' || !EVENT_TYPES.includes(e.type as EventType) || typeof e.occurredAt !== 'string' || !e.subject || !e.actor) {
    throw new Error('The message is not a PIM domain event.');
  }
  if (e.schemaVersion !== EVENT_SCHEMA_VERSION || typeof e.subject.target?.kind !== 'string') {
    throw new Error(`The event has schema version ${String(e.schemaVersion)}; this consumer reads version ${EVENT_SCHEMA_VERSION}.`);
  }
  return { ...e, data: e.data ?? {}, request: e.request ?? null } as DomainEvent;
}
