import { conditionNotSupported, type GrantCondition, supportsConditions } from '../domain/condition';
import { badRequest, type DomainError } from '../domain/errors';
import { checkDirectoryScope } from '../domain/schedules';
import { notServed, requireServed, type Target } from '../domain/target';
import type { AuditRecord } from '../ports/audit';
import type { Directory, DirectoryGroup } from '../ports/directory';
import type { AzureResources, AzureRoleDefinition } from '../ports/azure';
import { parseAzureScope } from '../domain/azureScope';

/** Where targets are looked up: the directory, and Azure where Azure roles are served. */
export interface TargetDeps {
  directory: Directory;
  azure?: AzureResources;
}

/** What a target is called, for messages, mail and audit; null when the catalog does not know it. */
export async function targetName(deps: TargetDeps, target: Target): Promise<string | null> {
  const { directory } = deps;
  switch (target.kind) {
    case 'directoryRole':
      return (await directory.getRoleDefinition(target.roleDefinitionId).catch(() => undefined))?.displayName ?? null;
    case 'group':
      return (await directory.getPrincipal(target.groupId).catch(() => undefined))?.displayName ?? null;
    case 'azureRole':
      return (await deps.azure?.getRoleDefinition(target.scope, target.roleDefinitionId).catch(() => undefined))?.roleName ?? null;
    default: {
      const never: never = target;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

/** The target's own fields without its kind (e.g. roleDefinitionId and directoryScopeId), for alert details and payloads. */
export function targetFields(target: Target): Record<string, string> {
  const { kind: _kind, ...fields } = target;
  return fields;
}

/** The target as an audit record's target resource (Graph's directoryAudit shape). */
export function targetResource(target: Target, displayName: string | null, modifiedProperties: AuditRecord['targetResources'][number]['modifiedProperties'] = []): AuditRecord['targetResources'][number] {
  switch (target.kind) {
    case 'directoryRole':
    case 'azureRole':
      return { id: target.roleDefinitionId, displayName, type: 'Role', modifiedProperties };
    case 'group':
      return { id: target.groupId, displayName, type: 'Group', modifiedProperties };
    default: {
      const never: never = target;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Checks a requested target before anything is stored: its kind is served, its scope is one
 * the kind allows, the thing granted exists, and a condition asked for the grant is one the
 * target can carry. Returns its display name.
 */
export async function checkTarget(deps: TargetDeps, target: Target, condition: GrantCondition | null = null): Promise<string> {
  const { directory } = deps;
  requireServed(target);
  // Why: a condition narrows the grant; a kind that cannot apply one must refuse it, not drop it (that would grant more than asked).
  if (condition && target.kind !== 'azureRole') throw conditionNotSupported(target.kind);
  switch (target.kind) {
    case 'directoryRole': {
      checkDirectoryScope(target.directoryScopeId);
      const role = await directory.getRoleDefinition(target.roleDefinitionId);
      if (!role) throw badRequest(`roleDefinitionId '${target.roleDefinitionId}' is not a role in this directory.`, 'InvalidRoleDefinition');
      return role.displayName;
    }
    case 'group':
      return (await groupToGovern(directory, target.groupId, () => badRequest(`groupId '${target.groupId}' is not a group in this directory.`, 'InvalidGroup'))).displayName;
    case 'azureRole': {
      const role = await azureRoleAt(deps, target.scope, target.roleDefinitionId);
      // Checked here, not first at the grant: an eligibility Azure could never grant would fail every activation.
      if (condition && !supportsConditions(role.permissions)) {
        throw conditionNotSupported(
          'azureRole',
          `The role '${role.roleName}' cannot carry a condition: Azure takes conditions only on roles that allow storage blob or queue data actions or role assignment writes (e.g. Storage Blob Data Owner, Role Based Access Control Administrator). Send the request without condition and conditionVersion.`,
        );
      }
      return role.roleName;
    }
    default: {
      const never: never = target;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The group PIM is asked to govern, refused when PIM cannot hold its membership: dynamic
 * groups (a rule decides) and groups synchronized from on-premises (that directory decides).
 * `missing` is the error for a group the directory does not have.
 */
export async function groupToGovern(directory: Directory, groupId: string, missing: () => DomainError | Promise<DomainError>): Promise<DirectoryGroup> {
  const group = await directory.getGroup(groupId);
  if (!group) throw await missing();
  if (group.isDynamic) throw badRequest(`Group '${group.displayName}' has dynamic membership; PIM can govern only groups with assigned membership.`, 'InvalidGroup');
  if (group.onPremisesSyncEnabled) throw badRequest(`Group '${group.displayName}' is synchronized from on-premises; PIM can govern only cloud groups.`, 'InvalidGroup');
  return group;
}

/**
 * The Azure role definition, checked at the scope: the scope is valid and exists in Azure, and
 * the role exists and may be assigned there (a custom role only within its assignable scopes).
 */
export async function azureRoleAt(deps: TargetDeps, scope: string, roleGuid: string): Promise<AzureRoleDefinition> {
  if (!deps.azure) throw notServed('azureRole');
  const parsed = parseAzureScope(scope);
  if ((await deps.azure.ancestorsOf(parsed.path)) === undefined) throw badRequest(`The scope '${scope}' does not exist in Azure.`, 'InvalidScope');
  const role = await deps.azure.getRoleDefinition(parsed.path, roleGuid);
  if (!role) throw badRequest(`The role definition '${roleGuid}' does not exist or cannot be assigned at scope '${scope}'.`, 'RoleDefinitionDoesNotExist');
  return role;
}
