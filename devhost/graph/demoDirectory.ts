import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoleDefinition } from '../../shared/ports/directory';

export interface DemoUser {
  alias: string;
  id: string;
  displayName: string;
  userPrincipalName: string;
  appRoles: string[];
}

export interface DemoGroup {
  id: string;
  displayName: string;
  /** Aliases of member users. */
  members: string[];
}

export interface DemoDirectory {
  users: DemoUser[];
  groups: DemoGroup[];
  roleDefinitions: RoleDefinition[];
}

interface DemoFile {
  users: DemoUser[];
  groups: DemoGroup[];
  roleDefinitions: Array<{
    id: string;
    displayName: string;
    description: string;
    isPrivileged?: boolean;
    allowedResourceActions: string[];
    /** Ids of the roles it inherits permissions from (e.g. Directory Readers), as Graph lists them. */
    inheritsPermissionsFrom?: string[];
  }>;
}

/** The seeded local directory (devhost/graph/demo-directory.json): users, groups, built-in roles. */
export function loadDemoDirectory(path = join(__dirname, 'demo-directory.json')): DemoDirectory {
  const file = JSON.parse(readFileSync(path, 'utf8')) as DemoFile;
  return {
    users: file.users,
    groups: file.groups,
    roleDefinitions: file.roleDefinitions.map((r) => ({
      id: r.id,
      templateId: r.id,
      displayName: r.displayName,
      description: r.description,
      isBuiltIn: true,
      isEnabled: true,
      isPrivileged: r.isPrivileged ?? false,
      version: '1',
      resourceScopes: ['/'],
      rolePermissions: [{ allowedResourceActions: r.allowedResourceActions, condition: null }],
      inheritsPermissionsFrom: (r.inheritsPermissionsFrom ?? []).map((id) => ({ id })),
    })),
  };
}

/** A user by alias ("alice"), UPN ("alice@contoso.test") or object id. */
export function findUser(directory: DemoDirectory, key: string): DemoUser | undefined {
  const k = key.toLowerCase();
  return directory.users.find((u) => u.alias === k || u.userPrincipalName.toLowerCase() === k || u.id === k);
}
