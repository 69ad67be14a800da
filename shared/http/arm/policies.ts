import type { HttpResponseInit } from '@azure/functions';
import { azureAncestors, type AzurePolicyView, azurePolicyView, azurePolicyViewsAt, azureRoleExists, azureRoleOfPolicy, azureRolesAt } from '../../app/azurePolicies';
import { type AzurePolicyChange, type PolicyDeps, resetAzurePolicy, updateAzurePolicy } from '../../app/policies';
import { type AzureScope, parseAzureScope, roleDefinitionGuid, roleDefinitionIdAt, sameAzureScope } from '../../domain/azureScope';
import type { Caller } from '../../domain/caller';
import { badRequest, DomainError, forbidden } from '../../domain/errors';
import { azurePolicyAssignmentName, azurePolicyName } from '../../app/azurePolicyNames';
import { azurePolicyAssignmentIdFor, azurePolicyAssignmentNameOf, azurePolicyIdFor } from '../../domain/policy/azurePolicyIds';
import type { AzureRoleTarget } from '../../domain/target';
import type { AzureRoleDefinition } from '../../ports/azure';
import { HttpError } from '../graphErrors';
import { armErrorResponse, requireApiVersion } from './armErrors';
import { armRulePatches, armWording, toArmRule } from './policyRules';

/**
 * ARM's role management policies and policy assignments (Microsoft.Authorization, api-version
 * 2020-10-01) over the domain's Azure role policies. Plain functions: the ARM router dispatches
 * `{scope}/providers/Microsoft.Authorization/roleManagementPolicies[/{name}]` and
 * `…/roleManagementPolicyAssignments[/{name}]` here (see `handleArmPolicies`).
 *
 * Extensions beyond ARM, in `properties`: `isInheritedBySubscopes` (read and PATCH: the scopes
 * below follow this policy unless an admin changed theirs) and `effectiveFrom` (read-only:
 * `{scope, policyId, inherited}`, the policy whose rules `effectiveRules` shows).
 */

/** What the router hands over of a request: who calls, the parsed JSON body, the URL (for api-version and $filter), the request id. */
export interface ArmCall {
  caller: Caller;
  body: unknown;
  url: URL;
  requestId: string;
}

export const ARM_POLICY_RESOURCE_TYPES = ['roleManagementPolicies', 'roleManagementPolicyAssignments'] as const;

/** Whether a Microsoft.Authorization resource type is one `handleArmPolicies` serves (ARM compares case-insensitively). */
export function isArmPolicyResourceType(resourceType: string): boolean {
  return ARM_POLICY_RESOURCE_TYPES.some((t) => t.toLowerCase() === resourceType.toLowerCase());
}

/**
 * Answers one ARM request on policies or policy assignments at `scope`, errors included (ARM's
 * error body). `name` is the resource name after the type, if any; `method` the HTTP method.
 */
export async function handleArmPolicies(deps: PolicyDeps, call: ArmCall, scope: string, resourceType: string, name: string | undefined, method: string): Promise<HttpResponseInit> {
  try {
    requireApiVersion(call.url);
    const at = parseAzureScope(scope);
    const verb = method.toUpperCase();
    const answer =
      resourceType.toLowerCase() === 'rolemanagementpolicies'
        ? await policies(deps, call, at, name, verb)
        : resourceType.toLowerCase() === 'rolemanagementpolicyassignments'
          ? await assignments(deps, call, at, name, verb)
          : notServed(resourceType);
    return { ...answer, headers: { 'x-ms-request-id': call.requestId, ...(answer.jsonBody !== undefined ? { 'Content-Type': 'application/json; charset=utf-8' } : {}) } };
  } catch (error) {
    return armErrorResponse(error instanceof DomainError ? new DomainError(error.code, armWording(error.message), error.status) : error, call.requestId);
  }
}

async function policies(deps: PolicyDeps, call: ArmCall, scope: AzureScope, name: string | undefined, method: string): Promise<HttpResponseInit> {
  if (name === undefined) {
    if (method !== 'GET') throw methodNotAllowed(method, 'roleManagementPolicies');
    const views = await listViews(deps, scope, call.url);
    return { status: 200, jsonBody: { value: views.map(policyJson) } };
  }
  const target = await roleOfPolicy(deps, scope, name);
  switch (method) {
    case 'GET':
      return { status: 200, jsonBody: policyJson(await azurePolicyView(deps, target)) };
    case 'PATCH': {
      const change = readPolicyPatch(call.body, scope);
      return { status: 200, jsonBody: policyJson(await updateAzurePolicy(deps, call.caller, target, change, call.requestId)) };
    }
    case 'DELETE':
      // Deleting a scope's policy puts it back to what it was before any change: inherited from above, or the defaults.
      return { status: (await resetAzurePolicy(deps, call.caller, target, call.requestId)) ? 200 : 204 };
    default:
      throw methodNotAllowed(method, 'roleManagementPolicies/{name}');
  }
}

async function assignments(deps: PolicyDeps, call: ArmCall, scope: AzureScope, name: string | undefined, method: string): Promise<HttpResponseInit> {
  if (name === undefined) {
    if (method !== 'GET') throw methodNotAllowed(method, 'roleManagementPolicyAssignments');
    const views = await listViews(deps, scope, call.url);
    const roles = await roleCatalog(deps, scope, views);
    return { status: 200, jsonBody: { value: views.map((v) => assignmentJson(v, roles.get(v.target.roleDefinitionId))) } };
  }
  const target = await roleOfAssignment(deps, scope, name);
  // Why: a PUT or DELETE is a write to role settings, even where it stores nothing; only PIM admins write them.
  if ((method === 'PUT' || method === 'DELETE') && !call.caller.isAdmin) throw forbidden('Only PIM administrators can change role settings.');
  switch (method) {
    case 'GET':
      if (!target) throw notFoundAssignment(name);
      return { status: 200, jsonBody: await assignmentOf(deps, target) };
    case 'PUT':
      // Every role at every scope has its policy assigned from the start; a PUT that names it is answered as created, any other is refused.
      if (!target) throw notFoundAssignment(name);
      checkAssignmentBody(call.body, target);
      return { status: 201, jsonBody: await assignmentOf(deps, target) };
    case 'DELETE':
      if (!target) return { status: 204 };
      throw badRequest(
        `The policy assignment '${name}' ties the role to its policy at this scope and cannot be deleted. To put the role's settings here back to the inherited or default ones, DELETE its policy (…/roleManagementPolicies/${name.split('_')[0] ?? ''}).`,
        'RoleManagementPolicyAssignmentCannotBeDeleted',
      );
    default:
      throw methodNotAllowed(method, 'roleManagementPolicyAssignments/{name}');
  }
}

/** The views a list asks for: one role's (`$filter=roleDefinitionId eq '{id}'`) or every role's at the scope. */
async function listViews(deps: PolicyDeps, scope: AzureScope, url: URL): Promise<AzurePolicyView[]> {
  const role = roleFilterOf(url);
  if (role === undefined) return azurePolicyViewsAt(deps, scope.path, await azureRolesAt(deps, scope.path));
  const target: AzureRoleTarget = { kind: 'azureRole', scope: scope.path, roleDefinitionId: role };
  await azureAncestors(deps, scope.path); // an unknown scope is a 404, not an empty list
  // A role Azure does not have at the scope matches nothing.
  return (await azureRoleExists(deps, target)) ? [await azurePolicyView(deps, target)] : [];
}

/** The role GUID of `$filter=roleDefinitionId eq '{full id or GUID}'`; undefined without a filter; 400 for any other filter. */
function roleFilterOf(url: URL): string | undefined {
  const filter = url.searchParams.get('$filter');
  if (filter === null || filter.trim() === '') return undefined;
  const m = /^\s*roleDefinitionId\s+eq\s+'([^']+)'\s*$/i.exec(filter);
  if (!m?.[1]) throw badRequest(`The filter '${filter.slice(0, 200)}' is not supported; use $filter=roleDefinitionId eq '{roleDefinitionId}'.`, 'InvalidFilter');
  return roleDefinitionGuid(m[1]);
}

async function roleOfPolicy(deps: PolicyDeps, scope: AzureScope, name: string): Promise<AzureRoleTarget> {
  const target = GUID.test(name) ? await azureRoleOfPolicy(deps, scope.path, name) : undefined;
  if (!target) throw new DomainError('RoleManagementPolicyNotFound', `The role management policy '${name.slice(0, 100)}' was not found at scope '${scope.path}'.`, 404);
  return target;
}

/** The role whose assignment at `scope` is named `{policyGuid}_{roleGuid}`, if it is one. */
async function roleOfAssignment(deps: PolicyDeps, scope: AzureScope, name: string): Promise<AzureRoleTarget | undefined> {
  const roleGuid = name.split('_')[1] ?? '';
  if (!GUID.test(roleGuid) || azurePolicyAssignmentName(scope.path, roleGuid) !== name.toLowerCase()) return undefined;
  const target: AzureRoleTarget = { kind: 'azureRole', scope: scope.path, roleDefinitionId: roleGuid.toLowerCase() };
  return (await azureRoleExists(deps, target)) ? target : undefined;
}

async function assignmentOf(deps: PolicyDeps, target: AzureRoleTarget): Promise<Record<string, unknown>> {
  const role = await deps.azure?.getRoleDefinition(target.scope, target.roleDefinitionId);
  return assignmentJson(await azurePolicyView(deps, target), role);
}

async function roleCatalog(deps: PolicyDeps, scope: AzureScope, views: AzurePolicyView[]): Promise<Map<string, AzureRoleDefinition>> {
  if (!deps.azure || views.length === 0) return new Map();
  const roles = views.length === 1 && views[0] ? [await deps.azure.getRoleDefinition(scope.path, views[0].target.roleDefinitionId)] : await deps.azure.listRoleDefinitions(scope.path);
  return new Map(roles.filter((r): r is AzureRoleDefinition => r !== undefined).map((r) => [r.guid.toLowerCase(), r]));
}

/** Properties of a policy a client may send back as it read them; they are not changed by a PATCH. */
const READ_ONLY = new Set(['scope', 'displayname', 'description', 'isorganizationdefault', 'lastmodifiedby', 'lastmodifieddatetime', 'effectiverules', 'policyproperties', 'effectivefrom']);

/**
 * A PATCH body: `{properties:{rules:[…subset], isInheritedBySubscopes?}}`. What a client read
 * and sends back unchanged (scope, displayName, effectiveRules, …) is accepted and ignored; any
 * other property is refused, so a misspelt setting is not silently dropped.
 */
function readPolicyPatch(body: unknown, scope: AzureScope): AzurePolicyChange {
  const shape = 'Send {"properties": {"rules": [...]}} with the rules to change (and, beyond ARM, "isInheritedBySubscopes": true|false).';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`The request body is missing or not a JSON object. ${shape}`, 'InvalidRequestContent');
  const { properties, ...top } = body as Record<string, unknown>;
  const strayTop = Object.keys(top).filter((k) => !['id', 'name', 'type'].includes(k.toLowerCase()));
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties) || strayTop.length > 0) {
    throw badRequest(`${strayTop.length > 0 ? `Unknown properties: ${strayTop.join(', ').slice(0, 200)}. ` : ''}${shape}`, 'InvalidRequestContent');
  }
  const props = properties as Record<string, unknown>;
  const stray = Object.keys(props).filter((k) => k !== 'rules' && k !== 'isInheritedBySubscopes' && !READ_ONLY.has(k.toLowerCase()));
  if (stray.length > 0) throw badRequest(`properties.${stray.join(', properties.').slice(0, 200)} cannot be set. ${shape}`, 'InvalidRequestContent');
  if (typeof props.scope === 'string' && !sameAzureScope(props.scope, scope.path)) {
    throw badRequest(`properties.scope '${props.scope.slice(0, 200)}' is not the scope of this policy ('${scope.path}').`, 'InvalidRequestContent');
  }
  const inherited = props.isInheritedBySubscopes;
  if (inherited !== undefined && typeof inherited !== 'boolean') throw badRequest('properties.isInheritedBySubscopes must be true or false.', 'InvalidRequestContent');
  return { rules: props.rules === undefined ? [] : armRulePatches(props.rules), ...(inherited === undefined ? {} : { isInheritedBySubscopes: inherited }) };
}

/** A PUT of an assignment must name the role's own policy at this scope (ARM's body: properties.scope, roleDefinitionId, policyId). */
function checkAssignmentBody(body: unknown, target: AzureRoleTarget): void {
  const props = ((typeof body === 'object' && body !== null ? (body as { properties?: unknown }).properties : undefined) ?? {}) as Record<string, unknown>;
  const policyId = azurePolicyIdFor(target.scope, azurePolicyName(target.scope, target.roleDefinitionId));
  const problems: string[] = [];
  if (typeof props.scope === 'string' && !sameAzureScope(props.scope, target.scope)) problems.push(`properties.scope must be '${target.scope}'.`);
  if (typeof props.roleDefinitionId === 'string' && safeGuid(props.roleDefinitionId) !== target.roleDefinitionId) problems.push(`properties.roleDefinitionId must name role ${target.roleDefinitionId}, as the assignment's name does.`);
  if (props.policyId !== undefined && (typeof props.policyId !== 'string' || props.policyId.toLowerCase() !== policyId.toLowerCase())) {
    problems.push(
      `properties.policyId must be '${policyId}': each role at each scope has its own policy. To have a scope follow a policy above it, leave its own unchanged and set isInheritedBySubscopes on the policy above.`,
    );
  }
  if (problems.length > 0) throw badRequest(problems.join(' '), 'InvalidRoleManagementPolicyAssignment');
}

function safeGuid(id: string): string | undefined {
  try {
    return roleDefinitionGuid(id);
  } catch {
    return undefined;
  }
}

/** A policy as ARM shows it, with the extensions. */
export function policyJson(view: AzurePolicyView): Record<string, unknown> {
  const { own, effective } = view;
  return {
    properties: {
      scope: own.scopeId,
      displayName: null,
      description: null,
      isOrganizationDefault: false,
      lastModifiedBy: principalJson(own.lastModifiedBy),
      lastModifiedDateTime: own.lastModifiedDateTime,
      rules: own.rules.map(toArmRule),
      effectiveRules: effective.rules.map(toArmRule),
      policyProperties: { scope: scopeJson(own.scopeId) },
      isInheritedBySubscopes: own.isInheritedBySubscopes ?? false,
      effectiveFrom: effectiveFromJson(view),
    },
    name: nameOf(own.id),
    id: own.id,
    type: 'Microsoft.Authorization/RoleManagementPolicies',
  };
}

/** A policy assignment as ARM shows it, with the role's name and type when Azure's catalog is at hand. */
export function assignmentJson(view: AzurePolicyView, role: AzureRoleDefinition | undefined): Record<string, unknown> {
  const { own, effective, target } = view;
  const roleDefinitionId = roleDefinitionIdAt(parseAzureScope(own.scopeId), target.roleDefinitionId);
  const name = azurePolicyAssignmentNameOf(nameOf(own.id), target.roleDefinitionId);
  return {
    properties: {
      scope: own.scopeId,
      roleDefinitionId,
      policyId: own.id,
      effectiveRules: effective.rules.map(toArmRule),
      policyAssignmentProperties: {
        scope: scopeJson(own.scopeId),
        roleDefinition: { id: roleDefinitionId, displayName: role?.roleName ?? null, type: role?.roleType ?? null },
        policy: { id: own.id, lastModifiedBy: principalJson(own.lastModifiedBy), lastModifiedDateTime: own.lastModifiedDateTime },
      },
      effectiveFrom: effectiveFromJson(view),
    },
    name,
    id: azurePolicyAssignmentIdFor(own.scopeId, name),
    type: 'Microsoft.Authorization/RoleManagementPolicyAssignment',
  };
}

/** Extension: whose rules `effectiveRules` shows, and whether they were inherited from a scope above. */
function effectiveFromJson(view: AzurePolicyView): { scope: string; policyId: string; inherited: boolean } {
  return { scope: view.effective.scopeId, policyId: view.effective.id, inherited: view.inheritedFrom !== null };
}

function principalJson(by: { id: string | null; displayName: string | null }) {
  return { id: by.id, displayName: by.displayName, type: by.id ? 'User' : null, email: null };
}

/** ARM's `policyProperties.scope`: the scope's id, its last name as display name, and ARM's word for its level. */
function scopeJson(scope: string): { id: string; displayName: string; type: string } {
  const parsed = parseAzureScope(scope);
  const parts = parsed.path.split('/');
  return { id: parsed.path, displayName: parts[parts.length - 1] ?? parsed.path, type: parsed.level === 'resource' ? resourceTypeOf(parts) : parsed.level.toLowerCase() };
}

/** A resource's type from its path: `{namespace}/{type}[/{childType}…]` (the names between are dropped). */
function resourceTypeOf(parts: string[]): string {
  const rest = parts.slice(parts.indexOf('providers') + 1);
  return [rest[0], ...rest.slice(1).filter((_, i) => i % 2 === 0)].join('/');
}

const nameOf = (id: string) => id.slice(id.lastIndexOf('/') + 1);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notFoundAssignment = (name: string) => new DomainError('RoleManagementPolicyAssignmentNotFound', `The role management policy assignment '${name.slice(0, 100)}' was not found at this scope.`, 404);

const methodNotAllowed = (method: string, what: string) => new HttpError('MethodNotAllowed', `${method.slice(0, 10)} is not supported on ${what}.`, 405);

function notServed(resourceType: string): never {
  throw new DomainError('InvalidResourceType', `The resource type '${resourceType.slice(0, 100)}' is not served here.`, 404);
}
