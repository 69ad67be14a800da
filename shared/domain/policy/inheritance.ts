import type { RolePolicy } from './types';

/** A scope above the target's, nearest first, with the role's stored policy there (if any). */
export interface AncestorPolicy {
  scope: string;
  policy: RolePolicy | undefined;
}

export interface EffectivePolicy {
  /** The policy whose rules apply. */
  policy: RolePolicy;
  /** The ancestor scope it was inherited from, or null when the scope's own policy applies. */
  inheritedFrom: string | null;
}

/** Whether an admin ever changed the policy (a default, stored or not, never was). */
export function isChanged(policy: RolePolicy): boolean {
  return policy.lastModifiedDateTime !== null;
}

/**
 * The policy that governs an Azure role at a scope. As in Entra, each (scope, role) has its own
 * policy and a subscription's settings do not flow to its resource groups. Beyond Entra, an
 * admin may mark a policy as inherited by the scopes below it: a scope whose own policy no admin
 * ever changed then follows the nearest ancestor's policy that is marked inherited (and was
 * changed: marking it is a change). A changed policy that is not marked inherited is passed
 * over, whatever is above it. Otherwise the scope's own (default) policy applies.
 *
 * `own` is the scope's policy, stored or default; `ancestors` are nearest first.
 */
export function effectivePolicyOf(own: RolePolicy, ancestors: readonly AncestorPolicy[]): EffectivePolicy {
  if (isChanged(own)) return { policy: own, inheritedFrom: null };
  for (const { scope, policy } of ancestors) {
    if (policy && isChanged(policy) && policy.isInheritedBySubscopes === true) return { policy, inheritedFrom: scope };
  }
  return { policy: own, inheritedFrom: null };
}
