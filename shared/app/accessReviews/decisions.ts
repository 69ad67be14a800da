import { z } from 'zod';
import type { Caller } from '../../domain/caller';
import { type DecisionItem, isOpen, NOBODY, type ReviewDefinition } from '../../domain/accessReviews';
import { badRequest, DomainError, notFound } from '../../domain/errors';
import { auditRecord } from '../audit';
import { canReadAll, identityOf, requireAdmin, requireDefinition, type ReviewDeps, reviewTargets } from './deps';
import { changeDecision } from './instances';

/** PATCH decisions/{id}: a reviewer's decision and why. */
export const decisionBody = z
  .object({
    decision: z.string({ message: 'decision is required: Approve, Deny or DontKnow' }),
    justification: z.string().max(500, 'justification may be at most 500 characters').nullish(),
  })
  .loose();

/** POST batchRecordDecisions: one decision for every item the caller reviews, or those of one principal or resource. */
export const batchDecisionBody = decisionBody.extend({ principalId: z.string().nullish(), resourceId: z.string().nullish() });

const DECISIONS = ['Approve', 'Deny', 'DontKnow'] as const;
type Recorded = (typeof DECISIONS)[number];

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  if (raw === undefined) throw badRequest('The request needs a JSON body.');
  const result = schema.safeParse(raw);
  if (!result.success) throw badRequest(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return result.data;
}

function decisionOf(text: string): Recorded {
  const found = DECISIONS.find((d) => d.toLowerCase() === text.toLowerCase());
  if (!found) throw badRequest(`decision '${text}' is not one of Approve, Deny, DontKnow.`, 'InvalidDecision');
  return found;
}

const isSelfReview = (definition: ReviewDefinition) => definition.reviewers.length === 0;

/**
 * Whether the caller may decide the item. Why: nobody certifies their own access, unless the
 * review is a self-review; and someone who reviews nothing here learns nothing (404).
 */
function checkReviewer(definition: ReviewDefinition, item: DecisionItem, caller: Caller): void {
  const me = caller.oid.toLowerCase();
  if (item.principal.id.toLowerCase() === me && !isSelfReview(definition)) {
    throw new DomainError('SelfReviewNotAllowed', 'You cannot review your own access; another reviewer decides it.', 403);
  }
  if (!item.reviewerIds.includes(me)) throw notFound('accessReviewInstanceDecisionItem', item.id);
}

async function openInstance(deps: ReviewDeps, definitionId: string, instanceId: string) {
  const definition = await requireDefinition(deps, definitionId);
  const instance = await deps.reviews.getInstance(definitionId, instanceId);
  if (!instance) throw notFound('accessReviewInstance', instanceId);
  if (!isOpen(instance.value)) throw badRequest(`The access review instance is ${instance.value.status}; decisions are recorded only while it is in progress.`, 'AccessReviewNotInProgress');
  return { definition: definition.value, instance: instance.value };
}

/**
 * Records one decision, as a conditional write of the whole item (ETag): two reviewers deciding
 * at once each write a complete decision over what they read, so the item ends with one
 * reviewer's decision, justification and time, never a mix. Audited in the same transaction.
 */
async function record(deps: ReviewDeps, caller: Caller, definition: ReviewDefinition, instanceId: string, decisionId: string, decision: Recorded, justification: string, correlationId: string): Promise<void> {
  if (decision === 'Approve' && definition.settings.justificationRequiredOnApproval && !justification.trim()) {
    throw badRequest('This review requires a justification to approve; give one.', 'JustificationRequired');
  }
  await changeDecision(deps, definition.id, instanceId, decisionId, (current) => {
    checkReviewer(definition, current, caller);
    const now = deps.clock.now();
    const item: DecisionItem = { ...current, decision, justification, reviewedBy: identityOf(caller), reviewedDateTime: now.toISOString() };
    const audit = auditRecord({
      activity: decision === 'Approve' ? 'Approve decision' : decision === 'Deny' ? 'Deny decision' : "Don't know decision",
      operationType: 'Update',
      caller,
      correlationId,
      at: now,
      category: 'Policy',
      targets: [{ id: item.principal.id, displayName: item.principal.displayName, type: 'User', modifiedProperties: [{ displayName: 'decision', oldValue: current.decision, newValue: decision }] }, ...reviewTargets(definition, item.targetDisplayName)],
      details: { accessReviewId: definition.id, instanceId, decisionId, justification: justification || undefined },
    });
    return { item, changes: { audit: [audit] } };
  });
}

export async function recordDecision(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string, decisionId: string, raw: unknown, correlationId: string): Promise<void> {
  const body = parse(decisionBody, raw);
  const decision = decisionOf(body.decision);
  const { definition } = await openInstance(deps, definitionId, instanceId);
  await record(deps, caller, definition, instanceId, decisionId, decision, body.justification ?? '', correlationId);
}

/** Records one decision on every item the caller may decide (narrowed to a principal or resource when given). */
export async function batchRecordDecisions(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string, raw: unknown, correlationId: string): Promise<number> {
  const body = parse(batchDecisionBody, raw);
  const decision = decisionOf(body.decision);
  const { definition } = await openInstance(deps, definitionId, instanceId);
  const me = caller.oid.toLowerCase();
  const mine = (await deps.reviews.listDecisions(definitionId, instanceId))
    .map((d) => d.value)
    .filter((d) => d.reviewerIds.includes(me) && (isSelfReview(definition) || d.principal.id.toLowerCase() !== me))
    .filter((d) => !body.principalId || d.principal.id.toLowerCase() === body.principalId.toLowerCase())
    .filter((d) => !body.resourceId || resourceIdOf(d).toLowerCase() === body.resourceId.toLowerCase());
  for (const item of mine) await record(deps, caller, definition, instanceId, item.id, decision, body.justification ?? '', correlationId);
  return mine.length;
}

/** The id Graph's `resource` shows for an item: the role definition or group reviewed. */
export function resourceIdOf(item: DecisionItem): string {
  return item.target.kind === 'group' ? item.target.groupId : item.target.roleDefinitionId;
}

/** An instance's decisions: every one for admins and auditors; with `onlyMine`, those the caller reviews. */
export async function listDecisions(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string, onlyMine: boolean): Promise<DecisionItem[]> {
  const instance = await deps.reviews.getInstance(definitionId, instanceId);
  if (!instance) throw notFound('accessReviewInstance', instanceId);
  if (!onlyMine && !canReadAll(caller)) throw notFound('accessReviewInstance', instanceId);
  const all = (await deps.reviews.listDecisions(definitionId, instanceId)).map((d) => d.value);
  const me = caller.oid.toLowerCase();
  return onlyMine ? all.filter((d) => d.reviewerIds.includes(me)) : all;
}

export async function getDecision(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string, decisionId: string): Promise<DecisionItem> {
  const found = await deps.reviews.getDecision(definitionId, instanceId, decisionId);
  if (!found || !(canReadAll(caller) || found.value.reviewerIds.includes(caller.oid.toLowerCase()))) throw notFound('accessReviewInstanceDecisionItem', decisionId);
  return found.value;
}

/** POST acceptRecommendations: the caller's undecided items take their recommendation (those with one). */
export async function acceptRecommendations(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string, correlationId: string): Promise<number> {
  const { definition } = await openInstance(deps, definitionId, instanceId);
  const me = caller.oid.toLowerCase();
  const mine = (await deps.reviews.listDecisions(definitionId, instanceId))
    .map((d) => d.value)
    .filter((d) => d.reviewerIds.includes(me) && (isSelfReview(definition) || d.principal.id.toLowerCase() !== me))
    .filter((d) => d.decision === 'NotReviewed' && d.recommendation !== 'NoInfoAvailable');
  for (const item of mine) {
    const decision = item.recommendation === 'Approve' ? 'Approve' : 'Deny';
    await record(deps, caller, definition, instanceId, item.id, decision, `Accepted the recommendation${item.recommendationReason ? ` (${item.recommendationReason})` : ''}.`, correlationId);
  }
  return mine.length;
}

/** POST resetDecisions: an administrator sets every decision of a running instance back to NotReviewed. */
export async function resetDecisions(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string, correlationId: string): Promise<void> {
  requireAdmin(caller, 'reset access review decisions');
  const { definition } = await openInstance(deps, definitionId, instanceId);
  for (const { value } of await deps.reviews.listDecisions(definitionId, instanceId)) {
    await changeDecision(deps, definitionId, instanceId, value.id, (current) => {
      if (current.decision === 'NotReviewed') return undefined;
      const item: DecisionItem = { ...current, decision: 'NotReviewed', justification: '', reviewedBy: NOBODY, reviewedDateTime: null };
      const audit = auditRecord({
        activity: 'Reset decision',
        operationType: 'Update',
        caller,
        correlationId,
        at: deps.clock.now(),
        category: 'Policy',
        targets: [{ id: item.principal.id, displayName: item.principal.displayName, type: 'User', modifiedProperties: [{ displayName: 'decision', oldValue: current.decision, newValue: 'NotReviewed' }] }, ...reviewTargets(definition, item.targetDisplayName)],
        details: { accessReviewId: definitionId, instanceId, decisionId: item.id },
      });
      return { item, changes: { audit: [audit] } };
    });
  }
}
