/**
 * The schedule requests, schedules and instances of every surface (directory roles, PIM for
 * Groups), eligible and active: the same shapes and the same middle, registered once for each.
 */
import type { InvocationContext } from '@azure/functions';
import { httpRoute } from '../httpRoute';
import * as df from 'durable-functions';
import { requestsAwaitingMe } from '../../shared/app/approvals';
import { cancelRequest } from '../../shared/app/cancelRequest';
import { getInstance, getRequest, getSchedule, type ListScope, listInstances, listRequests, listSchedules } from '../../shared/app/scheduleQueries';
import { requestBodySchema } from '../../shared/app/requestBody';
import { submitScheduleRequest } from '../../shared/app/scheduleRequests';
import { badRequest } from '../../shared/domain/errors';
import type { Schedule, ScheduleKind, ScheduleRequest } from '../../shared/domain/schedules';
import { Expander, expansionsOf, selectKeeping } from '../../shared/http/expand';
import { HttpError } from '../../shared/http/graphErrors';
import { type GraphCall, graphHandler } from '../../shared/http/graphHandler';
import { pageOf, project } from '../../shared/http/odata/collection';
import { pinnedValue } from '../../shared/http/odata/filter';
import { type ODataQuery, parseQuery } from '../../shared/http/odata/query';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { instanceJson, requestJson, scheduleJson } from '../../shared/http/scheduleJson';
import { DIRECTORY_ROLES } from '../../shared/http/surfaces/directoryRoles';
import { GROUPS } from '../../shared/http/surfaces/groups';
import type { ScheduleEntity, ScheduleSurface } from '../../shared/http/surfaces/surface';
import { deps, tokens, workflowFor } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';
const REQUEST_FILTERS = ['id', 'principalId', 'status', 'action', 'createdDateTime', 'targetScheduleId'];
const SCHEDULE_FILTERS = ['id', 'principalId', 'status', 'memberType', 'assignmentType', 'createdDateTime', 'createdUsing'];
const INSTANCE_FILTERS = ['id', 'principalId', 'startDateTime', 'endDateTime', 'memberType', 'assignmentType'];

type View = 'principal' | 'createdBy' | 'approver';

/** `filterByCurrentUser(on=...)`: which view of the caller's own items, if any. */
function viewOf(call: GraphCall, allowed: readonly View[]): View | undefined {
  const on = call.req.params.on;
  if (on === undefined) return undefined;
  const view = allowed.find((v) => v.toLowerCase() === on.toLowerCase());
  if (!view) throw badRequest(`filterByCurrentUser(on='${on}') is not supported here; use on=${allowed.map((v) => `'${v}'`).join(' or ')}.`);
  return view;
}

/**
 * What a listing covers, from the surface, the caller's view and the filter. A surface that
 * requires a filter (PIM for Groups) answers its absence as Graph does: a 400 naming it.
 */
function scopeOf(surface: ScheduleSurface, call: GraphCall, query: ODataQuery, view: View | undefined): ListScope {
  const scope: ListScope = { targetKind: surface.targetKind };
  if (view === 'principal') scope.principalId = call.caller.oid;
  if (view === 'createdBy') scope.createdBy = call.caller.oid;
  const pinned = query.filter ? pinnedValue(query.filter, 'principalId') : undefined;
  if (typeof pinned === 'string' && scope.principalId === undefined) scope.principalId = pinned;
  if (surface.requiredFilter && view === undefined) {
    const has = query.filter && surface.requiredFilter.some((p) => query.filter && pinnedValue(query.filter, p) !== undefined);
    if (!has) {
      throw badRequest(
        `This collection must be filtered on ${surface.requiredFilter.join(' or ')}, e.g. $filter=${surface.requiredFilter[0]} eq '{id}'; or use filterByCurrentUser(on='principal').`,
        'MissingFilter',
      );
    }
  }
  return scope;
}

/** The app's dependencies plus the durable workflow reachable from this invocation. */
function depsWithWorkflow(ctx: InvocationContext) {
  return { ...deps(), workflow: workflowFor(ctx) };
}

type Shown = ScheduleRequest | Schedule;

/** How one entity (requests, schedules or instances) of a surface and kind is read and shown. */
interface EntityRoutes<S extends Shown> {
  entity: ScheduleEntity;
  /** The entity set's path under /{version}/. */
  set: string;
  json(s: S): Record<string, unknown>;
  /** One item the caller may see; 404 otherwise. */
  get(caller: GraphCall['caller'], id: string): Promise<S>;
}

/** The entity's OData type without its namespace, as Graph names it in context URLs. */
const typeName = (surface: ScheduleSurface, entity: ScheduleEntity, kind: ScheduleKind) => surface.odataType(entity, kind).replace('#microsoft.graph.', '');

/**
 * A page of items as Graph lists them: filtered and paged as JSON, then only the page
 * expanded, `$select` keeping the expanded relationships. filterByCurrentUser answers with
 * Graph's function context (`Collection(type)`).
 */
async function listed<S extends Shown>(call: GraphCall, surface: ScheduleSurface, kind: ScheduleKind, routes: EntityRoutes<S>, query: ODataQuery, view: View | undefined, found: S[]) {
  const expansions = expansionsOf(query, surface.relations(routes.entity, kind));
  const expander = new Expander(deps(), surface, routes.entity, kind);
  const page = pageOf(found.map((s) => expander.show(routes.json(s), s)), query, (item) => String(item.id));
  await expander.expand(page.value, expansions);
  const context = view === undefined ? routes.set : `Collection(${typeName(surface, routes.entity, kind)})`;
  return collectionResponse(call.url, context, page, { ...query, select: selectKeeping(query.select, expansions) });
}

/** The capabilities a listing of the entity offers: its filters, and Graph's relationships to expand. */
function listQuery(call: GraphCall, surface: ScheduleSurface, kind: ScheduleKind, entity: ScheduleEntity, filterable: string[]): ODataQuery {
  const query = parseQuery(call.url.searchParams, { filterable, expandable: surface.relations(entity, kind), expandSelect: true });
  // Checked before anything is read: a bad expansion changes and reads nothing.
  expansionsOf(query, surface.relations(entity, kind));
  return query;
}

/** GET {set}/{id} (with $select and $expand) and GET {set}/{id}/{relationship}, for one entity. */
function registerItem<S extends Shown>(surface: ScheduleSurface, kind: ScheduleKind, name: string, routes: EntityRoutes<S>): void {
  const relations = surface.relations(routes.entity, kind);
  httpRoute(`get${name}`, {
    route: `${V}/${routes.set}/{id}`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: graphHandler(tokens, async ({ url, req, caller }) => {
      const query = parseQuery(url.searchParams, { filterable: [], expandable: relations, expandSelect: true });
      const expansions = expansionsOf(query, relations);
      const item = await routes.get(caller, req.params.id ?? '');
      const expander = new Expander(deps(), surface, routes.entity, kind);
      const json = expander.show(routes.json(item), item);
      await expander.expand([json], expansions);
      return entityResponse(url, routes.set, project(json, selectKeeping(query.select, expansions)));
    }),
  });
  // What SDKs call for a relationship on its own, e.g. GET …/roleAssignmentScheduleRequests/{id}/principal.
  httpRoute(`get${name}Relationship`, {
    route: `${V}/${routes.set}/{id}/{relation}`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: graphHandler(tokens, async ({ url, req, caller }) => {
      const asked = req.params.relation ?? '';
      const relation = relations.find((r) => r.toLowerCase() === asked.toLowerCase());
      if (!relation) throw new HttpError('BadRequest', `'${asked}' is not a relationship of ${typeName(surface, routes.entity, kind)}; use one of ${relations.join(', ')}.`, 400);
      const query = parseQuery(url.searchParams, { filterable: [] });
      const id = req.params.id ?? '';
      const related = await new Expander(deps(), surface, routes.entity, kind).related(relation, await routes.get(caller, id));
      if (!related) throw new HttpError('ResourceNotFound', `The ${typeName(surface, routes.entity, kind)} '${id}' has no ${relation}.`, 404);
      return entityResponse(url, `${routes.set}('${id}')/${relation}`, project(related, query.select));
    }),
  });
}

function register(surface: ScheduleSurface, kind: ScheduleKind): void {
  const sets = surface.sets(kind);
  const name = `${surface.name}${kind === 'eligibility' ? 'Eligibility' : 'Assignment'}`;
  const filters = (own: string[]) => [...own, ...surface.targetFilters];
  const requests: EntityRoutes<ScheduleRequest> = {
    entity: 'request',
    set: `${surface.base}/${sets.requests}`,
    json: (r) => requestJson(surface, r),
    get: (caller, id) => getRequest(deps(), kind, caller, id, surface.targetKind),
  };
  const schedules: EntityRoutes<Schedule> = {
    entity: 'schedule',
    set: `${surface.base}/${sets.schedules}`,
    json: (s) => scheduleJson(surface, s),
    get: (caller, id) => getSchedule(deps(), kind, caller, id, surface.targetKind),
  };
  const instances: EntityRoutes<Schedule> = {
    entity: 'instance',
    set: `${surface.base}/${sets.instances}`,
    json: (s) => instanceJson(surface, s),
    get: (caller, id) => getInstance(deps(), kind, caller, id, surface.targetKind),
  };

  httpRoute(`create${name}ScheduleRequest`, {
    route: `${V}/${requests.set}`,
    methods: ['POST'],
    authLevel: 'anonymous',
    doc: { body: requestBodySchema(surface.body), bodyName: `${surface.name}ScheduleRequestBody` },
    extraInputs: [df.input.durableClient()],
    handler: graphHandler(tokens, async ({ url, caller, body, requestId, ctx }) => {
      const created = await submitScheduleRequest(depsWithWorkflow(ctx), kind, caller, body, requestId, surface.body);
      return entityResponse(url, requests.set, requestJson(surface, created), 201);
    }),
  });

  const listRequestsHandler = graphHandler(tokens, async (call) => {
    const query = listQuery(call, surface, kind, 'request', filters(REQUEST_FILTERS));
    const view = viewOf(call, surface.requestViews);
    // Graph takes on='approver' on eligibility requests too; here none ever waits for an approval.
    const awaitingMe = async () => (kind === 'assignment' ? (await requestsAwaitingMe(deps(), call.caller)).filter((r) => r.target.kind === surface.targetKind) : []);
    const found = view === 'approver' ? await awaitingMe() : await listRequests(deps(), kind, call.caller, scopeOf(surface, call, query, view));
    return listed(call, surface, kind, requests, query, view, found);
  });
  httpRoute(`list${name}ScheduleRequests`, { route: `${V}/${requests.set}`, methods: ['GET'], authLevel: 'anonymous', handler: listRequestsHandler });
  httpRoute(`my${name}ScheduleRequests`, {
    route: `${V}/${requests.set}/filterByCurrentUser(on='{on}')`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: listRequestsHandler,
  });
  registerItem(surface, kind, `${name}ScheduleRequest`, requests);

  // Graph documents cancel on eligibility and assignment requests alike, on both surfaces.
  httpRoute(`cancel${name}ScheduleRequest`, {
    route: `${V}/${requests.set}/{id}/cancel`,
    methods: ['POST'],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: graphHandler(tokens, async ({ req, caller, ctx, requestId }) => {
      await cancelRequest(depsWithWorkflow(ctx), kind, caller, req.params.id ?? '', surface.targetKind, requestId);
      return { status: 204 };
    }),
  });

  const principalOnly: readonly View[] = ['principal'];
  // An instance's links Graph lets you filter on: its schedule, and for directory roles the role assignment.
  const instanceLinks = [sets.scheduleIdField, ...(surface.targetKind === 'directoryRole' && kind === 'assignment' ? ['roleAssignmentOriginId'] : [])];
  const listSchedulesHandler = graphHandler(tokens, async (call) => {
    const query = listQuery(call, surface, kind, 'schedule', filters(SCHEDULE_FILTERS));
    const view = viewOf(call, principalOnly);
    const found = await listSchedules(deps(), kind, call.caller, scopeOf(surface, call, query, view));
    return listed(call, surface, kind, schedules, query, view, found);
  });
  httpRoute(`list${name}Schedules`, { route: `${V}/${schedules.set}`, methods: ['GET'], authLevel: 'anonymous', handler: listSchedulesHandler });
  httpRoute(`my${name}Schedules`, {
    route: `${V}/${schedules.set}/filterByCurrentUser(on='{on}')`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: listSchedulesHandler,
  });
  registerItem(surface, kind, `${name}Schedule`, schedules);

  const listInstancesHandler = graphHandler(tokens, async (call) => {
    const query = listQuery(call, surface, kind, 'instance', filters([...INSTANCE_FILTERS, ...instanceLinks]));
    const view = viewOf(call, principalOnly);
    const found = await listInstances(deps(), kind, call.caller, scopeOf(surface, call, query, view));
    return listed(call, surface, kind, instances, query, view, found);
  });
  httpRoute(`list${name}ScheduleInstances`, { route: `${V}/${instances.set}`, methods: ['GET'], authLevel: 'anonymous', handler: listInstancesHandler });
  httpRoute(`my${name}ScheduleInstances`, {
    route: `${V}/${instances.set}/filterByCurrentUser(on='{on}')`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: listInstancesHandler,
  });
  registerItem(surface, kind, `${name}ScheduleInstance`, instances);
}

for (const surface of [DIRECTORY_ROLES, GROUPS]) {
  register(surface, 'eligibility');
  register(surface, 'assignment');
}
