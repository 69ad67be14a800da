/**
 * Ids of Azure role policies, as ARM spells them:
 * `{scope}/providers/Microsoft.Authorization/roleManagementPolicies/{guid}` and the assignment
 * `{scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{policyGuid}_{roleGuid}`.
 * The policy GUID ('name') of a role at a scope is made outside the domain (see
 * shared/app/azurePolicyNames.ts), which keeps these functions pure.
 */
const PROVIDER = '/providers/Microsoft.Authorization';

/** ARM's id of the policy `name` at `scope` (the scope as given, canonical by the caller). */
export function azurePolicyIdFor(scope: string, name: string): string {
  return `${scope}${PROVIDER}/roleManagementPolicies/${name}`;
}

/** ARM's name of the assignment tying a role to its policy: `{policyGuid}_{roleGuid}`. */
export function azurePolicyAssignmentNameOf(policyName: string, roleGuid: string): string {
  return `${policyName.toLowerCase()}_${roleGuid.toLowerCase()}`;
}

/** ARM's id of that assignment at `scope`. */
export function azurePolicyAssignmentIdFor(scope: string, assignmentName: string): string {
  return `${scope}${PROVIDER}/roleManagementPolicyAssignments/${assignmentName}`;
}
