import { createHash } from 'node:crypto';
import { azurePolicyAssignmentNameOf } from '../domain/policy/azurePolicyIds';
import { defaultAzurePolicy } from '../domain/policy/defaults';
import type { RolePolicy } from '../domain/policy/types';
import type { AzureRoleTarget } from '../domain/target';

/**
 * The names (GUIDs) of Azure role policies: a name-based GUID (RFC 4122 version 5) of the
 * scope and the role. Why derived: every role at every scope has a policy from the start (ARM:
 * "you do not need to create role management policies"), so its name must be stable before
 * anything is stored, and stay the same once it is; and a scope holds hundreds of roles, so
 * reads must not write defaults nobody changed.
 */
const NAMESPACE = Buffer.from('4f1c2e0a9b7d4c3e8a6f5b2d1e0c9a87', 'hex');

/** The policy GUID of a role at a scope; the same for every spelling of the scope (ARM compares case-insensitively). */
export function azurePolicyName(scope: string, roleGuid: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${scope.toLowerCase()}|${roleGuid.toLowerCase()}`).digest().subarray(0, 16);
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** ARM's name of the assignment tying a role at a scope to its policy: `{policyGuid}_{roleGuid}`. */
export function azurePolicyAssignmentName(scope: string, roleGuid: string): string {
  return azurePolicyAssignmentNameOf(azurePolicyName(scope, roleGuid), roleGuid);
}

/** The policy an Azure role has at a scope until an admin changes it (`target.scope` canonical). */
export function defaultAzurePolicyAt(target: Pick<AzureRoleTarget, 'scope' | 'roleDefinitionId'>): RolePolicy {
  return defaultAzurePolicy(target, azurePolicyName(target.scope, target.roleDefinitionId));
}
