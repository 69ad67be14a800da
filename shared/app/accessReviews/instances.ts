import { randomUUID } from 'node:crypto';
import type { Caller } from '../../domain/caller';
import {
  type DecisionItem,
  defaultDecisionFor,
  type Identity,
  NOBODY,
  parseReviewer,
  parseReviewScope,
  recommend,
  REVIEW_SYSTEM,
  type ReviewDefinition,
  type ReviewInstance,
  type ReviewScope,
} from '../../domain/accessReviews';
import { parseDuration } from '../../domain/duration';
import { badRequest, DomainError, notFound } from '../../domain/errors';
import type { EventType } from '../../domain/events';
import { occurrenceStart } from '../../domain/reviewRecurrence';
import { isLive, type Schedule, type ScheduleKind } from '../../domain/schedules';
import { sameTarget, type Target } from '../../domain/target';
import type { ReviewDue } from '../../ports/accessReviews';
import type { Versioned } from '../../ports/repository';
import { auditRecord } from '../audit';
import { domainEvent } from '../events';
import { targetName } from '../targets';
import { canReadAll, derivedId, identityOf, requireAdmin, requireDefinition, type ReviewDeps, reviewTargets } from './deps';
import { removeForReview } from './removal';
import { reviewersOf } from './reviewers';

const DAY_MS = 86_400_000;

/** Whether a schedule is one the review's scope covers: the same role (any directory scope), group access, or Azure role at or below the scope. */
function inScope(scope: ReviewScope, s: Schedule): boolean {
  const t = scope.target;
  const u = s.target;
  if (t.kind === 'directoryRole' && u.kind === 'directoryRole') return t.roleDefinitionId.toLowerCase() === u.roleDefinitionId.toLowerCase();
  if (t.kind === 'azureRole' && u.kind === 'azureRole') {
    const at = t.scope.toLowerCase();
    const theirs = u.scope.toLowerCase();
    return t.roleDefinitionId === u.roleDefinitionId.toLowerCase() && (theirs === at || theirs.startsWith(`${at}/`));
  }
  return sameTarget(t, u);
}

/** The principal's last activation of the target (from their own history: one partition read), if any. */
async function lastActivationOf(deps: ReviewDeps, principalId: string, target: Target, now: Date): Promise<string | null> {
  const starts = (await deps.schedules.schedulesOf('assignment', principalId))
    .filter((s) => s.assignmentType === 'Activated' && sameTarget(s.target, target) && Date.parse(s.startDateTime) <= now.getTime())
    .map((s) => s.startDateTime)
    .sort();
  return starts.at(-1) ?? null;
}

/**
 * One decision item per assignment the scope covers now: its principal, its reviewers and, from
 * the principal's activation history, its recommendation. Read at the start of an instance only
 * (never on the activation path).
 */
async function itemsFor(deps: ReviewDeps, definition: ReviewDefinition, instanceId: string, now: Date): Promise<DecisionItem[]> {
  const scope = parseReviewScope(definition.scope);
  const rules = {
    reviewers: definition.reviewers.map((r, i) => parseReviewer(r, `reviewers[${i}]`)),
    fallback: definition.fallbackReviewers.map((r, i) => parseReviewer(r, `fallbackReviewers[${i}]`)),
  };
  const lookBack = definition.settings.recommendationLookBackDuration;
  const lookBackMs = parseDuration(lookBack) ?? 30 * DAY_MS;
  const cache = new Map<string, Promise<string[]>>();
  const names = new Map<string, string | null>();
  const items: DecisionItem[] = [];
  for (const kind of scope.kinds) {
    const live = (await deps.schedules.listSlots(kind)).filter((s) => isLive(s) && (kind === 'eligibility' || s.assignmentType === 'Assigned') && inScope(scope, s));
    for (const s of live) {
      const principal = await deps.directory.getPrincipal(s.principalId);
      if (scope.usersOnly && principal && principal.kind !== 'user') continue;
      const key = JSON.stringify(s.target);
      if (!names.has(key)) names.set(key, await targetName(deps, s.target));
      const last = kind === 'eligibility' ? await lastActivationOf(deps, s.principalId, s.target, now) : null;
      const advice = definition.settings.recommendationsEnabled ? recommend(kind, last, now, lookBackMs, lookBack) : { recommendation: 'NoInfoAvailable' as const, reason: null };
      items.push({
        id: derivedId(instanceId, kind, s.id),
        accessReviewId: instanceId,
        decision: 'NotReviewed',
        recommendation: advice.recommendation,
        recommendationReason: advice.reason,
        lastActivationDateTime: last,
        justification: '',
        reviewedBy: NOBODY,
        reviewedDateTime: null,
        appliedBy: NOBODY,
        appliedDateTime: null,
        applyResult: 'New',
        principal: { id: s.principalId, displayName: principal?.displayName ?? null, userPrincipalName: principal?.userPrincipalName ?? null, kind: principal?.kind ?? 'user' },
        kind,
        target: s.target,
        targetDisplayName: names.get(key) ?? null,
        scheduleId: s.id,
        reviewerIds: await reviewersOf(deps, rules, { target: s.target, principalId: s.principalId }, cache),
      });
    }
  }
  return items;
}

/** The event an instance's step causes, about the reviewed target. */
async function reviewEvent(deps: ReviewDeps, type: EventType, definition: ReviewDefinition, instance: ReviewInstance, actor: Caller | null, data: Record<string, unknown> = {}) {
  return domainEvent(deps, type, {
    slot: { principalId: '', target: parseReviewScope(definition.scope).target },
    actor,
    data: { definitionId: definition.id, instanceId: instance.id, displayName: definition.displayName, descriptionForReviewers: definition.descriptionForReviewers, startDateTime: instance.startDateTime, endDateTime: instance.endDateTime, ...data },
  });
}

/**
 * Starts occurrence `index` of a review: its decision items, its reviewer index, and (filed
 * first) its reminder, its end and the next occurrence's start. Starting one already started
 * changes nothing. Reviewers are mailed through the start event when mail is on.
 */
export async function startOccurrence(deps: ReviewDeps, definitionId: string, index: number, now: Date): Promise<ReviewInstance | undefined> {
  const found = await deps.reviews.getDefinition(definitionId);
  if (!found || found.value.status === 'Completed') return undefined;
  const definition = found.value;
  const recurrence = definition.settings.recurrence;
  // Why skip ahead: a review whose start lies occurrences in the past (or a timer that was down)
  // starts the current occurrence only, not one instance for every occurrence missed.
  while (recurrence && (occurrenceStart(recurrence, index + 1)?.getTime() ?? Infinity) <= now.getTime()) index++;
  const planned = recurrence ? occurrenceStart(recurrence, index) : index === 0 ? now : undefined;
  if (!planned) return undefined;
  if (planned.getTime() > now.getTime()) {
    // Not yet: a start filed before the recurrence was changed. Filed again for its date (create-only: once).
    await deps.reviews.fileDue(planned, 'start', definition.id, String(index));
    return undefined;
  }
  const id = derivedId(definition.id, String(index));
  if (await deps.reviews.getInstance(definition.id, id)) return undefined;
  const start = now;
  const end = new Date(start.getTime() + definition.settings.instanceDurationInDays * DAY_MS);
  const items = await itemsFor(deps, definition, id, now);
  const reviewerIds = [...new Set(items.flatMap((i) => i.reviewerIds))];
  const instance: ReviewInstance = { id, definitionId: definition.id, index, startDateTime: start.toISOString(), endDateTime: end.toISOString(), status: 'InProgress', reviewerIds };
  await deps.reviews.fileDue(end, 'end', definition.id, id);
  if (definition.settings.reminderNotificationsEnabled) await deps.reviews.fileDue(new Date((start.getTime() + end.getTime()) / 2), 'remind', definition.id, id);
  const next = recurrence ? occurrenceStart(recurrence, index + 1) : undefined;
  if (next) await deps.reviews.fileDue(next, 'start', definition.id, String(index + 1));
  const started = await reviewEvent(deps, 'accessReview.instanceStarted', definition, instance, null, {
    reviewerIds: definition.settings.mailNotificationsEnabled ? reviewerIds : [],
    itemCount: items.length,
  });
  await deps.reviews.createInstance(instance, items, { events: [started] });
  await updateDefinition(deps, definition.id, (d) => (d.status === 'Completed' ? undefined : { ...d, status: 'InProgress', startedInstances: Math.max(d.startedInstances, index + 1) }));
  return instance;
}

/** Changes the stored definition by `change` (undefined: leave it), reading again if someone else wrote meanwhile. */
async function updateDefinition(deps: ReviewDeps, id: string, change: (d: ReviewDefinition) => ReviewDefinition | undefined): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const found = await deps.reviews.getDefinition(id);
    const next = found && change(found.value);
    if (!found || !next) return;
    try {
      await deps.reviews.replaceDefinition(next, found.etag);
      return;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'ConcurrentModification') || attempt >= 4) throw error;
    }
  }
}

/** Writes one decision item through `change`, reading it again when another write won meanwhile. */
export async function changeDecision(
  deps: ReviewDeps,
  definitionId: string,
  instanceId: string,
  decisionId: string,
  change: (item: DecisionItem) => { item: DecisionItem; changes?: Parameters<ReviewDeps['reviews']['replaceDecision']>[3] } | undefined,
): Promise<DecisionItem | undefined> {
  for (let attempt = 1; ; attempt++) {
    const found = await deps.reviews.getDecision(definitionId, instanceId, decisionId);
    if (!found) throw notFound('accessReviewInstanceDecisionItem', decisionId);
    const next = change(found.value);
    if (!next) return found.value;
    try {
      await deps.reviews.replaceDecision(definitionId, next.item, found.etag, next.changes);
      return next.item;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'ConcurrentModification') || attempt >= 5) throw error;
    }
  }
}

/**
 * Ends an instance: what nobody reviewed gets the default decision (when enabled), the instance
 * is Completed (audited, with its event), and with auto-apply on every decision is applied. The
 * last occurrence of a recurrence completes the definition. Ending one already ended only
 * finishes applying.
 */
export async function endInstance(deps: ReviewDeps, definitionId: string, instanceId: string, caller: Caller | null, correlationId: string): Promise<void> {
  const definition = await deps.reviews.getDefinition(definitionId);
  const found = await deps.reviews.getInstance(definitionId, instanceId);
  if (!definition || !found) return;
  const now = deps.clock.now();
  if (found.value.status === 'InProgress') {
    for (const { value: item } of await deps.reviews.listDecisions(definitionId, instanceId)) {
      await changeDecision(deps, definitionId, instanceId, item.id, (current) => {
        const decision = defaultDecisionFor(definition.value.settings, current);
        if (!decision) return undefined;
        return { item: { ...current, decision, reviewedBy: REVIEW_SYSTEM, reviewedDateTime: now.toISOString(), justification: `Default decision (${definition.value.settings.defaultDecision}): not reviewed by the end of the review.` } };
      });
    }
    const ended: ReviewInstance = { ...found.value, status: 'Completed', endDateTime: now.getTime() < Date.parse(found.value.endDateTime) ? now.toISOString() : found.value.endDateTime };
    const audit = auditRecord({
      activity: 'Access review ended',
      operationType: 'Update',
      caller,
      correlationId,
      at: now,
      category: 'Policy',
      targets: reviewTargets(definition.value, null),
      details: { accessReviewId: definitionId, instanceId, stoppedEarly: ended.endDateTime === found.value.endDateTime ? undefined : 'true' },
    });
    try {
      await deps.reviews.replaceInstance(ended, found.etag, { audit: [audit], events: [await reviewEvent(deps, 'accessReview.instanceEnded', definition.value, ended, caller)] });
    } catch (error) {
      // Another pass (the timer, or an admin's stop) ended it meanwhile: it applies what it ended.
      if (error instanceof DomainError && error.code === 'ConcurrentModification') return;
      throw error;
    }
    const recurrence = definition.value.settings.recurrence;
    if (!recurrence || !occurrenceStart(recurrence, found.value.index + 1)) await updateDefinition(deps, definitionId, (d) => ({ ...d, status: 'Completed' }));
  }
  if (definition.value.settings.autoApplyDecisionsEnabled) await applyInstance(deps, definition.value, instanceId, caller, correlationId);
}

/** The identity PIM acts as when it applies decisions on the timer: named after the review, so mail and audit say why. */
function reviewCaller(deps: ReviewDeps, definition: ReviewDefinition): Caller {
  return { oid: REVIEW_SYSTEM.id, tenantId: deps.tenantId, name: `Access review "${definition.displayName}"`, roles: [], isAdmin: true, isAuditor: false, amr: ['mfa'], acrs: [] };
}

/**
 * Applies the decisions of an ended instance not applied yet: Deny removes the eligibility or
 * assignment through the same use case as an admin's removal (audited with the review as the
 * justification; its event mails the person), Approve keeps it. Each item records who applied
 * it, when, and how it went, with an `Apply decision` audit record and an event.
 */
async function applyInstance(deps: ReviewDeps, definition: ReviewDefinition, instanceId: string, caller: Caller | null, correlationId: string): Promise<void> {
  const applier = caller ?? reviewCaller(deps, definition);
  const appliedBy: Identity = caller ? identityOf(caller) : REVIEW_SYSTEM;
  const instance = await deps.reviews.getInstance(definition.id, instanceId);
  if (!instance) return;
  for (const { value: item } of await deps.reviews.listDecisions(definition.id, instanceId)) {
    if (item.applyResult !== 'New' || (item.decision !== 'Approve' && item.decision !== 'Deny')) continue;
    const result = item.decision === 'Deny' ? await removeForReview(deps, applier, definition, item, correlationId) : 'AppliedSuccessfully';
    const now = deps.clock.now();
    const base = await reviewEvent(deps, 'accessReview.decisionApplied', definition, instance.value, caller, { decisionId: item.id, principalId: item.principal.id, decision: item.decision, applyResult: result, kind: item.kind });
    // The event is about the person and what they held, not the review's scope as a whole.
    const event = { ...base, subject: { ...base.subject, principalId: item.principal.id, target: item.target, targetDisplayName: item.targetDisplayName } };
    await changeDecision(deps, definition.id, instanceId, item.id, (current) => {
      if (current.applyResult !== 'New') return undefined;
      const applied: DecisionItem = { ...current, appliedBy, appliedDateTime: now.toISOString(), applyResult: result };
      return { item: applied, changes: { audit: [applyAudit(definition, applied, caller, correlationId, now)], events: [event] } };
    });
  }
}

function applyAudit(definition: ReviewDefinition, item: DecisionItem, caller: Caller | null, correlationId: string, at: Date) {
  return auditRecord({
    activity: 'Apply decision',
    operationType: item.decision === 'Deny' ? 'Unassign' : 'Other',
    caller,
    correlationId,
    at,
    category: 'Policy',
    result: item.applyResult === 'AppliedWithUnknownFailure' ? 'failure' : 'success',
    resultReason: item.applyResult,
    targets: [{ id: item.principal.id, displayName: item.principal.displayName, type: 'User', modifiedProperties: [] }, ...reviewTargets(definition, item.targetDisplayName)],
    details: { accessReviewId: definition.id, instanceId: item.accessReviewId, decisionId: item.id, decision: item.decision, applyResult: item.applyResult, kind: item.kind },
  });
}

/** The instance, for an admin or auditor or one of its reviewers; 404 for anyone else. */
export async function getInstance(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string): Promise<ReviewInstance> {
  const found = await deps.reviews.getInstance(definitionId, instanceId);
  if (!found || !(canReadAll(caller) || found.value.reviewerIds.includes(caller.oid.toLowerCase()))) throw notFound('accessReviewInstance', instanceId);
  return found.value;
}

export async function listInstances(deps: ReviewDeps, caller: Caller, definitionId: string, onlyMine: boolean): Promise<ReviewInstance[]> {
  if (!onlyMine && !canReadAll(caller)) throw notFound('accessReviewScheduleDefinition', definitionId);
  const all = await deps.reviews.listInstances(definitionId);
  return onlyMine ? all.filter((i) => i.reviewerIds.includes(caller.oid.toLowerCase())) : all;
}

async function requireInstance(deps: ReviewDeps, definitionId: string, instanceId: string): Promise<Versioned<ReviewInstance>> {
  const found = await deps.reviews.getInstance(definitionId, instanceId);
  if (!found) throw notFound('accessReviewInstance', instanceId);
  return found;
}

/** GET instances/{id}/contactedReviewers: who reviews in the instance (administrators and auditors). */
export async function contactedReviewers(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string): Promise<Array<{ id: string; displayName: string | null; userPrincipalName: string | null; createdDateTime: string }>> {
  const found = await requireInstance(deps, definitionId, instanceId);
  if (!canReadAll(caller)) throw notFound('accessReviewInstance', instanceId);
  const people = await Promise.all(found.value.reviewerIds.map((id) => deps.directory.getPrincipal(id)));
  return found.value.reviewerIds.map((id, i) => ({ id, displayName: people[i]?.displayName ?? null, userPrincipalName: people[i]?.userPrincipalName ?? null, createdDateTime: found.value.startDateTime }));
}

/** POST instances/{id}/stop: an admin ends the instance now. */
export async function stopInstance(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string, correlationId: string): Promise<void> {
  requireAdmin(caller, 'stop access reviews');
  const found = await requireInstance(deps, definitionId, instanceId);
  if (found.value.status !== 'InProgress') throw badRequest(`The access review instance is ${found.value.status}; only one in progress can be stopped.`, 'AccessReviewNotInProgress');
  await endInstance(deps, definitionId, instanceId, caller, correlationId);
}

/** POST instances/{id}/applyDecisions: an admin applies an ended instance's decisions. */
export async function applyDecisions(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string, correlationId: string): Promise<void> {
  requireAdmin(caller, 'apply access review decisions');
  const definition = await requireDefinition(deps, definitionId);
  const found = await requireInstance(deps, definitionId, instanceId);
  if (found.value.status !== 'Completed') throw badRequest('Decisions are applied once the review has ended; stop the instance first.', 'AccessReviewNotCompleted');
  await applyInstance(deps, definition.value, instanceId, caller, correlationId);
}

/** Reminds the reviewers who still have undecided items (none: nobody is mailed). */
async function remind(deps: ReviewDeps, definition: ReviewDefinition, instance: ReviewInstance, caller: Caller | null): Promise<number> {
  const undecided = (await deps.reviews.listDecisions(definition.id, instance.id)).filter((d) => d.value.decision === 'NotReviewed');
  const reviewerIds = [...new Set(undecided.flatMap((d) => d.value.reviewerIds))];
  if (reviewerIds.length === 0) return 0;
  const event = await reviewEvent(deps, 'accessReview.reminder', definition, instance, caller, { reviewerIds, undecidedCount: undecided.length });
  // The reminder changes no state: its event is committed with a write of the instance as it is.
  const found = await requireInstance(deps, definition.id, instance.id);
  await deps.reviews.replaceInstance(found.value, found.etag, { events: [event] });
  return reviewerIds.length;
}

/** POST instances/{id}/sendReminder: an admin reminds the reviewers now. */
export async function sendReminder(deps: ReviewDeps, caller: Caller, definitionId: string, instanceId: string): Promise<void> {
  requireAdmin(caller, 'send access review reminders');
  const definition = await requireDefinition(deps, definitionId);
  const found = await requireInstance(deps, definitionId, instanceId);
  if (found.value.status !== 'InProgress') throw badRequest(`The access review instance is ${found.value.status}; reminders go out while it is in progress.`, 'AccessReviewNotInProgress');
  await remind(deps, definition.value, found.value, caller);
}

export interface ReviewRunReport {
  started: number;
  reminded: number;
  ended: number;
  failed: Array<{ subject: string; error: string }>;
}

/**
 * The access-review timer: reads only the review work that is due (the due index), and starts
 * instances, sends halfway reminders and ends instances. One failure does not stop the rest
 * (its work stays due and is tried again on the next run).
 */
export async function runAccessReviews(deps: ReviewDeps): Promise<ReviewRunReport> {
  const report: ReviewRunReport = { started: 0, reminded: 0, ended: 0, failed: [] };
  const now = deps.clock.now();
  const correlationId = randomUUID();
  const handled: ReviewDue[] = [];
  for (const work of await deps.reviews.dueWork(now)) {
    try {
      if (work.what === 'start') {
        if (await startOccurrence(deps, work.definitionId, Number(work.ref), now)) report.started++;
      } else if (work.what === 'remind') {
        const definition = await deps.reviews.getDefinition(work.definitionId);
        const instance = await deps.reviews.getInstance(work.definitionId, work.ref);
        if (definition && instance?.value.status === 'InProgress' && definition.value.settings.reminderNotificationsEnabled && (await remind(deps, definition.value, instance.value, null)) > 0) report.reminded++;
      } else {
        await endInstance(deps, work.definitionId, work.ref, null, correlationId);
        report.ended++;
      }
      handled.push(work);
    } catch (error) {
      report.failed.push({ subject: `${work.what} ${work.definitionId}/${work.ref}`, error: error instanceof Error ? error.message : String(error) });
    }
  }
  await deps.reviews.completeDue(handled);
  return report;
}

/** The kinds of assignment an item can be, as Graph names its resource. */
export const RESOURCE_TYPES: Record<ScheduleKind, string> = { eligibility: 'Eligible', assignment: 'Active' };
