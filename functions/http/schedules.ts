/**
 * The schedule requests, schedules and instances of every surface (directory roles, PIM for
 * Groups), eligible and active: the same shapes and the same middle, registered once for each.
 */
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { cancelRequest, requestsAwaitingMe } from '../../shared/app/approvals';
import { getInstance, getRequest, getSchedule, type ListScope, listInstances, listRequests, listSchedules } from '../../shared/app/scheduleQueries';
import { submitScheduleRequest } from '../../shared/app/scheduleRequests';
import { badRequest } from '../../shared/domain/errors';
import type { ScheduleKind } from '../../shared/domain/schedules';
import { type GraphCall, graphHandler } from '../../shared/http/graphHandler';
import { pageOf } from '../../shared/http/odata/collection';
import { pinnedValue } from '../../shared/http/odata/filter';
import { type ODataQuery, parseQuery } from '../../shared/http/odata/query';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { instanceJson, requestJson, scheduleJson } from '../../shared/http/scheduleJson';
import { DIRECTORY_ROLES } from '../../shared/http/surfaces/directoryRoles';
import { GROUPS } from '../../shared/http/surfaces/groups';
import type { ScheduleSurface } from '../../shared/http/surfaces/surface';
import { deps, tokens, workflowFor } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';
const REQUEST_FILTERS = ['id', 'principalId', 'status', 'action', 'createdDateTime', 'targetScheduleId'];
const SCHEDULE_FILTERS = ['id', 'principalId', 'status', 'memberType', 'assignmentType', 'createdDateTime'];
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

function register(surface: ScheduleSurface, kind: ScheduleKind): void {
  const sets = surface.sets(kind);
  const requests = `${surface.base}/${sets.requests}`;
  const schedules = `${surface.base}/${sets.schedules}`;
  const instances = `${surface.base}/${sets.instances}`;
  const name = `${surface.name}${kind === 'eligibility' ? 'Eligibility' : 'Assignment'}`;
  const filters = (own: string[]) => [...own, ...surface.targetFilters];

  app.http(`create${name}ScheduleRequest`, {
    route: `${V}/${requests}`,
    methods: ['POST'],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: graphHandler(tokens, async ({ url, caller, body, requestId, ctx }) => {
      const created = await submitScheduleRequest(depsWithWorkflow(ctx), kind, caller, body, requestId, surface.body);
      return entityResponse(url, requests, requestJson(surface, created), 201);
    }),
  });

  const requestViews = kind === 'assignment' ? surface.requestViews : surface.requestViews.filter((v) => v !== 'approver');
  const listRequestsHandler = graphHandler(tokens, async (call) => {
    const query = parseQuery(call.url.searchParams, { filterable: filters(REQUEST_FILTERS) });
    const view = viewOf(call, requestViews);
    const found =
      view === 'approver'
        ? (await requestsAwaitingMe(deps(), call.caller)).filter((r) => r.target.kind === surface.targetKind)
        : await listRequests(deps(), kind, call.caller, scopeOf(surface, call, query, view));
    const items = found.map((r) => requestJson(surface, r));
    return collectionResponse(call.url, requests, pageOf(items, query, (r) => String(r.id)), query);
  });
  app.http(`list${name}ScheduleRequests`, { route: `${V}/${requests}`, methods: ['GET'], authLevel: 'anonymous', handler: listRequestsHandler });
  app.http(`my${name}ScheduleRequests`, {
    route: `${V}/${requests}/filterByCurrentUser(on='{on}')`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: listRequestsHandler,
  });
  app.http(`get${name}ScheduleRequest`, {
    route: `${V}/${requests}/{id}`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: graphHandler(tokens, async ({ url, req, caller }) =>
      entityResponse(url, requests, requestJson(surface, await getRequest(deps(), kind, caller, req.params.id ?? '', surface.targetKind))),
    ),
  });

  if (kind === 'assignment') {
    app.http(`cancel${name}ScheduleRequest`, {
      route: `${V}/${requests}/{id}/cancel`,
      methods: ['POST'],
      authLevel: 'anonymous',
      extraInputs: [df.input.durableClient()],
      handler: graphHandler(tokens, async ({ req, caller, ctx }) => {
        await cancelRequest(depsWithWorkflow(ctx), caller, req.params.id ?? '');
        return { status: 204 };
      }),
    });
  }

  const principalOnly: readonly View[] = ['principal'];
  const listSchedulesHandler = graphHandler(tokens, async (call) => {
    const query = parseQuery(call.url.searchParams, { filterable: filters(SCHEDULE_FILTERS) });
    const scope = scopeOf(surface, call, query, viewOf(call, principalOnly));
    const items = (await listSchedules(deps(), kind, call.caller, scope)).map((s) => scheduleJson(surface, s));
    return collectionResponse(call.url, schedules, pageOf(items, query, (s) => String(s.id)), query);
  });
  app.http(`list${name}Schedules`, { route: `${V}/${schedules}`, methods: ['GET'], authLevel: 'anonymous', handler: listSchedulesHandler });
  app.http(`my${name}Schedules`, {
    route: `${V}/${schedules}/filterByCurrentUser(on='{on}')`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: listSchedulesHandler,
  });
  app.http(`get${name}Schedule`, {
    route: `${V}/${schedules}/{id}`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: graphHandler(tokens, async ({ url, req, caller }) =>
      entityResponse(url, schedules, scheduleJson(surface, await getSchedule(deps(), kind, caller, req.params.id ?? '', surface.targetKind))),
    ),
  });

  const listInstancesHandler = graphHandler(tokens, async (call) => {
    const query = parseQuery(call.url.searchParams, { filterable: filters(INSTANCE_FILTERS) });
    const scope = scopeOf(surface, call, query, viewOf(call, principalOnly));
    const items = (await listInstances(deps(), kind, call.caller, scope)).map((s) => instanceJson(surface, s));
    return collectionResponse(call.url, instances, pageOf(items, query, (s) => String(s.id)), query);
  });
  app.http(`list${name}ScheduleInstances`, { route: `${V}/${instances}`, methods: ['GET'], authLevel: 'anonymous', handler: listInstancesHandler });
  app.http(`my${name}ScheduleInstances`, {
    route: `${V}/${instances}/filterByCurrentUser(on='{on}')`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: listInstancesHandler,
  });
  app.http(`get${name}ScheduleInstance`, {
    route: `${V}/${instances}/{id}`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: graphHandler(tokens, async ({ url, req, caller }) =>
      entityResponse(url, instances, instanceJson(surface, await getInstance(deps(), kind, caller, req.params.id ?? '', surface.targetKind))),
    ),
  });
}

for (const surface of [DIRECTORY_ROLES, GROUPS]) {
  register(surface, 'eligibility');
  register(surface, 'assignment');
}
