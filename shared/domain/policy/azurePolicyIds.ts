import { createHash } from 'node:crypto';

/**
 * Names and ids of Azure role policies, as ARM spells them:
 * `{scope}/providers/Microsoft.Authorization/roleManagementPolicies/{guid}` and the assignment
 * `{scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{policyGuid}_{roleGuid}`.
 *
 * Why a name-based GUID (RFC 4122 version 5) of (scope, role): every role at every scope has a
 * policy from the start (ARM: "you do not need to create role management policies"), so its
 * name must be stable before anything is stored, and stay the same once it is. A scope holds
 * hundreds of roles; deriving the name keeps reads from writing defaults nobody changed.
 */
const NAMESPACE = Buffer.from('4f1c2e0a9b7d4c3e8a6f5b2d1e0c9a87', 'hex');

const PROVIDER = '/providers/Microsoft.Authorization';

/** The policy GUID ('name') of a role at a scope; the same for every spelling of the scope (ARM compares case-insensitively). */
export function azurePolicyName(scope: string, roleGuid: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${scope.toLowerCase()}|${roleGuid.toLowerCase()}`).digest().subarray(0, 16);
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** ARM's id of the policy `name` at `scope` (the scope as given, canonical by the caller). */
export function azurePolicyIdFor(scope: string, name: string): string {
  return `${scope}${PROVIDER}/roleManagementPolicies/${name}`;
}

/** ARM's name of the assignment tying a role at a scope to its policy: `{policyGuid}_{roleGuid}`. */
export function azurePolicyAssignmentName(scope: string, roleGuid: string): string {
  return `${azurePolicyName(scope, roleGuid)}_${roleGuid.toLowerCase()}`;
}

/** ARM's id of that assignment. */
export function azurePolicyAssignmentIdFor(scope: string, roleGuid: string): string {
  return `${scope}${PROVIDER}/roleManagementPolicyAssignments/${azurePolicyAssignmentName(scope, roleGuid)}`;
}
