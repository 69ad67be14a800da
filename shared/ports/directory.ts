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
  version?: string | null;
  rolePermissions: Array<{ allowedResourceActions: string[]; condition?: string | null }>;
  /** The scopes it applies to; Graph has only "/" (and deprecates the property). */
  resourceScopes?: string[];
  /** The built-in roles whose permissions it includes too (Graph's inheritsPermissionsFrom, by id), e.g. Directory Readers. */
  inheritsPermissionsFrom?: Array<{ id: string }>;
}

/** A group as PIM for Groups needs to know it. */
export interface DirectoryGroup {
  id: string;
  displayName: string;
  /** Role-assignable groups may be eligible for or hold directory roles; set at creation, immutable. */
  isAssignableToRole: boolean;
  /** Dynamic (membership rule) and on-premises-synced groups cannot be governed by PIM. */
  isDynamic: boolean;
  onPremisesSyncEnabled: boolean;
}

/** Membership or ownership of a group: the two accesses PIM for Groups grants. */
export type GroupRelation = 'member' | 'owner';

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

  /** A group by id; undefined when there is none (or the id names a user). */
  getGroup(id: string): Promise<DirectoryGroup | undefined>;
  /** The direct members or owners of a group (object ids), as of now. */
  listGroupRelation(groupId: string, relation: GroupRelation): Promise<string[]>;
  /** The groups the principal is a direct member or owner of, as of now. */
  relationsOf(principalId: string): Promise<Array<{ groupId: string; relation: GroupRelation }>>;
  /**
   * Adds the principal as a member or owner (Graph `groups/{id}/members|owners/$ref`);
   * `created` false when it already was one (Graph's 400 on an existing reference).
   */
  addToGroup(groupId: string, relation: GroupRelation, principalId: string): Promise<{ created: boolean }>;
  /** Removes the principal's membership or ownership; absent is success. */
  removeFromGroup(groupId: string, relation: GroupRelation, principalId: string): Promise<void>;
  /** The user's manager (Graph `users/{id}/manager`), by object id; undefined when none is set. */
  managerOf(userId: string): Promise<string | undefined>;
  /**
   * Graph `POST /users/{id}/revokeSignInSessions`: invalidates the user's refresh tokens and
   * browser sessions (within minutes; access tokens already issued live until they expire).
   * Any 2xx is success; a user that does not exist is a no-op. Throws on other failures.
   * `once`: one try, without waiting out throttling (for a caller that leaves a failure to a path that retries).
   */
  revokeSignInSessions(userId: string, options?: { once?: boolean }): Promise<void>;
}
