/** A role that can be granted, as Graph describes unifiedRoleDefinition. */
export interface RoleDefinition {
  id: string;
  displayName: string;
  description: string;
  isBuiltIn: boolean;
  isEnabled: boolean;
  /** Graph marks roles that can lead to elevation of privilege; notifications treat them as critical. */
  isPrivileged?: boolean;
  templateId: string;
  version?: string;
  rolePermissions: Array<{ allowedResourceActions: string[]; condition?: string | null }>;
}

/** A role assignment as it exists in the directory (what actually grants the power). */
export interface DirectoryRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

export interface DirectoryPrincipal {
  id: string;
  kind: 'user' | 'group';
  displayName: string;
  userPrincipalName?: string;
  mail?: string;
}

/**
 * The directory PIM governs (Microsoft Entra ID through Graph). Grants and removals are
 * idempotent: granting what is already granted, or removing what is already gone, succeeds.
 */
export interface Directory {
  listRoleDefinitions(): Promise<RoleDefinition[]>;
  getRoleDefinition(id: string): Promise<RoleDefinition | undefined>;
  /**
   * Creates the assignment, or returns the one that already exists for the same principal,
   * role and scope (`created` false: it was there before, e.g. made outside PIM).
   */
  grantRole(principalId: string, roleDefinitionId: string, directoryScopeId: string): Promise<DirectoryRoleAssignment & { created: boolean }>;
  /** Removes the assignment for that principal, role and scope; absent is success. */
  revokeRole(principalId: string, roleDefinitionId: string, directoryScopeId: string): Promise<void>;
  listRoleAssignments(filter?: { principalId?: string; roleDefinitionId?: string }): Promise<DirectoryRoleAssignment[]>;
  /** A user or group by object id; undefined when there is none. */
  getPrincipal(id: string): Promise<DirectoryPrincipal | undefined>;
  /** The user ids in a group, including nested groups, as of now. */
  groupMemberIds(groupId: string): Promise<string[]>;
}
