import { parseAzureScope, roleDefinitionIdAt } from '../../domain/azureScope';
import type { AzureRoleTarget } from '../../domain/target';
import type { AzureResources, AzureRoleDefinition } from '../../ports/azure';
import type { DirectoryPrincipal, Principals } from '../../ports/principals';
import type { ArmView } from './json';

export interface ViewDeps {
  directory: Principals;
  azure?: AzureResources;
}

/** ARM's expandedProperties.scope.type: subscription, resourcegroup, managementgroup, or the resource's type. */
function scopeType(scope: string): string {
  const parsed = parseAzureScope(scope);
  switch (parsed.level) {
    case 'managementGroup':
      return 'managementgroup';
    case 'subscription':
      return 'subscription';
    case 'resourceGroup':
      return 'resourcegroup';
    case 'resource': {
      // .../providers/{namespace}/{type}/{name}[/{childType}/{childName}]: the namespace and types.
      const parts = parsed.path.split('/');
      const at = parts.findIndex((p) => p.toLowerCase() === 'providers');
      return parts.slice(at + 1).filter((_, i) => i === 0 || i % 2 === 1).join('/');
    }
  }
}

/**
 * Describes items for one answer: each principal and each role is looked up once however many
 * items name it (a listing names few of them many times). A lookup that fails leaves the names
 * null rather than failing the listing.
 */
export function armViews(deps: ViewDeps): (principalId: string, target: AzureRoleTarget) => Promise<ArmView> {
  const principals = new Map<string, Promise<DirectoryPrincipal | undefined>>();
  const roles = new Map<string, Promise<AzureRoleDefinition | undefined>>();
  const principal = (id: string) => {
    let found = principals.get(id);
    if (!found) {
      found = deps.directory.getPrincipal(id).catch(() => undefined);
      principals.set(id, found);
    }
    return found;
  };
  const role = (target: AzureRoleTarget) => {
    const key = `${target.scope.toLowerCase()}|${target.roleDefinitionId}`;
    let found = roles.get(key);
    if (!found) {
      found = deps.azure ? deps.azure.getRoleDefinition(target.scope, target.roleDefinitionId).catch(() => undefined) : Promise.resolve(undefined);
      roles.set(key, found);
    }
    return found;
  };
  return async (principalId, target) => {
    const [who, what] = await Promise.all([principal(principalId), role(target)]);
    const type = who ? (who.kind === 'group' ? 'Group' : who.kind === 'servicePrincipal' ? 'ServicePrincipal' : 'User') : null;
    return {
      principalType: type,
      expandedProperties: {
        // The port knows no display names of scopes; the last segment (group, resource or id) stands in.
        scope: { id: target.scope, displayName: target.scope.split('/').pop() ?? target.scope, type: scopeType(target.scope) },
        roleDefinition: { id: roleDefinitionIdAt(parseAzureScope(target.scope), target.roleDefinitionId), displayName: what?.roleName ?? null, type: what?.roleType ?? null },
        principal: { id: principalId, displayName: who?.displayName ?? null, email: who?.mail ?? who?.userPrincipalName ?? null, type },
      },
    };
  };
}
