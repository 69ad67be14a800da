import { type AzureScope, parseAzureScope, roleDefinitionIdAt, sameAzureScope } from '../../shared/domain/azureScope';
import { supportsConditions } from '../../shared/domain/condition';
import type { RawRequest, RawResponse } from '../core/extension';
import type { AssignmentStore, StoredAssignment } from './assignmentStore';
import type { AzureTree, DemoRoleDefinition } from './demoAzure';
import type { PrincipalDirectory } from './directory';
import { armError, callerId, checkApiVersion, json, page } from './responses';

/** The Microsoft.Authorization API versions the stand-in answers (role assignments and definitions keep one shape across them). */
export const AUTHORIZATION_API_VERSIONS = ['2015-07-01', '2018-01-01-preview', '2020-04-01-preview', '2022-04-01'] as const;

export interface AuthorizationDeps {
  tree: AzureTree;
  store: AssignmentStore;
  directory: PrincipalDirectory;
  pageSize: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE_DEFINITION_ID = /^(?:\/subscriptions\/([0-9a-f-]{36}))?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i;
const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'];

/**
 * `{scope}/providers/Microsoft.Authorization/roleDefinitions[/{guid}]` and
 * `.../roleAssignments[/{name}]`, answered as ARM does: scopes checked to exist, a role seen
 * only where it is assignable, one assignment per (scope, principal, role), ARM's filters.
 */
export async function routeAuthorization(req: RawRequest, scopeText: string, rest: string[], deps: AuthorizationDeps): Promise<RawResponse> {
  const versionRefused = checkApiVersion(req.url, AUTHORIZATION_API_VERSIONS);
  if (versionRefused) return versionRefused;
  const [collection = '', name, ...more] = rest;
  if (more.length) return armError(404, 'NotFound', `No such Microsoft.Authorization path: ${rest.join('/')}.`);
  const scope = scopeOf(scopeText);
  if (typeof scope === 'string') return armError(400, 'InvalidScope', scope);
  if (scope) {
    const missing = deps.tree.missing(scope);
    if (missing) return armError(404, missing.code, missing.message);
  }
  switch (collection.toLowerCase()) {
    case 'roledefinitions':
      if (req.method !== 'GET') return methodNotAllowed(req.method);
      return name === undefined ? listDefinitions(req, scope, deps) : getDefinition(scope, name, deps);
    case 'roleassignments': {
      if (!scope) return armError(400, 'InvalidScope', 'The stand-in keeps role assignments at management groups, subscriptions, resource groups and resources, not at the tenant root.');
      if (name === undefined) return req.method === 'GET' ? listAssignments(req, scope, deps) : methodNotAllowed(req.method);
      if (req.method === 'GET') return getAssignment(scope, name, deps);
      if (req.method === 'PUT') return putAssignment(req, scope, name, deps);
      if (req.method === 'DELETE') return deleteAssignment(scope, name, deps);
      return methodNotAllowed(req.method);
    }
    default:
      return armError(404, 'NotFound', `The stand-in serves roleDefinitions and roleAssignments of Microsoft.Authorization, not '${collection}'.`);
  }
}

/** The parsed scope; undefined for the tenant root ("/"); a string saying why it is not a scope. */
function scopeOf(text: string): AzureScope | undefined | string {
  if (text.replace(/\/+/g, '') === '') return undefined;
  try {
    return parseAzureScope(text);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const methodNotAllowed = (method: string) => armError(405, 'MethodNotAllowed', `The method '${method}' is not allowed here.`);

/** Whether a role can be assigned at the scope (and so is seen there): assignable at it, above it, or everywhere ("/"). */
function visibleAt(role: DemoRoleDefinition, scope: AzureScope | undefined, tree: AzureTree): boolean {
  if (role.assignableScopes.includes('/')) return true;
  if (!scope) return false;
  const reach = [scope.path, ...tree.ancestors(scope)];
  return role.assignableScopes.some((s) => reach.some((r) => sameAzureScope(r, s)));
}

function definitionJson(role: DemoRoleDefinition, scope: AzureScope | undefined) {
  return {
    id: scope ? roleDefinitionIdAt(scope, role.name) : `/providers/Microsoft.Authorization/roleDefinitions/${role.name}`,
    name: role.name,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      roleName: role.roleName,
      type: role.type,
      description: role.description,
      assignableScopes: role.assignableScopes,
      permissions: role.permissions.map((p) => ({ ...p, condition: null, conditionVersion: null })),
      createdOn: '2015-02-02T21:55:09.8806423Z',
      updatedOn: '2024-04-01T00:00:00.0000000Z',
      createdBy: null,
      updatedBy: null,
    },
  };
}

function listDefinitions(req: RawRequest, scope: AzureScope | undefined, deps: AuthorizationDeps): RawResponse {
  const filter = req.url.searchParams.get('$filter');
  let roles = deps.tree.demo.roleDefinitions.filter((r) => visibleAt(r, scope, deps.tree));
  if (filter) {
    const byName = /^roleName\s+eq\s+'((?:[^']|'')*)'$/i.exec(filter.trim());
    const byType = /^type\s+eq\s+'(BuiltInRole|CustomRole)'$/i.exec(filter.trim());
    if (byName) roles = roles.filter((r) => r.roleName.toLowerCase() === (byName[1] ?? '').replace(/''/g, "'").toLowerCase());
    else if (byType) roles = roles.filter((r) => r.type.toLowerCase() === (byType[1] ?? '').toLowerCase());
    else return armError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported. Use roleName eq '{name}' or type eq 'BuiltInRole'|'CustomRole'.`);
  }
  return page(
    roles.map((r) => definitionJson(r, scope)),
    req.url,
    deps.pageSize,
  );
}

function getDefinition(scope: AzureScope | undefined, guid: string, deps: AuthorizationDeps): RawResponse {
  const role = deps.tree.demo.roleDefinitions.find((r) => r.name.toLowerCase() === guid.toLowerCase());
  // A custom role outside its assignable scopes does not exist there, as far as ARM says.
  if (!role || !visibleAt(role, scope, deps.tree)) return armError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${guid}' does not exist.`);
  return json(200, definitionJson(role, scope));
}

function assignmentJson(a: StoredAssignment) {
  return {
    properties: {
      roleDefinitionId: roleDefinitionIdAt(parseAzureScope(a.scope), a.roleDefinitionGuid),
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: a.condition,
      conditionVersion: a.conditionVersion,
      createdOn: a.createdOn,
      updatedOn: a.updatedOn,
      createdBy: a.createdBy,
      updatedBy: a.updatedBy,
      delegatedManagedIdentityResourceId: null,
      description: a.description,
    },
    id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name: a.name,
  };
}

async function getAssignment(scope: AzureScope, name: string, deps: AuthorizationDeps): Promise<RawResponse> {
  const found = await deps.store.get(name);
  if (!found || !sameAzureScope(found.scope, scope.path)) return armError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
  return json(200, assignmentJson(found));
}

async function deleteAssignment(scope: AzureScope, name: string, deps: AuthorizationDeps): Promise<RawResponse> {
  const found = await deps.store.get(name);
  // Absent (or at another scope, so not at this one): ARM answers 204 with no body.
  if (!found || !sameAzureScope(found.scope, scope.path)) return { status: 204 };
  const removed = await deps.store.delete(name);
  return removed ? json(200, assignmentJson(removed)) : { status: 204 };
}

async function putAssignment(req: RawRequest, scope: AzureScope, name: string, deps: AuthorizationDeps): Promise<RawResponse> {
  if (!GUID.test(name)) return armError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
  let body: { properties?: Record<string, unknown> };
  try {
    body = JSON.parse(req.body.toString('utf8')) as typeof body;
  } catch (error) {
    return armError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${error instanceof Error ? error.message : String(error)}'.`);
  }
  const props = body?.properties;
  if (typeof props !== 'object' || props === null) return armError(400, 'InvalidRequestContent', 'The request content must have a properties object.');
  const { principalId, roleDefinitionId, principalType, description, condition, conditionVersion } = props;
  if (typeof principalId !== 'string' || !GUID.test(principalId)) return armError(400, 'InvalidPrincipalId', 'A valid principal ID must be provided for role assignment.');
  const roleId = typeof roleDefinitionId === 'string' ? ROLE_DEFINITION_ID.exec(roleDefinitionId.trim()) : null;
  if (!roleId) return armError(400, 'InvalidRoleDefinitionId', `The role definition ID '${String(roleDefinitionId)}' is not valid.`);
  const roleGuid = (roleId[2] ?? '').toLowerCase();
  const role = deps.tree.demo.roleDefinitions.find((r) => r.name.toLowerCase() === roleGuid);
  if (!role || !visibleAt(role, scope, deps.tree)) return armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${roleGuid}' does not exist.`);
  if (principalType !== undefined && (typeof principalType !== 'string' || !PRINCIPAL_TYPES.includes(principalType))) {
    return armError(400, 'InvalidRequestContent', `principalType must be one of ${PRINCIPAL_TYPES.join(', ')}.`);
  }
  const conditionRead = assignmentCondition(condition, conditionVersion, role);
  if ('refused' in conditionRead) return conditionRead.refused;
  const type = principalType ?? (await deps.directory.principalType(principalId));
  // With a principalType given ARM trusts it (a principal made a moment ago may not have replicated yet); without, it asks the directory.
  if (type === undefined) {
    return armError(
      400,
      'PrincipalNotFound',
      `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${deps.tree.demo.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.`,
    );
  }
  const now = new Date().toISOString();
  const caller = callerId(req.headers.authorization);
  const wanted: StoredAssignment = {
    name: name.toLowerCase(),
    scope: scope.path,
    principalId: principalId.toLowerCase(),
    principalType: type ?? 'User',
    roleDefinitionGuid: roleGuid,
    description: typeof description === 'string' ? description : null,
    condition: conditionRead.condition,
    conditionVersion: conditionRead.conditionVersion,
    createdOn: now,
    updatedOn: now,
    createdBy: caller,
    updatedBy: caller,
  };
  const result = await deps.store.create(wanted);
  if ('made' in result) return json(201, assignmentJson(result.made));
  if ('duplicateOf' in result) {
    return armError(409, 'RoleAssignmentExists', `The role assignment already exists. The ID of the existing role assignment is ${result.duplicateOf.replace(/-/g, '')}.`);
  }
  const existing = result.sameName;
  const sameThing = sameAzureScope(existing.scope, wanted.scope) && existing.principalId === wanted.principalId && existing.roleDefinitionGuid === wanted.roleDefinitionGuid;
  if (!sameThing) return armError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
  // The same assignment PUT again (a retry, a redeployment): an update of what may change.
  const updated: StoredAssignment = { ...existing, description: wanted.description, condition: wanted.condition, conditionVersion: wanted.conditionVersion, updatedOn: now, updatedBy: caller };
  await deps.store.update(updated);
  return json(200, assignmentJson(updated));
}

/** The only version ARM takes on role assignment conditions (2022-04-01). */
const CONDITION_VERSION = '2.0';

/**
 * A role assignment's condition as ARM reads it: a condition without a version gets 2.0 (ARM's
 * documented default); any other version is refused, as is a version without a condition, and
 * a condition on a role with no action conditions can constrain (ARM: "The given role
 * assignment condition is invalid."; the error codes are the stand-in's, ARM's are unconfirmed).
 * Empty or null for both: no condition (how ARM's docs say to delete one).
 */
function assignmentCondition(
  condition: unknown,
  conditionVersion: unknown,
  role: DemoRoleDefinition,
): { condition: string | null; conditionVersion: string | null } | { refused: RawResponse } {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : null);
  if ((condition !== undefined && condition !== null && typeof condition !== 'string') || (conditionVersion !== undefined && conditionVersion !== null && typeof conditionVersion !== 'string')) {
    return { refused: armError(400, 'InvalidRequestContent', 'condition and conditionVersion must be strings.') };
  }
  const expression = text(condition);
  const version = text(conditionVersion);
  if (expression === null) {
    if (version === null) return { condition: null, conditionVersion: null };
    return { refused: armError(400, 'InvalidCondition', `The given role assignment condition is invalid. A conditionVersion ('${version}') was given without a condition.`) };
  }
  if (version !== null && version !== CONDITION_VERSION) {
    return { refused: armError(400, 'InvalidConditionVersion', `The given role assignment condition is invalid. The condition version '${version}' is not supported; the only supported version is '${CONDITION_VERSION}'.`) };
  }
  if (!supportsConditions(role.permissions)) {
    return {
      refused: armError(
        400,
        'InvalidCondition',
        `The given role assignment condition is invalid. The role '${role.roleName}' has no actions that support conditions (storage blob or queue data actions, Microsoft.Authorization/roleAssignments/write or delete).`,
      ),
    };
  }
  return { condition: expression, conditionVersion: CONDITION_VERSION };
}

interface AssignmentFilter {
  atScope: boolean;
  principalId?: string;
  assignedTo?: string;
}

/** ARM's role assignment filters: atScope(), principalId eq '{id}', assignedTo('{id}'), joined by "and". */
function parseAssignmentFilter(text: string | null): AssignmentFilter | string {
  const filter: AssignmentFilter = { atScope: false };
  if (text === null || text.trim() === '') return filter;
  for (const clause of text.trim().split(/\s+and\s+/i)) {
    const principal = /^principalId\s+eq\s+'([^']*)'$/i.exec(clause);
    const assigned = /^assignedTo\('([^']*)'\)$/i.exec(clause);
    if (/^atScope\(\)$/i.test(clause)) filter.atScope = true;
    else if (principal) filter.principalId = (principal[1] ?? '').toLowerCase();
    else if (assigned) filter.assignedTo = (assigned[1] ?? '').toLowerCase();
    else return `The filter '${text}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{value}'' or 'assignedTo('{value}')'.`;
  }
  return filter;
}

/**
 * Assignments that apply at a scope, as ARM lists them: at it and above it (inherited); below
 * it too unless atScope() asks for only those that apply there.
 */
async function listAssignments(req: RawRequest, scope: AzureScope, deps: AuthorizationDeps): Promise<RawResponse> {
  const filter = parseAssignmentFilter(req.url.searchParams.get('$filter'));
  if (typeof filter === 'string') return armError(400, 'UnsupportedQuery', filter);
  const above = deps.tree.ancestors(scope);
  const principals = filter.assignedTo ? new Set([filter.assignedTo, ...(await deps.directory.groupsOf(filter.assignedTo)).map((g) => g.toLowerCase())]) : undefined;
  const all = await deps.store.list();
  const listed = all.filter((a) => {
    if (filter.principalId && a.principalId !== filter.principalId) return false;
    if (principals && !principals.has(a.principalId)) return false;
    if (sameAzureScope(a.scope, scope.path) || above.some((s) => sameAzureScope(s, a.scope))) return true;
    return !filter.atScope && isBelow(a.scope, scope, deps.tree);
  });
  return page(listed.map(assignmentJson), req.url, deps.pageSize);
}

function isBelow(assignmentScope: string, scope: AzureScope, tree: AzureTree): boolean {
  return tree.ancestors(parseAzureScope(assignmentScope)).some((s) => sameAzureScope(s, scope.path));
}
