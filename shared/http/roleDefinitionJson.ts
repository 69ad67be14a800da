import type { RoleDefinition } from '../ports/directory';

/**
 * Graph's unifiedRoleDefinition: every property its v1.0 reference lists, whatever the
 * directory adapter left out. `inheritsPermissionsFrom` is inlined as ids, as Graph does on
 * list and get; `$expand=inheritsPermissionsFrom` replaces them with the roles themselves.
 * Like Graph, no `@odata.type` on the items (their type is the collection's).
 */
export function roleDefinitionJson(role: RoleDefinition): Record<string, unknown> {
  return {
    id: role.id,
    description: role.description,
    displayName: role.displayName,
    isBuiltIn: role.isBuiltIn,
    isEnabled: role.isEnabled,
    isPrivileged: role.isPrivileged ?? false,
    // Graph supports only "/" here (and says the property will be deprecated).
    resourceScopes: role.resourceScopes ?? ['/'],
    templateId: role.templateId,
    version: role.version ?? null,
    deletedDateTime: null,
    rolePermissions: role.rolePermissions.map((p) => ({ allowedResourceActions: p.allowedResourceActions, condition: p.condition ?? null })),
    inheritsPermissionsFrom: (role.inheritsPermissionsFrom ?? []).map(({ id }) => ({ id })),
  };
}
