import { canonicalAzureScope } from '../../domain/azureScope';
import { asAzureRole, type AzureRoleTarget, targetKey } from '../../domain/target';
import type { AccessTarget, Grant } from '../../ports/access';
import type { AzureResources, AzureRoleAssignment } from '../../ports/azure';

/**
 * Azure roles as an access target: role assignments in Azure Resource Manager at exactly the
 * target's scope (an assignment above it, which Azure also applies there, is another target's
 * grant). A grant's id is ARM's role assignment id.
 */
export function azureRoleAccess(resources: AzureResources): AccessTarget {
  return {
    async grant(principalId, target, options) {
      const role = asAzureRole(target);
      const made = await resources.grantRole(role.scope, principalId, role.roleDefinitionId, options?.condition ?? null);
      return { ...grantOf(made), created: made.created };
    },

    async revoke(principalId, target) {
      const role = asAzureRole(target);
      await resources.revokeRole(role.scope, principalId, role.roleDefinitionId);
    },

    async listGrants(filter) {
      // Why: Azure has no list of every assignment in the tenant; each scope is asked on its own.
      if (!filter?.targets) throw new Error('Azure grants are listed per scope: pass targets (and optionally a principalId).');
      // Scopes in one spelling, so the alias or another casing of a scope names the same grants.
      const wanted = filter.targets.map(asAzureRole).map((t) => ({ ...t, scope: canonicalAzureScope(t.scope) }));
      const keys = new Set(wanted.map(targetKey));
      // One listing per scope, however many of its roles the caller names.
      const scopes = [...new Map(wanted.map((t) => [t.scope.toLowerCase(), t.scope])).values()];
      const principal = filter?.principalId ? { principalId: filter.principalId } : undefined;
      const lists = await Promise.all(scopes.map((scope) => resources.listRoleAssignments(scope, principal)));
      return lists
        .flat()
        .map(grantOf)
        .filter((g) => keys.has(targetKey(g.target)));
    },
  };
}

function grantOf(a: AzureRoleAssignment): Grant {
  const target: AzureRoleTarget = { kind: 'azureRole', scope: a.scope, roleDefinitionId: a.roleDefinitionGuid };
  return { id: a.id, principalId: a.principalId, target, condition: a.condition };
}
