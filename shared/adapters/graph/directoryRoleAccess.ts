import { conditionNotSupported } from '../../domain/condition';
import { asDirectoryRole, directoryRole } from '../../domain/target';
import type { AccessTarget } from '../../ports/access';
import type { Directory } from '../../ports/directory';

/** Directory roles as an access target: role assignments in Microsoft Entra ID, through Graph. */
export function directoryRoleAccess(directory: Directory): AccessTarget {
  return {
    async grant(principalId, target, options) {
      const role = asDirectoryRole(target);
      // Why: Entra role assignments carry no ABAC condition; granting without it would give more than asked.
      if (options?.condition) throw conditionNotSupported(role.kind);
      const made = await directory.grantRole(principalId, role.roleDefinitionId, role.directoryScopeId);
      return { id: made.id, principalId, target: directoryRole(made.roleDefinitionId, made.directoryScopeId), created: made.created };
    },
    async revoke(principalId, target) {
      const role = asDirectoryRole(target);
      await directory.revokeRole(principalId, role.roleDefinitionId, role.directoryScopeId);
    },
    async listGrants(filter) {
      const assignments = await directory.listRoleAssignments(filter?.principalId ? { principalId: filter.principalId } : undefined);
      return assignments.map((a) => ({ id: a.id, principalId: a.principalId, target: directoryRole(a.roleDefinitionId, a.directoryScopeId) }));
    },
  };
}
