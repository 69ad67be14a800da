/**
 * roleEligibilitySchedule{Requests,s,Instances} and roleAssignmentSchedule{Requests,s,Instances}:
 * the same shapes for eligible and active assignments, registered once for each.
 */
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { cancelRequest, requestsAwaitingMe } from '../../shared/app/approvals';
import { getRequest, getSchedule, listInstances, listRequests, listSchedules } from '../../shared/app/scheduleQueries';
import { submitScheduleRequest } from '../../shared/app/scheduleRequests';
import { badRequest } from '../../shared/domain/errors';
import type { ScheduleKind } from '../../shared/domain/schedules';
import { type GraphCall, graphHandler } from '../../shared/http/graphHandler';
import { pageOf } from '../../shared/http/odata/collection';
import { parseQuery } from '../../shared/http/odata/query';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { instanceJson, requestJson, scheduleJson } from '../../shared/http/scheduleJson';
import { deps, tokens, workflowFor } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';
const REQUEST_FILTERS = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'status', 'action', 'createdDateTime', 'targetScheduleId'];
const SCHEDULE_FILTERS = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'status', 'memberType', 'assignmentType', 'createdDateTime'];
const INSTANCE_FILTERS = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'startDateTime', 'endDateTime', 'memberType', 'assignmentType'];

/** `filterByCurrentUser(on='principal')`: what the caller holds or asked for. */
function onlyMine(call: GraphCall): boolean {
  const on = call.req.params.on;
  if (on === undefined) return false;
  if (on !== 'principal') throw badRequest(`filterByCurrentUser(on='${on}') is not supported here; use on='principal'.`);
  return true;
}

/** The app's dependencies plus the durable workflow reachable from this invocation. */
function depsWithWorkflow(ctx: InvocationContext) {
  return { ...deps(), workflow: workflowFor(ctx) };
}

function register(kind: ScheduleKind, prefix: 'roleEligibility' | 'roleAssignment'): void {
  const requests = `roleManagement/directory/${prefix}ScheduleRequests`;
  const schedules = `roleManagement/directory/${prefix}Schedules`;
  const instances = `roleManagement/directory/${prefix}ScheduleInstances`;
  const name = prefix === 'roleEligibility' ? 'Eligibility' : 'Assignment';

  app.http(`create${name}ScheduleRequest`, {
    route: `${V}/${requests}`,
    methods: ['POST'],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: graphHandler(tokens, async ({ url, caller, body, requestId, ctx }) => {
      const created = await submitScheduleRequest(depsWithWorkflow(ctx), kind, caller, body, requestId);
      return entityResponse(url, requests, requestJson(created), 201);
    }),
  });

  const listRequestsHandler = graphHandler(tokens, async (call) => {
    const query = parseQuery(call.url.searchParams, { filterable: REQUEST_FILTERS });
    const approverView = kind === 'assignment' && call.req.params.on === 'approver';
    const found = approverView ? await requestsAwaitingMe(deps(), call.caller) : await listRequests(deps(), kind, call.caller, onlyMine(call));
    const items = found.map(requestJson);
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
      entityResponse(url, requests, requestJson(await getRequest(deps(), kind, caller, req.params.id ?? ''))),
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

  const listSchedulesHandler = graphHandler(tokens, async (call) => {
    const query = parseQuery(call.url.searchParams, { filterable: SCHEDULE_FILTERS });
    const items = (await listSchedules(deps(), kind, call.caller, onlyMine(call))).map(scheduleJson);
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
      entityResponse(url, schedules, scheduleJson(await getSchedule(deps(), kind, caller, req.params.id ?? ''))),
    ),
  });

  const listInstancesHandler = graphHandler(tokens, async (call) => {
    const query = parseQuery(call.url.searchParams, { filterable: INSTANCE_FILTERS });
    const items = (await listInstances(deps(), kind, call.caller, onlyMine(call))).map(instanceJson);
    return collectionResponse(call.url, instances, pageOf(items, query, (s) => String(s.id)), query);
  });
  app.http(`list${name}ScheduleInstances`, { route: `${V}/${instances}`, methods: ['GET'], authLevel: 'anonymous', handler: listInstancesHandler });
  app.http(`my${name}ScheduleInstances`, {
    route: `${V}/${instances}/filterByCurrentUser(on='{on}')`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: listInstancesHandler,
  });
}

register('eligibility', 'roleEligibility');
register('assignment', 'roleAssignment');
