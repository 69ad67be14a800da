import { directoryRole, type Target } from '../target';
import type { RolePolicy } from './types';

/**
 * The target a policy governs, read from its own fields: a directory role at `scopeId` ("/"),
 * the group `scopeId`'s membership or ownership (`roleDefinitionId`), or an Azure role at the
 * ARM scope `scopeId`. Events and audit
 * records of a policy change carry this target.
 */
export function targetOfPolicy(policy: Pick<RolePolicy, 'id' | 'scopeType' | 'scopeId' | 'roleDefinitionId'>): Target {
  switch (policy.scopeType) {
    case 'DirectoryRole':
      return directoryRole(policy.roleDefinitionId, policy.scopeId);
    case 'Group': {
      const accessId = policy.roleDefinitionId;
      if (accessId !== 'member' && accessId !== 'owner') throw new Error(`Group policy ${policy.id} has roleDefinitionId '${accessId}'; a group's is 'member' or 'owner'.`);
      return { kind: 'group', groupId: policy.scopeId, accessId };
    }
    case 'AzureResource':
      return { kind: 'azureRole', scope: policy.scopeId, roleDefinitionId: policy.roleDefinitionId };
    default: {
      const never: never = policy.scopeType;
      throw new Error(`Unknown policy scope type ${String(never)}`);
    }
  }
}
