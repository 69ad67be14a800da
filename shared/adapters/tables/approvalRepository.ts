import { odata, type TransactionAction } from '@azure/data-tables';
import { type Approval, nextApprovalAttention } from '../../domain/approval';
import { conflict } from '../../domain/errors';
import { STALLED_AFTER_MS } from '../../domain/schedules';
import type { ApprovalRepository } from '../../ports/approvals';
import type { Changes } from '../../ports/changes';
import { DueIndex } from './dueIndex';
import { IdIndex } from './idIndex';
import { keys } from './keys';
import type { TableOutbox } from './outbox';
import { SCHEDULES_TABLE } from './scheduleRepository';
import { statusCodeOf, type TableAccess } from './tableAccess';

const TABLE = SCHEDULES_TABLE;

type ApprovalEntity = { partitionKey: string; rowKey: string; type: 'approval'; kind: 'assignment'; open: boolean; json: string };

/** Approvals live in their requester's partition, next to the request and schedule they decide. */
function toEntity(a: Approval): ApprovalEntity {
  return {
    partitionKey: keys.principalPartition(a.principalId),
    rowKey: keys.approvalRow(a.id),
    type: 'approval',
    kind: 'assignment',
    open: a.status !== 'Completed',
    json: JSON.stringify(a),
  };
}

function fromEntity(e: Pick<ApprovalEntity, 'rowKey' | 'json'>): Approval {
  const a = JSON.parse(e.json) as Approval;
  if (typeof a.id !== 'string' || !Array.isArray(a.steps)) throw new Error(`Malformed approval row ${e.rowKey}`);
  return a;
}

export function tableApprovalRepository(tables: TableAccess, outbox?: TableOutbox): ApprovalRepository {
  const ids = new IdIndex(tables);
  const due = new DueIndex(tables);

  /** The approval's row and its changes' outbox rows in one transaction (same partition), then the relay. */
  async function commit(action: TransactionAction, entity: ApprovalEntity, approval: Approval, changes: Changes): Promise<void> {
    const relayed = (changes.events?.length ?? 0) + (changes.audit?.length ?? 0) > 0;
    if (relayed && !outbox) throw new Error('This approval repository has no outbox to record changes in.');
    // Filed before the write that needs it: the reconcile pass escalates or times the stage out.
    const at = nextApprovalAttention(approval, STALLED_AFTER_MS);
    if (at) await due.add(at, 'approval', entity.partitionKey, `assignment|${approval.id}`);
    if (outbox) await outbox.submit(TABLE, entity.partitionKey, [action], changes);
    else await (await tables.table(TABLE)).submitTransaction([action]);
  }

  return {
    async get(id) {
      const at = await ids.find(id);
      if (!at) return undefined;
      const table = await tables.table(TABLE);
      try {
        const e = await table.getEntity<ApprovalEntity>(at.partitionKey, keys.approvalRow(id));
        return { value: fromEntity(e), etag: e.etag };
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async create(approval, changes = {}) {
      const entity = toEntity(approval);
      // The approval's id is its request's, so the request's index entry already points here.
      await ids.add([{ id: approval.id, location: { partitionKey: entity.partitionKey } }]);
      await commit(['create', entity], entity, approval, changes);
    },
    async replace(approval, etag, changes = {}) {
      const entity = toEntity(approval);
      try {
        await commit(['update', entity, 'Replace', { etag }], entity, approval, changes);
      } catch (error) {
        if (statusCodeOf(error) === 412 || statusCodeOf(error) === 404) throw conflict('The approval was decided by someone else meanwhile. Reload it to see the decision.', 'ConcurrentModification');
        throw error;
      }
    },
    async listOpen() {
      const table = await tables.table(TABLE);
      const out: Approval[] = [];
      for await (const e of table.listEntities<ApprovalEntity>({ queryOptions: { filter: odata`type eq ${'approval'} and open eq true` } })) out.push(fromEntity(e));
      return out;
    },
  };
}
