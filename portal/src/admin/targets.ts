/**
 * What the Role settings page offers to choose from: directory roles (Graph's role
 * definitions), groups, and the Azure roles at an ARM scope (ARM's policy assignments there).
 */
import type { Api } from '../api';
import { armList, armPath } from '../azure';

export interface Named {
  id: string;
  displayName: string;
}

/** Every directory role, following @odata.nextLink. */
export async function directoryRoles(api: Api): Promise<Named[]> {
  const roles: Named[] = [];
  let path: string | undefined = '/v1.0/roleManagement/directory/roleDefinitions?$select=id,displayName';
  while (path) {
    const page: { value: Named[]; '@odata.nextLink'?: string } = await api.call('GET', path);
    roles.push(...page.value);
    const next = page['@odata.nextLink'];
    path = next ? new URL(next, location.origin).pathname + new URL(next, location.origin).search : undefined;
  }
  return roles.sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** The directory's users and groups, for naming approvers and choosing groups; undefined outside devhost (there, object ids are typed in). */
export interface Directory {
  users: Array<Named & { userPrincipalName: string }>;
  groups: Named[];
}

export async function devhostDirectory(): Promise<Directory | undefined> {
  const res = await fetch('/.devhost/directory', { headers: { accept: 'application/json' } });
  if (!res.ok) return undefined;
  const body = (await res.json()) as Partial<Directory>;
  return { users: body.users ?? [], groups: (body.groups ?? []).slice().sort((a, b) => a.displayName.localeCompare(b.displayName)) };
}

export interface AzureRoleChoice {
  /** The role definition's full ARM id. */
  id: string;
  /** The policy's name at the scope (the last segment of its id). */
  policyName: string;
  displayName: string;
}

interface ArmAssignment {
  properties: { policyId: string; roleDefinitionId: string; policyAssignmentProperties?: { roleDefinition?: { displayName?: string | null } } };
}

/**
 * The Azure roles that can be managed at `scope` (the Role settings and Assignments pages'
 * choice), each with its policy: ARM lists one policy assignment per role.
 */
export async function azureRolesAt(api: Api, scope: string): Promise<AzureRoleChoice[]> {
  const assignments = await armList<ArmAssignment>(api, armPath(scope, 'roleManagementPolicyAssignments'));
  return assignments
    .map((a) => ({
      id: a.properties.roleDefinitionId,
      policyName: a.properties.policyId.slice(a.properties.policyId.lastIndexOf('/') + 1),
      displayName: a.properties.policyAssignmentProperties?.roleDefinition?.displayName ?? a.properties.roleDefinitionId.split('/').pop() ?? a.properties.roleDefinitionId,
    }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}
