import type { GrantCondition } from '../domain/condition';
import type { Target, TargetKind } from '../domain/target';

/** Access as it exists in the target system (what actually grants the power). */
export interface Grant {
  /** The target system's id of the grant (e.g. Graph's role assignment id). */
  id: string;
  principalId: string;
  target: Target;
  /** The ABAC condition the grant carries (Azure role assignments); null or absent: none. */
  condition?: GrantCondition | null;
}

/** How to grant, beyond who and what. */
export interface GrantOptions {
  /**
   * An ABAC condition the grant must carry (Azure roles). A kind that cannot apply one refuses
   * it (400 ConditionNotSupported) rather than grant without it.
   */
  condition?: GrantCondition | null;
}

/**
 * One kind of target's system of record (Entra directory roles through Graph; later group
 * membership and ARM role assignments). Grants and removals are idempotent: granting what is
 * already granted, or removing what is already gone, succeeds.
 */
export interface AccessTarget {
  /**
   * Grants the access, or returns the grant that already exists for the same principal and
   * target (`created` false: it was there before PIM, e.g. made outside PIM, so PIM never removes it).
   * With a condition, PIM's own grant carries it (an existing one of PIM's is changed to it); a
   * grant made outside PIM is never changed, and one that carries another condition is a 409
   * RoleAssignmentExists (riding it would give what it gives, not what was asked).
   */
  grant(principalId: string, target: Target, options?: GrantOptions): Promise<Grant & { created: boolean }>;
  /** Removes the principal's grant of the target; absent is success. */
  revoke(principalId: string, target: Target): Promise<void>;
  /**
   * Grants as they exist now, optionally of one principal and/or only of the given targets
   * (a kind whose grants cannot all be listed, e.g. every group's members, needs one of the two).
   */
  listGrants(filter?: { principalId?: string; targets?: Target[] }): Promise<Grant[]>;
}

/** The adapter for each kind of target; a kind with none is refused with a Graph-shaped 400. */
export interface AccessTargets {
  of(kind: TargetKind): AccessTarget;
}
