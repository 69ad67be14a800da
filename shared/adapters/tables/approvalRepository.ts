import { odata, type TransactionAction } from '@azure/data-tables';
import type { Approval } from '../../domain/approval';
import { conflict } from '../../domain/errors';
import type { ApprovalRepository } from '../../ports/approvals';
import type { DomainEvent } from '../../domain/events';
import { keys } from './keys';
import type { TableOutbox } from './outbox';
import { statusCodeOf, type TableAccess } from './tableAccess';

const TABLE = 'Schedules';

type ApprovalEntity = { partitionKey: string; rowKey: string; kind: 'approval'; json: string };

/** Approvals live in their request's slot partition, next to the schedule they decide. */
function toEntity(a: Approval): ApprovalEntity {
  return {
    partitionKey: keys.slotPartition('assignment', a.principalId, a.roleDefinitionId, a.directoryScopeId),
    rowKey: keys.approvalRow(a.id),
    kind: 'approval',
    json: JSON.stringify(a),
  };
}

function fromEntity(e: ApprovalEntity): Approval {
  const a = JSON.parse(e.json) as Approval;
  if (typeof a.id !== 'string' || !Array.isArray(a.steps)) throw new Error(`Malformed approval row ${e.rowKey}`);
  return a;
}

export function tableApprovalRepository(tables: TableAccess, outbox?: TableOutbox): ApprovalRepository {
  /** The approval's row and its events' outbox rows in one transaction (same partition), then the relay. */
  async function commit(action: TransactionAction, entity: ApprovalEntity, events: DomainEvent[]): Promise<void> {
    if (events.length > 0 && !outbox) throw new Error('This approval repository has no outbox to record events in.');
    const table = await tables.table(TABLE);
    await table.submitTransaction([action, ...(outbox?.rows(entity.partitionKey, events) ?? [])]);
    await outbox?.committed(TABLE, entity.partitionKey, events);
  }

  return {
    async get(id) {
      const table = await tables.table(TABLE);
      for await (const e of table.listEntities<ApprovalEntity>({ queryOptions: { filter: odata`RowKey eq ${keys.approvalRow(id)}` } })) {
        return { value: fromEntity(e), etag: e.etag };
      }
      return undefined;
    },
    async create(approval, events = []) {
      const entity = toEntity(approval);
      await commit(['create', entity], entity, events);
    },
    async replace(approval, etag, events = []) {
      const entity = toEntity(approval);
      try {
        await commit(['update', entity, 'Replace', { etag }], entity, events);
      } catch (error) {
        if (statusCodeOf(error) === 412) throw conflict('The approval was decided by someone else meanwhile. Reload it to see the decision.', 'ConcurrentModification');
        throw error;
      }
    },
    async list() {
      const table = await tables.table(TABLE);
      const out: Approval[] = [];
      for await (const e of table.listEntities<ApprovalEntity>({ queryOptions: { filter: odata`kind eq ${'approval'}` } })) out.push(fromEntity(e));
      return out;
    },
  };
}
