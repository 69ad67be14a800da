import { createHash } from 'node:crypto';
import { type DomainEvent, EARLY_END_EVENTS, SESSIONS_REVOKED } from '../domain/events';
import type { AuditRecord } from '../ports/audit';
import type { DirectoryPrincipal } from '../ports/principals';
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
 * Done in two places, once per early end:
 * - by the removal itself (`revokeSessionsWithRemoval`), once the directory no longer holds the
 *   role and before the removal is committed: its audit record goes into the removal's own
 *   commit (the same chain append), and the early-end event is marked `sessionsRevoked`;
 * - else by the early-end event (relayed by the outbox, so never lost) on its own subscription
 *   (`revokeSessionsOnEarlyEnd`): a removal whose inline call failed (Graph throttling, an
 *   outage), or that committed before the directory let go of the role. A failure there throws
 *   and the bus delivers the event again. The subscription's rule (SESSIONS_SUBSCRIPTION_FILTER in
 *   shared/adapters/servicebus/bus.ts) lets through only the early ends not marked revoked; the
 *   consumer checks the mark too.
 *
 * One audit record per early end: its id comes from the event's, and the chain keeps the first
 * of an id. A delivery that comes again after a revocation calls Graph again rather than
 * reading the chain first (harmless: the sessions are revoked already; and no read on every
 * early end).
 */

export type RevocationOutcome = 'revoked' | 'notAsked' | 'revokedWithRemoval';

type Principal = Pick<DirectoryPrincipal, 'kind' | 'displayName'>;

/** Whether the policy asks for it: its own setting when set, else on for roles Graph marks privileged. */
async function asked(deps: PolicyDeps, event: DomainEvent): Promise<boolean> {
  const target = event.subject.target;
  const policy = await policyForEvents(deps, target);
  if (typeof policy.pimRevokeSessionsOnEarlyEnd === 'boolean') return policy.pimRevokeSessionsOnEarlyEnd;
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

/**
 * The user whose sessions the early end asks to revoke, if any. `principalOf` gives the event's
 * principal (the removal knows it already; the consumer asks the directory).
 */
async function userToRevoke(deps: PolicyDeps, event: DomainEvent, principalOf: (id: string) => Promise<Principal | undefined>): Promise<{ id: string; displayName: string } | undefined> {
  const userId = event.subject.principalId;
  if (!EARLY_END_EVENTS.includes(event.type) || !userId || event.subject.target.kind === 'azureRole' || !endedAccessInEffect(event)) return undefined;
  if (!(await asked(deps, event))) return undefined;
  // Only users sign in: a group or service principal holding the role has no sessions to revoke.
  const principal = await principalOf(userId);
  return principal?.kind === 'user' ? { id: userId, displayName: principal.displayName } : undefined;
}

/** The audit record of one early end's revocation (the same id whichever path revoked). */
function revocationAudit(deps: PolicyDeps, event: DomainEvent, user: { id: string; displayName: string }): AuditRecord {
  const record = auditRecord({
    activity: 'Revoke sign-in sessions after early end in PIM',
    operationType: 'Other',
    caller: null,
    correlationId: event.request?.id ?? event.id,
    at: deps.clock.now(),
    targets: [
      { id: user.id, displayName: user.displayName, type: 'User', modifiedProperties: [] },
      targetResource(event.subject.target, event.subject.targetDisplayName, []),
    ],
    details: { eventId: event.id, eventType: event.type, requestId: event.request?.id },
  });
  return { ...record, id: revocationRecordId(event.id) };
}

/**
 * For a removal whose role the directory no longer holds, before its commit: revokes the
 * user's sessions if the early end asks for it, and gives the event marked revoked and the
 * audit record to commit with the removal. One try, no waiting on throttling (the admin waits
 * for the answer): undefined when not asked or when it failed, and then the event goes out
 * unmarked and the sessions consumer decides and revokes as for any early end.
 */
export async function revokeSessionsWithRemoval(
  deps: PolicyDeps,
  event: DomainEvent,
  principal: Principal,
  correlationId: string,
): Promise<{ event: DomainEvent; audit: AuditRecord } | undefined> {
  let user: { id: string; displayName: string } | undefined;
  try {
    user = await userToRevoke(deps, event, () => Promise.resolve(principal));
    if (!user) return undefined;
    await deps.directory.revokeSignInSessions(user.id, { once: true });
  } catch (error) {
    console.warn(`Request ${correlationId}: revoking the sign-in sessions with the removal failed; the sessions consumer revokes them. ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  return { event: { ...event, data: { ...event.data, [SESSIONS_REVOKED]: true } }, audit: revocationAudit(deps, event, user) };
}

/** The sessions consumer's part: an early end the removal did not revoke itself. Throws on failure (the bus delivers it again). */
export async function revokeSessionsOnEarlyEnd(deps: PolicyDeps, event: DomainEvent): Promise<RevocationOutcome> {
  if (event.data[SESSIONS_REVOKED] === true) return 'revokedWithRemoval';
  const user = await userToRevoke(deps, event, (id) => deps.directory.getPrincipal(id));
  if (!user) return 'notAsked';
  await deps.directory.revokeSignInSessions(user.id);
  await deps.audit.append(revocationAudit(deps, event, user));
  return 'revoked';
}
