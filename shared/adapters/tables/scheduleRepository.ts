import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { conflict, DomainError } from '../../domain/errors';
import { isLive, type Schedule, type ScheduleKind, type ScheduleRequest, type Slot } from '../../domain/schedules';
import type { ScheduleRepository } from '../../ports/schedules';
import type { DomainEvent } from '../../domain/events';
import { keys } from './keys';
import type { TableOutbox } from './outbox';
import { statusCodeOf, type TableAccess } from './tableAccess';

const TABLE = 'Schedules';

/** Row kinds in a slot's partition: the slot row, its schedules, and the requests on it. */
const SLOT_ROW = keys.slotRow;
const scheduleRow = keys.scheduleRow;
const requestRow = keys.requestRow;

export function slotPartition(kind: ScheduleKind, slot: Slot): string {
  return keys.slotPartition(kind, slot.principalId, slot.roleDefinitionId, slot.directoryScopeId);
}

type SlotEntity = {
  partitionKey: string;
  rowKey: string;
  liveScheduleId: string;
  claimedAt: string;
};

/**
 * A claim whose schedule row never appeared is from a creation that was interrupted; after this
 * long it no longer holds the slot. (A creation writes its schedule milliseconds after claiming.)
 */
const ABANDONED_CLAIM_MS = 60_000;

type JsonEntity = {
  partitionKey: string;
  rowKey: string;
  kind: ScheduleKind;
  json: string;
};

export function toScheduleEntity(s: Schedule): JsonEntity {
  return { partitionKey: slotPartition(s.kind, s), rowKey: scheduleRow(s.id), kind: s.kind, json: JSON.stringify(s) };
}

export function fromScheduleEntity(e: JsonEntity): Schedule {
  const s = JSON.parse(e.json) as Schedule;
  if (typeof s.id !== 'string' || s.kind !== e.kind || typeof s.startDateTime !== 'string') throw new Error(`Malformed schedule row ${e.rowKey}`);
  return s;
}

export function toRequestEntity(r: ScheduleRequest): JsonEntity {
  return { partitionKey: slotPartition(r.kind, r), rowKey: requestRow(r.id), kind: r.kind, json: JSON.stringify(r) };
}

export function fromRequestEntity(e: JsonEntity): ScheduleRequest {
  const r = JSON.parse(e.json) as ScheduleRequest;
  if (typeof r.id !== 'string' || r.kind !== e.kind || typeof r.action !== 'string') throw new Error(`Malformed request row ${e.rowKey}`);
  return r;
}

const changedMeanwhile = () =>
  conflict('This assignment was changed by another request while yours was being processed. Reload it and try again.', 'ConcurrentModification');

export function tableScheduleRepository(tables: TableAccess, outbox?: TableOutbox): ScheduleRepository {
  const table = () => tables.table(TABLE);

  /** Writes the actions and the events' outbox rows in one transaction, then relays the events. */
  async function commit(client: TableClient, pk: string, actions: TransactionAction[], events: DomainEvent[]): Promise<void> {
    if (events.length > 0 && !outbox) throw new Error('This schedule repository has no outbox to record events in.');
    await client.submitTransaction([...actions, ...(outbox?.rows(pk, events) ?? [])]);
    await outbox?.committed(TABLE, pk, events);
  }

  async function readSlot(client: TableClient, pk: string) {
    try {
      return await client.getEntity<SlotEntity>(pk, SLOT_ROW);
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  async function readSchedule(client: TableClient, pk: string, id: string) {
    if (!id) return undefined;
    try {
      return fromScheduleEntity(await client.getEntity<JsonEntity>(pk, scheduleRow(id)));
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Conditional write of the slot row: the lock that serialises changes to one slot. */
  async function writeSlot(client: TableClient, pk: string, liveScheduleId: string, etag: string | undefined): Promise<string> {
    try {
      const entity = { partitionKey: pk, rowKey: SLOT_ROW, liveScheduleId, claimedAt: new Date().toISOString() };
      const result = etag ? await client.updateEntity(entity, 'Replace', { etag }) : await client.createEntity(entity);
      return result.etag ?? '';
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 409 || status === 412 || status === 404) throw changedMeanwhile();
      throw error;
    }
  }

  async function list<T>(kind: ScheduleKind, prefix: string, map: (e: JsonEntity) => T): Promise<T[]> {
    const client = await table();
    const out: T[] = [];
    const filter = odata`kind eq ${kind} and RowKey ge ${prefix} and RowKey lt ${`${prefix}~`}`;
    for await (const e of client.listEntities<JsonEntity>({ queryOptions: { filter } })) out.push(map(e));
    return out;
  }

  return {
    async liveInSlot(kind, slot) {
      const client = await table();
      const pk = slotPartition(kind, slot);
      const slotRow = await readSlot(client, pk);
      if (!slotRow) return undefined;
      const schedule = await readSchedule(client, pk, slotRow.liveScheduleId);
      // A slot that points at an ended schedule is free; one that points at a schedule not yet
      // written is being created right now (or was abandoned; create() decides which).
      return schedule && isLive(schedule) ? { value: schedule, etag: slotRow.etag } : undefined;
    },

    async create(schedule, request, events = []) {
      const client = await table();
      const pk = slotPartition(schedule.kind, schedule);
      const slotRow = await readSlot(client, pk);
      if (slotRow) {
        const current = await readSchedule(client, pk, slotRow.liveScheduleId);
        if (current && isLive(current)) return false;
        const claimAge = Date.now() - Date.parse(slotRow.claimedAt ?? '');
        if (!current && slotRow.liveScheduleId && !(claimAge > ABANDONED_CLAIM_MS)) return false;
      }
      try {
        await writeSlot(client, pk, schedule.id, slotRow?.etag);
      } catch (error) {
        // Another request claimed the slot between our read and our write.
        if (error instanceof DomainError && error.status === 409) return false;
        throw error;
      }
      await commit(client, pk, [
        ['create', toScheduleEntity(schedule)],
        ['create', toRequestEntity(request)],
      ], events);
      return true;
    },

    async update(schedule, version, request, events = []) {
      const client = await table();
      const pk = slotPartition(schedule.kind, schedule);
      // Claim the slot at the version that was read; only one concurrent change gets past here.
      const claimed = await writeSlot(client, pk, schedule.id, version);
      const actions: TransactionAction[] = [['update', toScheduleEntity(schedule), 'Replace']];
      if (request) actions.push(['upsert', toRequestEntity(request), 'Replace']);
      await commit(client, pk, actions, events);
      if (!isLive(schedule)) await writeSlot(client, pk, '', claimed);
    },

    async saveEnded(schedule, events = []) {
      if (isLive(schedule)) throw new Error(`Schedule ${schedule.id} is live; change it through update().`);
      const client = await table();
      const entity = toScheduleEntity(schedule);
      await commit(client, entity.partitionKey, [['upsert', entity, 'Replace']], events);
    },

    async saveRequest(request, events = []) {
      const client = await table();
      const entity = toRequestEntity(request);
      await commit(client, entity.partitionKey, [['upsert', entity, 'Replace']], events);
    },

    async getRequest(kind, id) {
      return (await list(kind, requestRow(id), fromRequestEntity)).find((r) => r.id === id);
    },
    listRequests: (kind) => list(kind, 'request|', fromRequestEntity),
    async getSchedule(kind, id) {
      return (await list(kind, scheduleRow(id), fromScheduleEntity)).find((s) => s.id === id);
    },
    listSchedules: (kind) => list(kind, 'schedule|', fromScheduleEntity),
  };
}
