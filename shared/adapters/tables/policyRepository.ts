import { odata, type TransactionAction } from '@azure/data-tables';
import { conflict } from '../../domain/errors';
import type { RolePolicy } from '../../domain/policy/types';
import type { PolicyRepository } from '../../ports/policies';
import type { Changes } from '../../ports/changes';
import { targetOfPolicy } from '../../domain/policy/governs';
import { type PolicyScope, policyScopeOf, type TargetKind } from '../../domain/target';
import { keys } from './keys';
import type { TableOutbox } from './outbox';
import { statusCodeOf, type TableAccess } from './tableAccess';

/** What a policy row holds: the policy as JSON, plus the role id (or group access) for reading without parsing. */
export type PolicyEntity = {
  partitionKey: string;
  rowKey: string;
  roleDefinitionId: string;
  json: string;
};

/** The scope a policy is kept for, from its own Graph fields (scopeType, scopeId, roleDefinitionId). */
export function scopeOfPolicy(policy: RolePolicy): PolicyScope {
  return policyScopeOf(targetOfPolicy(policy));
}

/** Points from a policy id to the row of the policy (see `keys.policyIdRow`). */
export type PolicyIdEntity = {
  partitionKey: string;
  rowKey: string;
  kind: 'policyId';
  policyRowKey: string;
};

/**
 * Kinds whose stored policies have an id row beside them, and how their ids look: a group's
 * policy id carries a guid made at onboarding (`Group_…`), an Azure role's is ARM's full id
 * (`/{scope}/providers/…`). A directory role's policy id follows from the role: it needs no row.
 */
const KINDS_FOUND_BY_ID: ReadonlyArray<{ kind: TargetKind; idPattern: RegExp }> = [
  { kind: 'group', idPattern: /^Group_/i },
  { kind: 'azureRole', idPattern: /^\// },
];

const keptById = (kind: TargetKind) => KINDS_FOUND_BY_ID.some((k) => k.kind === kind);

/** Well under the 1 KiB (512 UTF-16 characters) a Table key may hold; Entra's group policy ids are under 100, ARM's at a resource group about 200 escaped. */
const MAX_ID_ROW_KEY = 400;

function toPolicyIdEntity(policy: RolePolicy, policyRow: { partitionKey: string; rowKey: string }): PolicyIdEntity {
  const scope = scopeOfPolicy(policy);
  return { ...keys.policyIdRow(scope.kind, policy.id), kind: 'policyId', policyRowKey: policyRow.rowKey };
}

export function toPolicyEntity(policy: RolePolicy): PolicyEntity {
  // Where an effective policy came from is worked out on each read, never kept.
  const { inheritedFrom: _inheritedFrom, ...stored } = policy;
  return { ...keys.policy(scopeOfPolicy(policy)), roleDefinitionId: policy.roleDefinitionId, json: JSON.stringify(stored) };
}

export function fromPolicyEntity(entity: PolicyEntity): RolePolicy {
  const policy = JSON.parse(entity.json) as RolePolicy;
  if (typeof policy.id !== 'string' || !Array.isArray(policy.rules) || policy.roleDefinitionId !== entity.roleDefinitionId) {
    throw new Error(`Stored policy for ${entity.roleDefinitionId} (${entity.rowKey}) is malformed.`);
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
    async getById(policyId) {
      const table = await tables.table(TABLE);
      for (const { kind } of KINDS_FOUND_BY_ID.filter((k) => k.idPattern.test(policyId))) {
        const k = keys.policyIdRow(kind, policyId);
        // Table keys hold at most 1 KiB; a longer id (from a URL) names no policy and must not reach storage as a 400.
        if (k.rowKey.length > MAX_ID_ROW_KEY) continue;
        const pointer = await table.getEntity<PolicyIdEntity>(k.partitionKey, k.rowKey).catch((error: unknown) => {
          if (statusCodeOf(error) === 404) return undefined;
          throw error;
        });
        if (!pointer) continue;
        // An id row and its policy are created in one transaction and neither is ever deleted: the row it names is there.
        const entity = await table.getEntity<PolicyEntity>(k.partitionKey, pointer.policyRowKey);
        return { value: fromPolicyEntity(entity), etag: entity.etag };
      }
      return undefined;
    },
    async list(kind) {
      const table = await tables.table(TABLE);
      const out: RolePolicy[] = [];
      for await (const e of table.listEntities<PolicyEntity & { kind?: string }>({ queryOptions: { filter: odata`PartitionKey eq ${keys.policyPartition(kind)}` } })) {
        // The partition also holds the outbox rows of policy changes not yet relayed, and id rows.
        if (e.kind === 'outbox' || e.kind === 'outaudit' || e.kind === 'policyId') continue;
        out.push(fromPolicyEntity(e));
      }
      return out;
    },
    async listAt(kind, scope) {
      const table = await tables.table(TABLE);
      const range = keys.policyScopeRange(kind, scope);
      const out: RolePolicy[] = [];
      const filter = odata`PartitionKey eq ${range.partitionKey} and RowKey ge ${range.from} and RowKey lt ${range.to}`;
      // The range holds this scope's policy rows only: id rows start with 'id|', outbox rows with 'out'.
      for await (const e of table.listEntities<PolicyEntity>({ queryOptions: { filter } })) out.push(fromPolicyEntity(e));
      return out;
    },
    async create(policy, changes: Changes = {}) {
      const table = await tables.table(TABLE);
      const entity = toPolicyEntity(policy);
      const actions: TransactionAction[] = [['create', entity]];
      // One transaction: the id row exists exactly when its policy does, and a racing create of the same scope fails whole.
      if (keptById(scopeOfPolicy(policy).kind)) actions.push(['create', toPolicyIdEntity(policy, entity)]);
      try {
        if (!isEmpty(changes)) {
          if (!outbox) throw new Error('This policy repository has no outbox to record changes in.');
          await outbox.submit(TABLE, entity.partitionKey, actions, changes);
        } else if (actions.length > 1) {
          await table.submitTransaction(actions);
        } else {
          await table.createEntity(entity);
        }
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 409) return false;
        throw error;
      }
    },
    async replace(policy, etag, changes: Changes = {}) {
      const table = await tables.table(TABLE);
      if (!isEmpty(changes) && !outbox) throw new Error('This policy repository has no outbox to record changes in.');
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

const isEmpty = (changes: Changes) => (changes.events?.length ?? 0) + (changes.audit?.length ?? 0) === 0;
