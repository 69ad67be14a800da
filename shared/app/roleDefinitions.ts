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
