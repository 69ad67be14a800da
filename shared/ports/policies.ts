import type { RolePolicy } from '../domain/policy/types';
import type { PolicyScope, TargetKind } from '../domain/target';
import type { Changes } from './changes';
import type { Versioned } from './repository';

/** Policies, one per (kind of target, scope, role or access id); each knows its own scope from its Graph fields. */
export interface PolicyRepository {
  /** A point read. */
  get(scope: PolicyScope): Promise<Versioned<RolePolicy> | undefined>;
  /**
   * A stored policy by its id, for kinds whose policy ids are not made from the role alone
   * (groups: a guid made at onboarding; Azure roles: ARM's id of the scope's policy): point
   * reads, no scan. Undefined for any other id (a directory role's policy id follows from the
   * role and is found among the roles' policies).
   */
  getById(policyId: string): Promise<Versioned<RolePolicy> | undefined>;
  /** The stored policies of one kind (one partition). */
  list(kind: TargetKind): Promise<RolePolicy[]>;
  /** The stored policies of one kind at exactly one scope (a key range of one partition, not a scan). */
  listAt(kind: TargetKind, scope: string): Promise<RolePolicy[]>;
  /**
   * Create-only; false when a policy for the same scope already exists. With changes, they are
   * stored in the same transaction (an Azure role's policy is first stored when it changes).
   */
  create(policy: RolePolicy, changes?: Changes): Promise<boolean>;
  /** Replaces the policy only if it is unchanged since `etag` was read; throws a 409 DomainError otherwise. */
  replace(policy: RolePolicy, etag: string, changes?: Changes): Promise<void>;
}
