import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoleDefinition } from '../../shared/ports/directory';

export interface DemoUser {
  alias: string;
  id: string;
  displayName: string;
  userPrincipalName: string;
  appRoles: string[];
  /** The alias of the user's manager (Graph `users/{id}/manager`), when set. */
  manager?: string;
}

export interface DemoGroup {
  id: string;
  displayName: string;
  /** Role-assignable: may hold directory roles; set at creation, so only here. */
  isAssignableToRole: boolean;
  /** ["DynamicMembership"] for a dynamic group (with a membershipRule); absent for an assigned one. */
  groupTypes?: string[];
  membershipRule?: string;
  /** True for a group synced from on-premises AD (its members are managed there). */
  onPremisesSyncEnabled?: boolean;
  /** Aliases of member users, or ids of member groups (nesting). */
  members: string[];
  /** Aliases of owner users. */
  owners: string[];
}

/**
 * An application's service principal (e.g. a deployment pipeline): it signs in with client
 * credentials and gets app-only tokens, so it can hold PIM eligibilities as a user can.
 */
export interface DemoServicePrincipal {
  alias: string;
  id: string;
  /** The application (client) id: what app-only tokens name in azp/appid. */
  appId: string;
  displayName: string;
  appRoles: string[];
}

/** A group as first stored by the stand-in: its properties, and member and owner object ids. */
export interface SeedGroup {
  id: string;
  displayName: string;
  isAssignableToRole: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  onPremisesSyncEnabled: boolean | null;
  members: string[];
  owners: string[];
}

export interface DemoDirectory {
  users: DemoUser[];
  groups: DemoGroup[];
  servicePrincipals: DemoServicePrincipal[];
  roleDefinitions: RoleDefinition[];
}

interface DemoFile {
  users: DemoUser[];
  groups: DemoGroup[];
  servicePrincipals?: DemoServicePrincipal[];
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
    servicePrincipals: file.servicePrincipals ?? [],
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

/** A service principal by alias ("deploy-pipeline"), object id or application id. */
export function findServicePrincipal(directory: DemoDirectory, key: string): DemoServicePrincipal | undefined {
  const k = key.toLowerCase();
  return directory.servicePrincipals.find((sp) => sp.alias === k || sp.id === k || sp.appId === k);
}

/**
 * The demo groups with aliases resolved to object ids, checked as Graph would have at creation:
 * a role-assignable group is neither dynamic nor has groups as members.
 */
export function seedGroups(directory: DemoDirectory): SeedGroup[] {
  const groupIds = new Set(directory.groups.map((g) => g.id));
  const userId = (group: DemoGroup, alias: string) => {
    const user = findUser(directory, alias);
    if (!user) throw new Error(`Demo group '${group.displayName}' names an unknown user '${alias}'.`);
    return user.id;
  };
  return directory.groups.map((g) => {
    const groupTypes = g.groupTypes ?? [];
    const members = g.members.map((m) => (groupIds.has(m) ? m : userId(g, m)));
    if (g.isAssignableToRole && groupTypes.includes('DynamicMembership')) throw new Error(`Demo group '${g.displayName}' cannot be both role-assignable and dynamic.`);
    if (g.isAssignableToRole && members.some((m) => groupIds.has(m))) throw new Error(`Demo group '${g.displayName}' is role-assignable, so it cannot have groups as members.`);
    return {
      id: g.id,
      displayName: g.displayName,
      isAssignableToRole: g.isAssignableToRole,
      groupTypes,
      membershipRule: g.membershipRule ?? null,
      onPremisesSyncEnabled: g.onPremisesSyncEnabled ?? null,
      members,
      owners: g.owners.map((o) => userId(g, o)),
    };
  });
}
