import { createHash } from 'node:crypto';
import type { DomainEvent } from '../domain/events';
import type { RolePolicy } from '../domain/policy/types';
import { auditRecord } from './audit';
import { type PolicyDeps, policyForEvents } from './policies';
import { targetResource } from './targets';

/**
 * Revoking a user's sign-in sessions when a directory role or group membership ends early.
 *
 * Why: removing a role does not take back the tokens already issued to its holder; revoking the
 * sign-in sessions makes the refresh tokens useless within minutes, so the holder must sign in
 * again (and gets tokens without the ended access). Access tokens already issued still live
 * until they expire (60-90 minutes), unless the resource supports continuous access evaluation.
 *
 * Driven by the early-end events (relayed by the outbox, so never lost), on their own
 * subscription: a failure throws and the bus delivers the event again. One audit record per
 * early end: its id comes from the event's, and the chain keeps the first of an id. A delivery
 * that comes again after a revocation calls Graph again rather than reading the chain first
 * (harmless: the sessions are revoked already; and no read on every early end).
 */

/** The events that end access early: a holder's deactivation and an admin's removal (a review's Deny removes through it too). */
const EARLY_END = new Set<DomainEvent['type']>(['assignment.deactivated', 'assignment.removed']);

export type RevocationOutcome = 'revoked' | 'notAsked';

/** Whether the policy asks for it: its own setting when set, else on for roles Graph marks privileged. */
async function asked(deps: PolicyDeps, policy: RolePolicy, event: DomainEvent): Promise<boolean> {
  if (typeof policy.pimRevokeSessionsOnEarlyEnd === 'boolean') return policy.pimRevokeSessionsOnEarlyEnd;
  const target = event.subject.target;
  if (target.kind !== 'directoryRole') return false;
  const role = await deps.directory.getRoleDefinition(target.roleDefinitionId);
  return role?.isPrivileged === true;
}

/** A UUID made from the event's id: the same early end always gets the same audit record id. */
export function revocationRecordId(eventId: string): string {
  const hex = createHash('sha256').update(`revokeSignInSessions|${eventId}`, 'utf8').digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Whether the event ended access that was in effect (a removed assignment that had not started yet ended nothing). */
function endedAccessInEffect(event: DomainEvent): boolean {
  const start = event.request?.startDateTime;
  return start === null || start === undefined || Date.parse(start) <= Date.parse(event.occurredAt);
}

export async function revokeSessionsOnEarlyEnd(deps: PolicyDeps, event: DomainEvent): Promise<RevocationOutcome> {
  const userId = event.subject.principalId;
  const target = event.subject.target;
  if (!EARLY_END.has(event.type) || !userId || target.kind === 'azureRole' || !endedAccessInEffect(event)) return 'notAsked';
  const policy = await policyForEvents(deps, target);
  if (!(await asked(deps, policy, event))) return 'notAsked';
  // Only users sign in: a group or service principal holding the role has no sessions to revoke.
  const principal = await deps.directory.getPrincipal(userId);
  if (principal?.kind !== 'user') return 'notAsked';
  await deps.directory.revokeSignInSessions(userId);
  const record = auditRecord({
    activity: 'Revoke sign-in sessions after early end in PIM',
    operationType: 'Other',
    caller: null,
    correlationId: event.request?.id ?? event.id,
    at: deps.clock.now(),
    targets: [
      { id: userId, displayName: principal.displayName, type: 'User', modifiedProperties: [] },
      targetResource(target, event.subject.targetDisplayName, []),
    ],
    details: { eventId: event.id, eventType: event.type, requestId: event.request?.id },
  });
  await deps.audit.append({ ...record, id: revocationRecordId(event.id) });
  return 'revoked';
}
