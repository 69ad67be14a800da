import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Caller } from '../../domain/caller';
import { type DefaultDecision, parseReviewer, parseReviewScope, type QueryScope, type ReviewDefinition, type ReviewerRule, type ReviewSettings } from '../../domain/accessReviews';
import { parseDuration } from '../../domain/duration';
import { badRequest, forbidden, notFound } from '../../domain/errors';
import { occurrenceStart, type ReviewRecurrence, rangeStart, shortestIntervalDays } from '../../domain/reviewRecurrence';
import { auditRecord } from '../audit';
import { checkTarget } from '../targets';
import { canReadAll, identityOf, requireAdmin, requireDefinition, type ReviewDeps, reviewTargets } from './deps';
import { resolveRule } from './reviewers';
import { stopInstance } from './instances';

const queryScope = z
  .object({
    '@odata.type': z.string().optional(),
    query: z.string({ message: 'query is required' }).min(1, 'query is required'),
    queryType: z.string().optional(),
    queryRoot: z.string().nullish(),
  })
  .loose();

const recurrence = z
  .object({
    pattern: z
      .object({
        type: z.string({ message: 'pattern.type is required (weekly or absoluteMonthly)' }),
        interval: z.number().int().min(1).max(99).nullish(),
        dayOfMonth: z.number().int().min(0).max(31).nullish(),
      })
      .loose(),
    range: z
      .object({
        type: z.string({ message: 'range.type is required (noEnd, endDate or numbered)' }),
        startDate: z.string().nullish(),
        endDate: z.string().nullish(),
        numberOfOccurrences: z.number().int().min(0).nullish(),
      })
      .loose(),
  })
  .loose();

const settings = z
  .object({
    mailNotificationsEnabled: z.boolean().nullish(),
    reminderNotificationsEnabled: z.boolean().nullish(),
    justificationRequiredOnApproval: z.boolean().nullish(),
    defaultDecisionEnabled: z.boolean().nullish(),
    defaultDecision: z.string().nullish(),
    instanceDurationInDays: z.number().int().min(0).max(365).nullish(),
    autoApplyDecisionsEnabled: z.boolean().nullish(),
    recommendationsEnabled: z.boolean().nullish(),
    recommendationLookBackDuration: z.string().nullish(),
    recurrence: recurrence.nullish(),
  })
  .loose();

/** The body of POST definitions (and, every field optional, of PATCH): Graph's accessReviewScheduleDefinition. */
export const definitionBody = z
  .object({
    displayName: z.string({ message: 'displayName is required' }).trim().min(1, 'displayName is required').max(256),
    descriptionForAdmins: z.string().max(1024).nullish(),
    descriptionForReviewers: z.string().max(1024).nullish(),
    scope: queryScope,
    reviewers: z.array(queryScope, { message: 'reviewers is required ([] for a self-review)' }),
    fallbackReviewers: z.array(queryScope).nullish(),
    backupReviewers: z.array(queryScope).nullish(),
    settings: settings.nullish(),
  })
  .loose();

export const definitionPatchBody = definitionBody.partial();

type Body = z.infer<typeof definitionBody>;

function parseBody<T>(schema: z.ZodType<T>, raw: unknown): T {
  if (raw === undefined) throw badRequest('The request needs a JSON body.');
  const result = schema.safeParse(raw);
  if (!result.success) throw badRequest(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return result.data;
}

const DEFAULT_DECISIONS = ['Approve', 'Deny', 'Recommendation', 'None'] as const;

function parseRecurrence(raw: NonNullable<z.infer<typeof recurrence>>): ReviewRecurrence {
  const type = raw.pattern.type.toLowerCase();
  let pattern: ReviewRecurrence['pattern'];
  const interval = raw.pattern.interval ?? 1;
  if (type === 'weekly') pattern = { type: 'weekly', interval, dayOfMonth: 0 };
  else if (type === 'absolutemonthly') pattern = { type: 'absoluteMonthly', interval, dayOfMonth: raw.pattern.dayOfMonth ?? 0 };
  else if (type === 'absoluteyearly') pattern = { type: 'absoluteMonthly', interval: 12 * interval, dayOfMonth: raw.pattern.dayOfMonth ?? 0 };
  else throw badRequest(`settings.recurrence.pattern.type '${raw.pattern.type}' is not supported; use weekly or absoluteMonthly (interval 1 monthly, 3 quarterly, 6 semi-annually, 12 annually).`, 'InvalidRecurrence');
  const rangeType = ['noEnd', 'endDate', 'numbered'].find((t) => t.toLowerCase() === raw.range.type.toLowerCase()) as ReviewRecurrence['range']['type'] | undefined;
  if (!rangeType) throw badRequest(`settings.recurrence.range.type '${raw.range.type}' is not supported; use noEnd, endDate or numbered.`, 'InvalidRecurrence');
  if (!raw.range.startDate) throw badRequest('settings.recurrence.range.startDate is required: the date the first review starts (yyyy-MM-dd).', 'InvalidRecurrence');
  const result: ReviewRecurrence = { pattern, range: { type: rangeType, startDate: raw.range.startDate, endDate: raw.range.endDate ?? null, numberOfOccurrences: raw.range.numberOfOccurrences ?? 0 } };
  rangeStart(result);
  if (rangeType === 'endDate') {
    if (!raw.range.endDate || Number.isNaN(Date.parse(raw.range.endDate))) throw badRequest('settings.recurrence.range.endDate is required with range type endDate (yyyy-MM-dd).', 'InvalidRecurrence');
    if (!occurrenceStart(result, 0)) throw badRequest('settings.recurrence.range.endDate is before its startDate.', 'InvalidRecurrence');
  }
  if (rangeType === 'numbered' && (raw.range.numberOfOccurrences ?? 0) < 1) throw badRequest('settings.recurrence.range.numberOfOccurrences must be at least 1 with range type numbered.', 'InvalidRecurrence');
  return result;
}

function parseSettings(raw: z.infer<typeof settings> | null | undefined): ReviewSettings {
  const s = raw ?? {};
  const defaultDecision = DEFAULT_DECISIONS.find((d) => d.toLowerCase() === (s.defaultDecision ?? 'None').toLowerCase());
  if (!defaultDecision) throw badRequest(`settings.defaultDecision '${s.defaultDecision}' is not one of Approve, Deny, Recommendation.`, 'InvalidSettings');
  if (s.defaultDecisionEnabled && defaultDecision === 'None') throw badRequest('settings.defaultDecisionEnabled needs settings.defaultDecision: Approve, Deny or Recommendation.', 'InvalidSettings');
  const lookBack = s.recommendationLookBackDuration ?? 'P30D';
  const lookBackMs = parseDuration(lookBack);
  if (lookBackMs === undefined || lookBackMs <= 0) throw badRequest(`settings.recommendationLookBackDuration '${lookBack}' is not an ISO 8601 duration such as P30D.`, 'InvalidSettings');
  const rec = s.recurrence?.pattern || s.recurrence?.range ? parseRecurrence(s.recurrence) : null;
  const longest = rec ? shortestIntervalDays(rec) : 365;
  const duration = s.instanceDurationInDays || Math.min(14, longest);
  if (duration > longest) throw badRequest(`settings.instanceDurationInDays ${duration} is longer than the time between two reviews (${longest} days); an instance must end before the next starts.`, 'InvalidSettings');
  return {
    mailNotificationsEnabled: s.mailNotificationsEnabled ?? false,
    reminderNotificationsEnabled: s.reminderNotificationsEnabled ?? false,
    justificationRequiredOnApproval: s.justificationRequiredOnApproval ?? false,
    defaultDecisionEnabled: s.defaultDecisionEnabled ?? false,
    defaultDecision: defaultDecision as DefaultDecision | 'None',
    instanceDurationInDays: duration,
    autoApplyDecisionsEnabled: s.autoApplyDecisionsEnabled ?? false,
    recommendationsEnabled: s.recommendationsEnabled ?? true,
    recommendationLookBackDuration: lookBack,
    recurrence: rec,
  };
}

const normalizeScope = (q: QueryScope): QueryScope => ({ '@odata.type': q['@odata.type'] ?? '#microsoft.graph.accessReviewQueryScope', query: q.query, queryType: q.queryType ?? 'MicrosoftGraph', queryRoot: q.queryRoot ?? null });

/**
 * Everything checked before a definition is stored: the scope names a target that exists (and a
 * group PIM can govern), every reviewer query is one this service resolves, and a reviewer set
 * that can be resolved now (named users, a group's members or owners) names somebody, or
 * fallback reviewers do.
 */
async function checkDefinition(deps: ReviewDeps, body: Body): Promise<{ settings: ReviewSettings; targetName: string }> {
  const scope = parseReviewScope(body.scope);
  const targetName = await checkTarget(deps, scope.target);
  const reviewerRules = body.reviewers.map((r, i) => parseReviewer(r, `reviewers[${i}]`));
  const fallback = (body.fallbackReviewers ?? body.backupReviewers ?? []).map((r, i) => parseReviewer(r, `fallbackReviewers[${i}]`));
  if (reviewerRules.some((r) => r.type === 'scopeOwners') && scope.target.kind !== 'group') throw badRequest("reviewers './owners' names the owners of a reviewed group; this scope is not a group.", 'InvalidReviewers');
  const settings = parseSettings(body.settings);
  const fixed = (rules: ReviewerRule[]) => rules.filter((r) => r.type !== 'manager' && r.type !== 'self');
  if (reviewerRules.length > 0 && reviewerRules.every((r) => fixed([r]).length === 1)) {
    const people = await resolveAll(deps, reviewerRules, scope.target);
    if (people.length === 0) {
      const fallbackPeople = await resolveAll(deps, fixed(fallback), scope.target);
      if (fallbackPeople.length === 0) throw badRequest('The reviewers resolve to nobody (no such user, or an empty group) and there are no fallbackReviewers who do; name reviewers who exist, or add fallbackReviewers.', 'InvalidReviewers');
    }
  }
  return { settings, targetName };
}

async function resolveAll(deps: ReviewDeps, rules: ReviewerRule[], target: ReturnType<typeof parseReviewScope>['target']): Promise<string[]> {
  const ids = new Set<string>();
  for (const rule of rules) for (const id of await resolveRule(deps, rule, { target, principalId: null })) ids.add(id);
  return [...ids];
}

/** When the first instance starts: the recurrence's start, or at once for a one-time review. */
function firstStart(settings: ReviewSettings, now: Date): Date {
  const at = settings.recurrence ? occurrenceStart(settings.recurrence, 0) : now;
  return at && at.getTime() > now.getTime() ? at : now;
}

export async function createDefinition(deps: ReviewDeps, caller: Caller, raw: unknown, correlationId: string): Promise<ReviewDefinition> {
  requireAdmin(caller, 'create access reviews');
  const body = parseBody(definitionBody, raw);
  const { settings, targetName } = await checkDefinition(deps, body);
  const now = deps.clock.now();
  const definition: ReviewDefinition = {
    id: randomUUID(),
    displayName: body.displayName,
    descriptionForAdmins: body.descriptionForAdmins ?? '',
    descriptionForReviewers: body.descriptionForReviewers ?? '',
    createdBy: identityOf(caller),
    createdDateTime: now.toISOString(),
    lastModifiedDateTime: now.toISOString(),
    status: 'NotStarted',
    scope: normalizeScope(body.scope),
    reviewers: body.reviewers.map(normalizeScope),
    fallbackReviewers: (body.fallbackReviewers ?? body.backupReviewers ?? []).map(normalizeScope),
    settings,
    startedInstances: 0,
  };
  // Filed before the write that needs it: the timer starts the first instance.
  await deps.reviews.fileDue(firstStart(settings, now), 'start', definition.id, '0');
  const audit = auditRecord({
    activity: 'Create access review',
    operationType: 'Add',
    caller,
    correlationId,
    at: now,
    category: 'Policy',
    targets: reviewTargets(definition, targetName),
    details: { accessReviewId: definition.id, scope: definition.scope.query },
  });
  await deps.reviews.createDefinition(definition, { audit: [audit] });
  return definition;
}

export async function updateDefinition(deps: ReviewDeps, caller: Caller, id: string, raw: unknown, correlationId: string): Promise<ReviewDefinition> {
  requireAdmin(caller, 'change access reviews');
  const patch = parseBody(definitionPatchBody, raw);
  const found = await requireDefinition(deps, id);
  const current = found.value;
  if (patch.scope && patch.scope.query !== current.scope.query) throw badRequest("An access review's scope cannot change; create a new review for another scope.", 'InvalidScope');
  // The stored definition with the patch over it, read as a whole body again: every rule checks the result.
  const merged = parseBody(definitionBody, {
    displayName: patch.displayName ?? current.displayName,
    descriptionForAdmins: patch.descriptionForAdmins ?? current.descriptionForAdmins,
    descriptionForReviewers: patch.descriptionForReviewers ?? current.descriptionForReviewers,
    scope: current.scope,
    reviewers: patch.reviewers ?? current.reviewers,
    fallbackReviewers: patch.fallbackReviewers ?? patch.backupReviewers ?? current.fallbackReviewers,
    settings: { ...current.settings, ...(patch.settings ?? {}) },
  });
  const { settings, targetName } = await checkDefinition(deps, merged);
  const now = deps.clock.now();
  const next: ReviewDefinition = {
    ...current,
    displayName: merged.displayName,
    descriptionForAdmins: merged.descriptionForAdmins ?? '',
    descriptionForReviewers: merged.descriptionForReviewers ?? '',
    reviewers: merged.reviewers.map(normalizeScope),
    fallbackReviewers: (merged.fallbackReviewers ?? []).map(normalizeScope),
    settings,
    lastModifiedDateTime: now.toISOString(),
  };
  // A changed recurrence moves the next start (filed before the write); the old date's row, when it
  // comes, finds the occurrence started already or files it again for its new date.
  if (next.status !== 'Completed' && JSON.stringify(next.settings.recurrence) !== JSON.stringify(current.settings.recurrence)) {
    const nextStart = next.startedInstances === 0 ? firstStart(settings, now) : settings.recurrence && occurrenceStart(settings.recurrence, next.startedInstances);
    if (nextStart) await deps.reviews.fileDue(nextStart.getTime() > now.getTime() ? nextStart : now, 'start', id, String(next.startedInstances));
  }
  const audit = auditRecord({
    activity: 'Update access review',
    operationType: 'Update',
    caller,
    correlationId,
    at: now,
    category: 'Policy',
    targets: reviewTargets(next, targetName),
    details: { accessReviewId: id },
  });
  await deps.reviews.replaceDefinition(next, found.etag, { audit: [audit] });
  return next;
}

export async function deleteDefinition(deps: ReviewDeps, caller: Caller, id: string, correlationId: string): Promise<void> {
  requireAdmin(caller, 'delete access reviews');
  const found = await requireDefinition(deps, id);
  const audit = auditRecord({
    activity: 'Delete access review',
    operationType: 'Delete',
    caller,
    correlationId,
    at: deps.clock.now(),
    category: 'Policy',
    targets: reviewTargets(found.value, null),
    details: { accessReviewId: id },
  });
  await deps.reviews.deleteDefinition(id, found.etag, { audit: [audit] });
}

/** Stops the review: its running instances end now (their ending applies as at their end), and no more start. */
export async function stopDefinition(deps: ReviewDeps, caller: Caller, id: string, correlationId: string): Promise<void> {
  requireAdmin(caller, 'stop access reviews');
  for (let attempt = 1; ; attempt++) {
    const found = await requireDefinition(deps, id);
    if (found.value.status === 'Completed') return;
    try {
      await deps.reviews.replaceDefinition({ ...found.value, status: 'Completed', lastModifiedDateTime: deps.clock.now().toISOString() }, found.etag);
      break;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
  for (const instance of await deps.reviews.listInstances(id)) {
    if (instance.status === 'InProgress') await stopInstance(deps, caller, id, instance.id, correlationId);
  }
}

export async function getDefinition(deps: ReviewDeps, caller: Caller, id: string): Promise<ReviewDefinition> {
  const found = await deps.reviews.getDefinition(id);
  if (!found || !(canReadAll(caller) || (await reviewsIn(deps, caller)).has(id.toLowerCase()))) throw notFound('accessReviewScheduleDefinition', id);
  return found.value;
}

export async function listDefinitions(deps: ReviewDeps, caller: Caller): Promise<ReviewDefinition[]> {
  if (!canReadAll(caller)) throw forbidden("Only PIM administrators and auditors list every access review; reviewers use definitions/filterByCurrentUser(on='reviewer').");
  return deps.reviews.listDefinitions();
}

/** The definitions the caller reviews something in. */
export async function definitionsForReviewer(deps: ReviewDeps, caller: Caller): Promise<ReviewDefinition[]> {
  const ids = await reviewsIn(deps, caller);
  const found = await Promise.all([...ids].map((id) => deps.reviews.getDefinition(id)));
  return found.filter((d) => d !== undefined).map((d) => d.value);
}

async function reviewsIn(deps: ReviewDeps, caller: Caller): Promise<Set<string>> {
  return new Set((await deps.reviews.reviewsOf(caller.oid)).map((r) => r.definitionId.toLowerCase()));
}
