import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  type AzureListing,
  type AzureQueryDeps,
  getAzureInstance,
  getAzureRequest,
  getAzureSchedule,
  type Listed,
  listAzureRequests,
  listAzureRequestsAwaitingMe,
  listAzureSchedules,
} from '../../app/azureQueries';
import { cancelAzureRequest, checkNamedSchedules, requireNewRequestName } from '../../app/azureRequests';
import { submitScheduleRequest } from '../../app/scheduleRequests';
import { parseAzureScope } from '../../domain/azureScope';
import type { Caller } from '../../domain/caller';
import type { Schedule, ScheduleKind, ScheduleRequest } from '../../domain/schedules';
import type { AzureRoleTarget, Target } from '../../domain/target';
import { type ArmResource, type ArmResourceCall, methodNotAllowed } from './dispatch';
import { PIM_API_VERSION } from './errors';
import { type ArmFilter, type ArmFilterCapabilities, parseArmFilter } from './filter';
import { type ArmMemberType, armInstanceJson, armRequestJson, armScheduleJson } from './json';
import { armPage } from './paging';
import { AZURE_ROLE_BODY, lastSegment, readArmScheduleRequest } from './requestBody';
import { noSuchPath } from './router';
import { armViews, type ViewDeps } from './views';

/** What the schedule resources need from the composition root. */
export interface ArmScheduleEnv {
  deps(): AzureQueryDeps & ViewDeps;
  /** The same, with the activation workflow this invocation can start and wake. */
  depsWithWorkflow(ctx: InvocationContext): AzureQueryDeps & ViewDeps;
}

const REQUEST_FILTERS: ArmFilterCapabilities = {
  functions: ['atScope', 'asTarget', 'asRequestor', 'asApprover', 'assignedTo'],
  properties: ['principalId', 'roleDefinitionId', 'requestorId', 'status'],
};
const SCHEDULE_FILTERS: ArmFilterCapabilities = {
  functions: ['atScope', 'asTarget', 'assignedTo'],
  properties: ['principalId', 'roleDefinitionId', 'status'],
};
const instanceFilters = (kind: ScheduleKind): ArmFilterCapabilities => ({
  functions: SCHEDULE_FILTERS.functions,
  properties: [...SCHEDULE_FILTERS.properties, kind === 'eligibility' ? 'roleEligibilityScheduleId' : 'roleAssignmentScheduleId'],
});

/**
 * What a listing covers, from its filter. A caller naming two different principals
 * (asTarget() and another principalId) asks for nothing; undefined says so.
 */
function listingOf(scope: string, filter: ArmFilter, caller: Caller): AzureListing | undefined {
  const principals = new Set<string>();
  if (filter.functions.has('asTarget')) principals.add(caller.oid);
  if (filter.equals.principalId) principals.add(filter.equals.principalId);
  if (principals.size > 1) return undefined;
  const [principalId] = principals;
  return {
    scope,
    atOrAbove: filter.functions.has('atScope'),
    ...(principalId !== undefined ? { principalId } : {}),
    ...(filter.assignedTo !== undefined ? { assignedTo: filter.assignedTo } : {}),
    ...(filter.functions.has('asRequestor') ? { createdBy: caller.oid } : {}),
  };
}

/**
 * The filter's `property eq` clauses other than principalId, on the JSON as ARM shows it: ids
 * compare by their last segment (a role definition id is spelled differently at each scope, a
 * schedule id may be given in full or bare), everything case-insensitively.
 */
function matchesEquals(filter: ArmFilter) {
  const clauses = Object.entries(filter.equals).filter(([p]) => p !== 'principalId');
  return (json: { properties: Record<string, unknown> }) =>
    clauses.every(([property, wanted]) => {
      const actual = json.properties[property];
      if (typeof actual !== 'string') return false;
      const comparable = (v: string) => (property.endsWith('Id') ? lastSegment(v) : v).toLowerCase();
      return comparable(actual) === comparable(wanted);
    });
}

const memberTypeOf = (l: Listed<unknown>): ArmMemberType => (l.throughGroup ? 'Group' : l.relation === 'above' ? 'Inherited' : 'Direct');

/** The target of a request the ARM surface made: always an Azure role (anything else is a bug, a 500). */
function asAzureRole(t: Target): AzureRoleTarget {
  if (t.kind !== 'azureRole') throw new Error(`The ARM surface made a request for a '${t.kind}' target.`);
  return t;
}

const ok = (jsonBody: unknown, status = 200): HttpResponseInit => ({ status, jsonBody });

function requestsResource(env: ArmScheduleEnv, kind: ScheduleKind): ArmResource {
  return {
    apiVersions: [PIM_API_VERSION],
    async handle(call: ArmResourceCall) {
      const { segments, method, caller } = call;
      const scope = parseAzureScope(call.scope);
      // Names are GUIDs, which ARM compares case-insensitively; this service keeps them lower-case.
      const [name, action, ...rest] = segments.map((s, i) => (i === 0 ? s.toLowerCase() : s));
      if (rest.length > 0 || (action !== undefined && action.toLowerCase() !== 'cancel')) throw noSuchPath(method, call.path);
      if (name === undefined) {
        if (method !== 'GET') throw methodNotAllowed(method, call.path);
        const deps = env.deps();
        const filter = parseArmFilter(call.url.searchParams.get('$filter'), REQUEST_FILTERS);
        const listing = listingOf(scope.path, filter, caller);
        const found = !listing ? [] : filter.functions.has('asApprover') ? await listAzureRequestsAwaitingMe(deps, kind, caller, listing) : await listAzureRequests(deps, kind, caller, listing);
        const view = armViews(deps);
        const items = await Promise.all(found.map(async (l) => armRequestJson(l.item, l.target, await view(l.item.principalId, l.target))));
        return ok(armPage(call.url, items.filter(matchesEquals(filter))));
      }
      if (action !== undefined) {
        if (method !== 'POST') throw methodNotAllowed(method, call.path);
        await cancelAzureRequest(env.depsWithWorkflow(call.ctx), kind, caller, scope.path, name, call.requestId);
        return { status: 200 };
      }
      if (method === 'GET') {
        const deps = env.deps();
        const { item, target } = await getAzureRequest(deps, kind, caller, scope.path, name);
        return ok(armRequestJson(item, target, await armViews(deps)(item.principalId, target)));
      }
      if (method !== 'PUT') throw methodNotAllowed(method, call.path);
      const deps = env.depsWithWorkflow(call.ctx);
      const input = readArmScheduleRequest(call.body, kind, scope, name);
      const target = { kind: 'azureRole' as const, scope: scope.path, roleDefinitionId: input.roleDefinitionGuid };
      // Only for a caller who may make the request at all: others get the middle's 403 first.
      const mayAct = input.action.startsWith('admin') ? caller.isAdmin : input.principalId === caller.oid;
      if (mayAct) {
        await requireNewRequestName(deps, kind, name.toLowerCase());
        await checkNamedSchedules(deps, kind, { principalId: input.principalId, target, linkedEligibilityId: input.linkedRoleEligibilityScheduleId, targetScheduleId: input.targetScheduleId });
      }
      const created: ScheduleRequest = await submitScheduleRequest(deps, kind, caller, input.body, call.requestId, AZURE_ROLE_BODY);
      const createdTarget = asAzureRole(created.target);
      const view = await armViews(deps)(created.principalId, createdTarget);
      return ok(armRequestJson(created, createdTarget, view, { linkedRoleEligibilityScheduleId: input.linkedRoleEligibilityScheduleId }), 201);
    },
  };
}

function schedulesResource(env: ArmScheduleEnv, kind: ScheduleKind, entity: 'schedule' | 'instance'): ArmResource {
  const toJson = entity === 'schedule' ? armScheduleJson : armInstanceJson;
  const capabilities = entity === 'schedule' ? SCHEDULE_FILTERS : instanceFilters(kind);
  return {
    apiVersions: [PIM_API_VERSION],
    async handle(call: ArmResourceCall) {
      const { segments, method, caller } = call;
      if (segments.length > 1) throw noSuchPath(method, call.path);
      if (method !== 'GET') throw methodNotAllowed(method, call.path);
      const scope = parseAzureScope(call.scope);
      const deps = env.deps();
      const view = armViews(deps);
      const name = segments[0]?.toLowerCase();
      if (name !== undefined) {
        const { item, target } = await (entity === 'schedule' ? getAzureSchedule : getAzureInstance)(deps, kind, caller, scope.path, name);
        return ok(toJson(item, target, 'Direct', await view(item.principalId, target)));
      }
      const filter = parseArmFilter(call.url.searchParams.get('$filter'), capabilities);
      const listing = listingOf(scope.path, filter, caller);
      const found: Array<Listed<Schedule>> = listing ? await listAzureSchedules(deps, kind, caller, listing, entity === 'instance') : [];
      const items = await Promise.all(found.map(async (l) => toJson(l.item, l.target, memberTypeOf(l), await view(l.item.principalId, l.target))));
      return ok(armPage(call.url, items.filter(matchesEquals(filter))));
    },
  };
}

/** The six schedule resource types of ARM's PIM API, by their names in the URL. */
export function scheduleResources(env: ArmScheduleEnv): Record<string, ArmResource> {
  return {
    roleEligibilityScheduleRequests: requestsResource(env, 'eligibility'),
    roleAssignmentScheduleRequests: requestsResource(env, 'assignment'),
    roleEligibilitySchedules: schedulesResource(env, 'eligibility', 'schedule'),
    roleAssignmentSchedules: schedulesResource(env, 'assignment', 'schedule'),
    roleEligibilityScheduleInstances: schedulesResource(env, 'eligibility', 'instance'),
    roleAssignmentScheduleInstances: schedulesResource(env, 'assignment', 'instance'),
  };
}
