import { createHash } from 'node:crypto';
import type { Caller } from '../../domain/caller';
import { type Identity, parseReviewScope, type ReviewDefinition } from '../../domain/accessReviews';
import { forbidden, notFound } from '../../domain/errors';
import type { AccessReviewRepository } from '../../ports/accessReviews';
import type { Versioned } from '../../ports/repository';
import type { ScheduleDeps } from '../requestContext';
import { targetResource } from '../targets';
import type { AuditRecord } from '../../ports/audit';

/** What the access-review use cases need: the schedule use cases' (Deny removes through them) and the reviews' store. */
export interface ReviewDeps extends ScheduleDeps {
  reviews: AccessReviewRepository;
}

export const identityOf = (caller: Caller): Identity => ({ id: caller.oid, displayName: caller.name ?? null, userPrincipalName: caller.upn ?? null });

/** Why: definitions say who loses access, so only PIM administrators write them. */
export function requireAdmin(caller: Caller, what: string): void {
  if (!caller.isAdmin) throw forbidden(`Only PIM administrators can ${what}.`);
}

/** Admins and auditors read every review; reviewers read theirs through filterByCurrentUser. */
export function canReadAll(caller: Caller): boolean {
  return caller.isAdmin || caller.isAuditor;
}

export async function requireDefinition(deps: ReviewDeps, id: string): Promise<Versioned<ReviewDefinition>> {
  const found = await deps.reviews.getDefinition(id);
  if (!found) throw notFound('accessReviewScheduleDefinition', id);
  return found;
}

/** A stable GUID-shaped id from its parts: a retried step makes the same instance and items, not new ones. */
export function derivedId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|').toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** The audit target of a review: the definition, and what it reviews. */
export function reviewTargets(definition: ReviewDefinition, targetName: string | null, modified: AuditRecord['targetResources'][number]['modifiedProperties'] = []): AuditRecord['targetResources'] {
  return [
    { id: definition.id, displayName: definition.displayName, type: 'Policy', modifiedProperties: modified },
    targetResource(parseReviewScope(definition.scope).target, targetName),
  ];
}
