import type { RolePolicy } from '../domain/policy/types';
import type { Changes } from './changes';
import type { Versioned } from './repository';

/** Role policies, one per role definition (directory scope "/"). */
export interface PolicyRepository {
  get(roleDefinitionId: string): Promise<Versioned<RolePolicy> | undefined>;
  list(): Promise<RolePolicy[]>;
  /** Create-only; false when a policy for the role already exists. */
  create(policy: RolePolicy): Promise<boolean>;
  /** Replaces the policy only if it is unchanged since `etag` was read; throws a 409 DomainError otherwise. */
  replace(policy: RolePolicy, etag: string, changes?: Changes): Promise<void>;
}
