/**
 * Access reviews (Graph v1.0 `identityGovernance/accessReviews`): definitions, their instances
 * and decision items. Thin: each route authenticates, calls one use case and answers in Graph's shape.
 */
import { httpRoute } from '../httpRoute';
import { acceptRecommendations, batchDecisionBody, batchRecordDecisions, decisionBody, resetDecisions, getDecision, listDecisions, recordDecision } from '../../shared/app/accessReviews/decisions';
import { createDefinition, definitionBody, definitionPatchBody, definitionsForReviewer, deleteDefinition, getDefinition, listDefinitions, stopDefinition, updateDefinition } from '../../shared/app/accessReviews/definitions';
import { applyDecisions, contactedReviewers, getInstance, listInstances, sendReminder, stopInstance } from '../../shared/app/accessReviews/instances';
import { badRequest, notFound } from '../../shared/domain/errors';
import { decisionJson, definitionJson, instanceJson } from '../../shared/http/accessReviewJson';
import { type GraphCall, graphHandler } from '../../shared/http/graphHandler';
import { HttpError } from '../../shared/http/graphErrors';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { config } from '../../shared/config';
import { deps, tokens } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';
const BASE = 'identityGovernance/accessReviews/definitions';
const DEFINITIONS = `${V}/${BASE}`;
const INSTANCES = `${DEFINITIONS}/{definitionId}/instances`;
const DECISIONS = `${INSTANCES}/{instanceId}/decisions`;
const SET = {
  definitions: 'identityGovernance/accessReviews/definitions',
  instances: 'identityGovernance/accessReviews/definitions/instances',
  decisions: 'identityGovernance/accessReviews/definitions/instances/decisions',
};
const DEFAULT_PAGE = 100;

const noContent = () => ({ status: 204 });
const param = (call: GraphCall, name: string) => call.req.params[name] ?? '';

/** filterByCurrentUser takes on='reviewer' only. */
function requireReviewerView(call: GraphCall): void {
  if (call.req.params.on?.toLowerCase() !== 'reviewer') throw badRequest(`filterByCurrentUser(on='${call.req.params.on}') is not supported here; use on='reviewer'.`);
}

/** $top and $skip, as Graph pages access review collections (page 100). */
function paging(url: URL): { top: number; skip: number } {
  const int = (name: string, fallback: number, min: number) => {
    const raw = url.searchParams.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new HttpError('BadRequest', `${name} must be a whole number of at least ${min}.`, 400);
    return n;
  };
  return { top: Math.min(int('$top', DEFAULT_PAGE, 1), 1000), skip: int('$skip', 0, 0) };
}

/** A page of a collection, with @odata.nextLink ($skip past this page) when more follow. */
function paged(call: GraphCall, set: string, items: Array<Record<string, unknown>>) {
  const { top, skip } = paging(call.url);
  const answer = collectionResponse(call.url, set, { value: items.slice(skip, skip + top) }, { expand: [], count: false });
  if (skip + top < items.length) {
    const next = new URL(call.url);
    next.searchParams.set('$skip', String(skip + top));
    next.searchParams.set('$top', String(top));
    (answer.jsonBody as Record<string, unknown>)['@odata.nextLink'] = next.toString();
  }
  return answer;
}

const sortedBy = <T>(items: T[], key: (t: T) => string) => [...items].sort((a, b) => key(a).localeCompare(key(b)));

httpRoute('createAccessReviewDefinition', {
  route: DEFINITIONS,
  methods: ['POST'],
  authLevel: 'anonymous',
  doc: { summary: 'Create an access review (PIM administrators)', body: definitionBody },
  handler: graphHandler(tokens, async ({ url, caller, body, requestId }) => entityResponse(url, SET.definitions, definitionJson(await createDefinition(deps(), caller, body, requestId)), 201)),
});

httpRoute('listAccessReviewDefinitions', {
  route: DEFINITIONS,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'Every access review (administrators and auditors)' },
  handler: graphHandler(tokens, async (call) => paged(call, SET.definitions, sortedBy(await listDefinitions(deps(), call.caller), (d) => d.createdDateTime).map(definitionJson))),
});

httpRoute('listMyAccessReviewDefinitions', {
  route: `${DEFINITIONS}/filterByCurrentUser(on='{on}')`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'The access reviews the caller reviews something in' },
  handler: graphHandler(tokens, async (call) => {
    requireReviewerView(call);
    return paged(call, SET.definitions, sortedBy(await definitionsForReviewer(deps(), call.caller), (d) => d.createdDateTime).map(definitionJson));
  }),
});

httpRoute('getAccessReviewDefinition', {
  route: `${DEFINITIONS}/{definitionId}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'One access review' },
  handler: graphHandler(tokens, async (call) => entityResponse(call.url, SET.definitions, definitionJson(await getDefinition(deps(), call.caller, param(call, 'definitionId'))))),
});

httpRoute('updateAccessReviewDefinition', {
  route: `${DEFINITIONS}/{definitionId}`,
  methods: ['PATCH', 'PUT'],
  authLevel: 'anonymous',
  doc: { summary: 'Change an access review: names, reviewers, settings (PIM administrators)', body: definitionPatchBody },
  handler: graphHandler(tokens, async (call) => {
    await updateDefinition(deps(), call.caller, param(call, 'definitionId'), call.body, call.requestId);
    return noContent();
  }),
});

httpRoute('deleteAccessReviewDefinition', {
  route: `${DEFINITIONS}/{definitionId}`,
  methods: ['DELETE'],
  authLevel: 'anonymous',
  doc: { summary: 'Delete an access review and its instances (PIM administrators)' },
  handler: graphHandler(tokens, async (call) => {
    await deleteDefinition(deps(), call.caller, param(call, 'definitionId'), call.requestId);
    return noContent();
  }),
});

httpRoute('stopAccessReviewDefinition', {
  route: `${DEFINITIONS}/{definitionId}/stop`,
  methods: ['POST'],
  authLevel: 'anonymous',
  doc: { summary: 'Stop an access review: running instances end now, no more start (PIM administrators)' },
  handler: graphHandler(tokens, async (call) => {
    await stopDefinition(deps(), call.caller, param(call, 'definitionId'), call.requestId);
    return noContent();
  }),
});

async function instancesPage(call: GraphCall, onlyMine: boolean) {
  const d = deps();
  const definitionId = param(call, 'definitionId');
  const definition = await d.reviews.getDefinition(definitionId);
  if (!definition) throw notFound('accessReviewScheduleDefinition', definitionId);
  const instances = await listInstances(d, call.caller, definitionId, onlyMine);
  return paged(call, SET.instances, sortedBy(instances, (i) => i.startDateTime).map((i) => instanceJson(i, definition.value)));
}

httpRoute('listAccessReviewInstances', {
  route: INSTANCES,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "An access review's instances (administrators and auditors)" },
  handler: graphHandler(tokens, (call) => instancesPage(call, false)),
});

httpRoute('listMyAccessReviewInstances', {
  route: `${INSTANCES}/filterByCurrentUser(on='{on}')`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "An access review's instances the caller reviews something in" },
  handler: graphHandler(tokens, (call) => {
    requireReviewerView(call);
    return instancesPage(call, true);
  }),
});

httpRoute('getAccessReviewInstance', {
  route: `${INSTANCES}/{instanceId}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'One instance of an access review' },
  handler: graphHandler(tokens, async (call) => {
    const d = deps();
    const instance = await getInstance(d, call.caller, param(call, 'definitionId'), param(call, 'instanceId'));
    return entityResponse(call.url, SET.instances, instanceJson(instance, (await d.reviews.getDefinition(instance.definitionId))?.value));
  }),
});

const instanceAction = (name: string, action: string, summary: string, run: (call: GraphCall) => Promise<unknown>, body?: typeof decisionBody) =>
  httpRoute(name, {
    route: `${INSTANCES}/{instanceId}/${action}`,
    methods: ['POST'],
    authLevel: 'anonymous',
    doc: { summary, ...(body ? { body } : {}) },
    handler: graphHandler(tokens, async (call) => {
      await run(call);
      return noContent();
    }),
  });

instanceAction('stopAccessReviewInstance', 'stop', 'End an instance now; its ending applies as at its end (PIM administrators)', (c) => stopInstance(deps(), c.caller, param(c, 'definitionId'), param(c, 'instanceId'), c.requestId));
instanceAction('applyAccessReviewDecisions', 'applyDecisions', "Apply an ended instance's decisions: Deny removes the access (PIM administrators)", (c) => applyDecisions(deps(), c.caller, param(c, 'definitionId'), param(c, 'instanceId'), c.requestId));
instanceAction('sendAccessReviewReminder', 'sendReminder', 'Remind the reviewers with undecided items (PIM administrators)', (c) => sendReminder(deps(), c.caller, param(c, 'definitionId'), param(c, 'instanceId')));
instanceAction(
  'batchRecordAccessReviewDecisions',
  'batchRecordDecisions',
  'Record one decision on every item the caller reviews (or those of one principalId or resourceId)',
  (c) => batchRecordDecisions(deps(), c.caller, param(c, 'definitionId'), param(c, 'instanceId'), c.body, c.requestId),
  batchDecisionBody,
);

instanceAction('resetAccessReviewDecisions', 'resetDecisions', 'Set every decision of a running instance back to NotReviewed (PIM administrators)', (c) =>
  resetDecisions(deps(), c.caller, param(c, 'definitionId'), param(c, 'instanceId'), c.requestId),
);
instanceAction('acceptAccessReviewRecommendations', 'acceptRecommendations', "The caller's undecided items take their recommendation", (c) =>
  acceptRecommendations(deps(), c.caller, param(c, 'definitionId'), param(c, 'instanceId'), c.requestId),
);

httpRoute('listAccessReviewContactedReviewers', {
  route: `${INSTANCES}/{instanceId}/contactedReviewers`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'Who reviews in an instance (administrators and auditors)' },
  handler: graphHandler(tokens, async (call) => paged(call, `${SET.instances}/contactedReviewers`, await contactedReviewers(deps(), call.caller, param(call, 'definitionId'), param(call, 'instanceId')))),
});

async function decisionsPage(call: GraphCall, onlyMine: boolean) {
  const items = await listDecisions(deps(), call.caller, param(call, 'definitionId'), param(call, 'instanceId'), onlyMine);
  const base = config().PIM_PUBLIC_BASE_URL;
  return paged(call, SET.decisions, sortedBy(items, (i) => `${i.principal.displayName ?? ''}|${i.id}`).map((i) => decisionJson(i, base)));
}

httpRoute('listAccessReviewDecisions', {
  route: DECISIONS,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "An instance's decision items (administrators and auditors); $top and $skip" },
  handler: graphHandler(tokens, (call) => decisionsPage(call, false)),
});

httpRoute('listMyAccessReviewDecisions', {
  route: `${DECISIONS}/filterByCurrentUser(on='{on}')`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "The decision items the caller reviews in an instance; $top and $skip" },
  handler: graphHandler(tokens, (call) => {
    requireReviewerView(call);
    return decisionsPage(call, true);
  }),
});

httpRoute('getAccessReviewDecision', {
  route: `${DECISIONS}/{decisionId}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'One decision item' },
  handler: graphHandler(tokens, async (call) => {
    const item = await getDecision(deps(), call.caller, param(call, 'definitionId'), param(call, 'instanceId'), param(call, 'decisionId'));
    return entityResponse(call.url, SET.decisions, decisionJson(item, config().PIM_PUBLIC_BASE_URL));
  }),
});

httpRoute('recordAccessReviewDecision', {
  route: `${DECISIONS}/{decisionId}`,
  methods: ['PATCH'],
  authLevel: 'anonymous',
  doc: { summary: "A reviewer's decision on one item (Approve, Deny, DontKnow) and justification", body: decisionBody },
  handler: graphHandler(tokens, async (call) => {
    await recordDecision(deps(), call.caller, param(call, 'definitionId'), param(call, 'instanceId'), param(call, 'decisionId'), call.body, call.requestId);
    return noContent();
  }),
});
