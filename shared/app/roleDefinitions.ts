import { notFound } from '../domain/errors';
import type { Directory, RoleDefinition } from '../ports/directory';

/** Role definitions come from the directory (Entra's built-in and custom roles). */
export async function listRoleDefinitions(deps: { directory: Directory }): Promise<RoleDefinition[]> {
  return deps.directory.listRoleDefinitions();
}

export async function getRoleDefinition(deps: { directory: Directory }, id: string): Promise<RoleDefinition> {
  const role = await deps.directory.getRoleDefinition(id);
  if (!role) throw notFound('role definition', id);
  return role;
}

/**
 * The roles `role` inherits permissions from (Graph's inheritsPermissionsFrom), as the
 * directory has them now; an id the directory no longer knows is left out. `known` (e.g. the
 * list being answered) saves a directory read for each role already at hand.
 */
export async function inheritedRoles(deps: { directory: Directory }, role: RoleDefinition, known?: ReadonlyMap<string, RoleDefinition>): Promise<RoleDefinition[]> {
  const ids = (role.inheritsPermissionsFrom ?? []).map((r) => r.id);
  const found = await Promise.all(ids.map(async (id) => known?.get(id) ?? (await deps.directory.getRoleDefinition(id))));
  return found.filter((r): r is RoleDefinition => r !== undefined);
}
