import { odata, type TransactionAction } from '@azure/data-tables';
import { conflict } from '../../domain/errors';
import type { RolePolicy } from '../../domain/policy/types';
import type { PolicyRepository } from '../../ports/policies';
import type { Changes } from '../../ports/changes';
import { directoryRole, type PolicyScope, policyScopeOf } from '../../domain/target';
import { keys } from './keys';
import type { TableOutbox } from './outbox';
import { statusCodeOf, type TableAccess } from './tableAccess';

/** What a policy row holds: the policy as JSON, plus the role id for reading without parsing. */
export type PolicyEntity = {
  partitionKey: string;
  rowKey: string;
  roleDefinitionId: string;
  json: string;
};

/** The scope a policy is kept for, from its own Graph fields (scopeType, scopeId, roleDefinitionId). */
export function scopeOfPolicy(policy: RolePolicy): PolicyScope {
  switch (policy.scopeType) {
    case 'DirectoryRole':
      return policyScopeOf(directoryRole(policy.roleDefinitionId, policy.scopeId));
    default: {
      const never: never = policy.scopeType;
      throw new Error(`Unknown policy scope type ${String(never)}`);
    }
  }
}

export function toPolicyEntity(policy: RolePolicy): PolicyEntity {
  return { ...keys.policy(scopeOfPolicy(policy)), roleDefinitionId: policy.roleDefinitionId, json: JSON.stringify(policy) };
}

export function fromPolicyEntity(entity: PolicyEntity): RolePolicy {
  const policy = JSON.parse(entity.json) as RolePolicy;
  if (typeof policy.id !== 'string' || !Array.isArray(policy.rules) || policy.roleDefinitionId !== entity.roleDefinitionId) {
    throw new Error(`Stored policy for role ${entity.roleDefinitionId} is malformed.`);
  }
  return policy;
}

const TABLE = 'Policies';

export function tablePolicyRepository(tables: TableAccess, outbox?: TableOutbox): PolicyRepository {
  return {
    async get(scope) {
      const table = await tables.table(TABLE);
      const k = keys.policy(scope);
      try {
        const entity = await table.getEntity<PolicyEntity>(k.partitionKey, k.rowKey);
        return { value: fromPolicyEntity(entity), etag: entity.etag };
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async list(kind) {
      const table = await tables.table(TABLE);
      const out: RolePolicy[] = [];
      for await (const e of table.listEntities<PolicyEntity & { kind?: string }>({ queryOptions: { filter: odata`PartitionKey eq ${keys.policyPartition(kind)}` } })) {
        // The partition also holds the outbox rows of policy changes not yet relayed.
        if (e.kind === 'outbox' || e.kind === 'outaudit') continue;
        out.push(fromPolicyEntity(e));
      }
      return out;
    },
    async create(policy) {
      const table = await tables.table(TABLE);
      try {
        await table.createEntity(toPolicyEntity(policy));
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 409) return false;
        throw error;
      }
    },
    async replace(policy, etag, changes: Changes = {}) {
      const table = await tables.table(TABLE);
      if ((changes.events?.length ?? 0) + (changes.audit?.length ?? 0) > 0 && !outbox) throw new Error('This policy repository has no outbox to record changes in.');
      const entity = toPolicyEntity(policy);
      try {
        const update: TransactionAction = ['update', entity, 'Replace', { etag }];
        await (outbox ? outbox.submit(TABLE, entity.partitionKey, [update], changes) : table.submitTransaction([update]));
      } catch (error) {
        if (statusCodeOf(error) === 412 || statusCodeOf(error) === 404) {
          throw conflict('Another change to this policy was saved while yours was being made. Reload the policy and apply your change again.', 'ConcurrentModification');
        }
        throw error;
      }
    },
  };
}
