import type { Target, TargetKind } from '../domain/target';

/** Access as it exists in the target system (what actually grants the power). */
export interface Grant {
  /** The target system's id of the grant (e.g. Graph's role assignment id). */
  id: string;
  principalId: string;
  target: Target;
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
   */
  grant(principalId: string, target: Target): Promise<Grant & { created: boolean }>;
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
