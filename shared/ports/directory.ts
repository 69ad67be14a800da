import type { DirectoryPrincipal, Principals } from './principals';

export type { DirectoryPrincipal };

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

/**
 * Microsoft Entra ID through Graph: its principals, its role catalog, and its role assignments
 * (which the directory-role AccessTarget adapter turns into grants). Grants and removals are
 * idempotent: granting what is already granted, or removing what is already gone, succeeds.
 */
export interface Directory extends Principals {
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
}
