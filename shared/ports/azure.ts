import type { GrantCondition } from '../domain/condition';

/** An Azure role definition as ARM describes it (Microsoft.Authorization/roleDefinitions). */
export interface AzureRoleDefinition {
  /** The role's GUID (ARM's `name`), lower-case. */
  guid: string;
  roleName: string;
  description: string;
  roleType: 'BuiltInRole' | 'CustomRole';
  assignableScopes: string[];
  permissions: Array<{ actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }>;
}

/** A role assignment as it exists in Azure (what actually grants the power). */
export interface AzureRoleAssignment {
  /** ARM's full id: {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}. */
  id: string;
  scope: string;
  principalId: string;
  /** The role definition's GUID, lower-case. */
  roleDefinitionGuid: string;
  /** The ABAC condition the assignment carries (ARM keeps it as version 2.0); null: none. */
  condition: GrantCondition | null;
}

/**
 * Azure Resource Manager as PIM for Azure resources needs it: the hierarchy (management
 * groups above subscriptions), the role catalog, and role assignments (which the Azure role
 * AccessTarget adapter turns into grants). Grants and removals are idempotent.
 */
export interface AzureResources {
  /**
   * The scopes above this one, nearest first, up to the tenant root management group
   * (resource group, subscription, its management groups); undefined when Azure has no such scope.
   */
  ancestorsOf(scope: string): Promise<string[] | undefined>;
  /** The role definitions assignable at the scope (built-in and custom). */
  listRoleDefinitions(scope: string): Promise<AzureRoleDefinition[]>;
  /** A role definition by GUID as seen at the scope; undefined when there is none there. */
  getRoleDefinition(scope: string, guid: string): Promise<AzureRoleDefinition | undefined>;
  /**
   * Creates the role assignment at exactly this scope (a deterministic name per scope,
   * principal and role), carrying `condition` when given (sent to ARM as version 2.0), or
   * returns the one that exists (`created` false: made outside PIM). PIM's own assignment is
   * set to the condition asked (ARM updates an assignment PUT again under its name). One made
   * outside PIM is never changed: if it carries a condition other than the one asked, this is
   * a 409 RoleAssignmentExists, since Azure holds one assignment per (scope, principal, role)
   * and PIM must neither widen that one nor pretend it grants what was asked.
   */
  grantRole(scope: string, principalId: string, roleDefinitionGuid: string, condition?: GrantCondition | null): Promise<AzureRoleAssignment & { created: boolean }>;
  /** Removes the principal's assignment of the role at exactly this scope; absent is success. */
  revokeRole(scope: string, principalId: string, roleDefinitionGuid: string): Promise<void>;
  /** Assignments at the scope (not inherited ones), optionally of one principal. */
  listRoleAssignments(scope: string, filter?: { principalId?: string }): Promise<AzureRoleAssignment[]>;
}
