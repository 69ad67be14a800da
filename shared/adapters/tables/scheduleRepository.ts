import { odata, type TableClient, type TableTransactionResponse, type TransactionAction } from '@azure/data-tables';
import { conflict } from '../../domain/errors';
import {
  DEFAULT_EXPIRY_NOTICE,
  type ExpiryNotice,
  isLive,
  nextAttention,
  type Schedule,
  type ScheduleKind,
  type ScheduleRequest,
  type Slot,
} from '../../domain/schedules';
import { atScope, covers, scopeAndAncestors } from '../../domain/target';
import type { Changes } from '../../ports/changes';
import type { Versioned } from '../../ports/repository';
import type { DueWork, ScheduleRepository } from '../../ports/schedules';
import { DueIndex } from './dueIndex';
import { IdIndex } from './idIndex';
import { keys } from './keys';
import type { TableOutbox } from './outbox';
import { statusCodeOf, type TableAccess } from './tableAccess';

export const SCHEDULES_TABLE = 'Schedules';
const TABLE = SCHEDULES_TABLE;

/** Row types in a principal's partition. */
type RowType = 'slot' | 'schedule' | 'request' | 'approval';

export type JsonEntity = {
  partitionKey: string;
  rowKey: string;
  type: RowType;
  kind: ScheduleKind;
  /** On slot rows: whether the schedule they hold is live (the slot is taken). */
  live?: boolean;
  json: string;
};

export function partitionOf(principalId: string): string {
  return keys.principalPartition(principalId);
}

export function liveRowOf(kind: ScheduleKind, slot: Slot): string {
  return keys.liveRow(kind, slot.target);
}

/** The slot row: the slot's latest schedule; while that is live, the slot is taken and the row is its lock. */
function slotEntity(s: Schedule): JsonEntity {
  return { partitionKey: partitionOf(s.principalId), rowKey: liveRowOf(s.kind, s), type: 'slot', kind: s.kind, live: isLive(s), json: JSON.stringify(s) };
}

function endedEntity(s: Schedule): JsonEntity {
  return { partitionKey: partitionOf(s.principalId), rowKey: keys.scheduleRow(s.id), type: 'schedule', kind: s.kind, json: JSON.stringify(s) };
}

export function toRequestEntity(r: ScheduleRequest): JsonEntity {
  return { partitionKey: partitionOf(r.principalId), rowKey: keys.requestRow(r.id), type: 'request', kind: r.kind, json: JSON.stringify(r) };
}

export function fromScheduleEntity(e: Pick<JsonEntity, 'rowKey' | 'kind' | 'json'>): Schedule {
  const s = JSON.parse(e.json) as Schedule;
  if (typeof s.id !== 'string' || s.kind !== e.kind || typeof s.startDateTime !== 'string') throw new Error(`Malformed schedule row ${e.rowKey}`);
  return s;
}

export function fromRequestEntity(e: Pick<JsonEntity, 'rowKey' | 'kind' | 'json'>): ScheduleRequest {
  const r = JSON.parse(e.json) as ScheduleRequest;
  if (typeof r.id !== 'string' || r.kind !== e.kind || typeof r.action !== 'string') throw new Error(`Malformed request row ${e.rowKey}`);
  return r;
}

const changedMeanwhile = () =>
  conflict('This assignment was changed by another request while yours was being processed. Reload it and try again.', 'ConcurrentModification');

/** A request still waiting on a workflow (approval, or the grant): the reconcile pass checks on it. */
function awaitsWorkflow(r: ScheduleRequest | undefined): boolean {
  return r?.action === 'selfActivate' && (r.status === 'PendingApproval' || r.status === 'Granted');
}

/**
 * Slot rows seen free, with their ETags, so taking one again (the next activation of the same
 * role) is one conditional write, not a failed create and a read. Only a hint: a stale ETag
 * fails the write, and the claim reads the row and tries again.
 */
class FreeSlots {
  private readonly etags = new Map<string, string>();
  remember(key: string, etag: string): void {
    if (this.etags.size >= 10_000) this.etags.clear();
    this.etags.set(key, etag);
  }
  take(key: string): string | undefined {
    const etag = this.etags.get(key);
    this.etags.delete(key);
    return etag;
  }
}

export interface ScheduleRepositoryOptions {
  /** How early holders are told an end is near (decides when the reconcile pass looks). */
  expiryNotice?: ExpiryNotice;
}

/**
 * Schedules in Table Storage, one partition per principal:
 * - `live|{kind}|{target}`: the slot row, holding the slot's latest schedule; while that is live
 *   the row is the slot's lock (created when first taken, always replaced at its ETag);
 * - `schedule|{id}`: a schedule that has ended (history, out of the hot paths);
 * - `request|{id}`, `approval|{id}`, and the outbox rows of commits not yet relayed.
 * The id index makes a read by id a point read; the due index tells the reconcile pass when to
 * look at a schedule (filed before each write, at `nextAttention`).
 */
export function tableScheduleRepository(tables: TableAccess, outbox?: TableOutbox, options: ScheduleRepositoryOptions = {}): ScheduleRepository {
  const table = () => tables.table(TABLE);
  const ids = new IdIndex(tables);
  const due = new DueIndex(tables);
  const notice = options.expiryNotice ?? DEFAULT_EXPIRY_NOTICE;
  const freeSlots = new FreeSlots();

  /** Writes the actions and the changes' outbox rows in one transaction, then relays the changes. */
  async function commit(client: TableClient, pk: string, actions: TransactionAction[], changes: Changes): Promise<TableTransactionResponse> {
    const relayed = (changes.events?.length ?? 0) + (changes.audit?.length ?? 0) > 0;
    if (relayed && !outbox) throw new Error('This schedule repository has no outbox to record changes in.');
    return outbox ? outbox.submit(TABLE, pk, actions, changes) : client.submitTransaction(actions);
  }

  /** What this process filed last per schedule: filing the same moment again is a no-op, so it is skipped. */
  const filed = new Map<string, string>();

  /** Files the schedule with the reconcile pass at its next moment of attention, before the write that needs it. */
  async function fileAttention(s: Schedule, request: ScheduleRequest | undefined): Promise<void> {
    const at = nextAttention(s, notice, new Date(), awaitsWorkflow(request));
    if (!at || filed.get(s.id) === at.toISOString()) return;
    await due.add(at, 'settle', partitionOf(s.principalId), `${s.kind}|${s.id}`);
    if (filed.size > 10_000) filed.clear();
    filed.set(s.id, at.toISOString());
  }

  async function read(client: TableClient, pk: string, rk: string): Promise<(JsonEntity & { etag: string }) | undefined> {
    try {
      return await client.getEntity<JsonEntity>(pk, rk);
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** The ETag each request was last read or written at (a hint: a stale one fails the write, and callers re-read). */
  const requestVersions = new Map<string, string>();
  function noteRequestVersion(id: string, etag: string | undefined): void {
    if (requestVersions.size > 20_000) requestVersions.clear();
    if (etag) requestVersions.set(id, etag);
    else requestVersions.delete(id);
  }

  /**
   * The request row: created when new (create-only), replaced when it exists at the version
   * last read. A request this process has not seen is indexed first, which tells which it is.
   */
  async function requestAction(request: ScheduleRequest, schedule?: Schedule): Promise<TransactionAction> {
    const pk = partitionOf(request.principalId);
    if (!schedule) {
      const isNew = await ids.claim(request.id, { partitionKey: pk });
      if (isNew) return ['create', toRequestEntity(request)];
      let etag = requestVersions.get(request.id);
      if (!etag) {
        // Changed without a read in this process (rare): read its version now, so the write stays conditional.
        const row = await read(await table(), pk, keys.requestRow(request.id));
        if (!row) throw changedMeanwhile();
        etag = row.etag;
      }
      return ['update', toRequestEntity(request), 'Replace', { etag }];
    }
    // The request's entry names its slot row too, so the request and its schedule read in one go.
    const location = { partitionKey: pk, liveRow: liveRowOf(schedule.kind, schedule) };
    await ids.add([
      { id: request.id, location },
      { id: schedule.id, location },
    ]);
    return ['create', toRequestEntity(request)];
  }

  async function query(filter: string): Promise<JsonEntity[]> {
    const client = await table();
    const out: JsonEntity[] = [];
    for await (const e of client.listEntities<JsonEntity>({ queryOptions: { filter } })) out.push(e);
    return out;
  }

  return {
    async liveInSlot(kind, slot) {
      const client = await table();
      const rk = liveRowOf(kind, slot);
      const row = await read(client, partitionOf(slot.principalId), rk);
      if (!row) return undefined;
      const schedule = fromScheduleEntity(row);
      if (isLive(schedule)) return { value: schedule, etag: row.etag };
      freeSlots.remember(`${row.partitionKey}|${rk}`, row.etag);
      return undefined;
    },

    async liveCovering(kind, slot, scopes = scopeAndAncestors(slot.target)) {
      const found = await Promise.all(scopes.map((scope) => this.liveInSlot(kind, { principalId: slot.principalId, target: atScope(slot.target, scope) })));
      return found.filter((s): s is Versioned<Schedule> => s !== undefined && covers(s.value.target, slot.target, scopes));
    },

    async create(schedule, request, changes = {}) {
      if (!isLive(schedule)) throw new Error(`Schedule ${schedule.id} is not live; only live schedules take a slot.`);
      const client = await table();
      const pk = partitionOf(schedule.principalId);
      const requestRow = await requestAction(request, schedule);
      const noteRequest = (r: TableTransactionResponse) => noteRequestVersion(request.id, r.subResponses[1]?.etag);
      await fileAttention(schedule, request);
      const slot = slotEntity(schedule);
      const slotKey = `${pk}|${slot.rowKey}`;
      // Why: writing the slot row is the claim: created when new, or replaced at the ETag it had
      // when it was seen free. Of concurrent claimants exactly one succeeds.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const freeAt = freeSlots.take(slotKey);
        const claim: TransactionAction = freeAt ? ['update', slot, 'Replace', { etag: freeAt }] : ['create', slot];
        try {
          noteRequest(await commit(client, pk, [claim, requestRow], changes));
          return true;
        } catch (error) {
          const status = statusCodeOf(error);
          if (status !== 409 && status !== 412 && status !== 404) throw error;
        }
        // Lost, or our idea of the slot was stale: taken now means taken; free means try at its ETag.
        const row = await read(client, pk, slot.rowKey);
        if (row && isLive(fromScheduleEntity(row))) return false;
        if (row) freeSlots.remember(slotKey, row.etag);
      }
      return false;
    },

    async update(schedule, version, request, changes = {}) {
      const client = await table();
      const pk = partitionOf(schedule.principalId);
      // Ending frees the slot, and the schedule gets its own (history) row.
      const slot = slotEntity(schedule);
      const actions: TransactionAction[] = [['update', slot, 'Replace', { etag: version }]];
      if (!isLive(schedule)) actions.push(['create', endedEntity(schedule)]);
      const requestAt = actions.length;
      if (request) actions.push(await requestAction(request));
      await fileAttention(schedule, request);
      try {
        const response = await commit(client, pk, actions, changes);
        // Sub-responses come in the order of the actions (an update's carries no row key).
        const freedAt = response.subResponses[0]?.etag;
        if (!isLive(schedule) && freedAt) freeSlots.remember(`${pk}|${slot.rowKey}`, freedAt);
        if (request) noteRequestVersion(request.id, response.subResponses[requestAt]?.etag);
      } catch (error) {
        const status = statusCodeOf(error);
        if (request) requestVersions.delete(request.id);
        if (status === 409 || status === 412 || status === 404) throw changedMeanwhile();
        throw error;
      }
    },

    async saveEnded(schedule, changes = {}) {
      if (isLive(schedule)) throw new Error(`Schedule ${schedule.id} is live; change it through update().`);
      const client = await table();
      const entity = endedEntity(schedule);
      const current = await read(client, entity.partitionKey, entity.rowKey);
      if (!current) throw changedMeanwhile();
      // Why: two passes settling the same ended schedule at once (the removal's own and its
      // workflow's) reach the same state; the second is a no-op, so nothing is recorded twice.
      const stored = fromScheduleEntity(current);
      if (stored.status === schedule.status && stored.roleAssignmentOriginId === schedule.roleAssignmentOriginId) return;
      // Otherwise conditional on the version just read.
      await fileAttention(schedule, undefined);
      try {
        await commit(client, entity.partitionKey, [['update', entity, 'Replace', { etag: current.etag }]], changes);
      } catch (error) {
        if (statusCodeOf(error) === 412 || statusCodeOf(error) === 404) throw changedMeanwhile();
        throw error;
      }
    },

    async saveRequest(request, changes = {}) {
      const client = await table();
      try {
        const response = await commit(client, partitionOf(request.principalId), [await requestAction(request)], changes);
        noteRequestVersion(request.id, response.subResponses[0]?.etag);
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 412 || status === 409 || status === 404) {
          requestVersions.delete(request.id);
          throw changedMeanwhile();
        }
        throw error;
      }
    },

    async getRequest(kind, id) {
      const at = await ids.find(id);
      if (!at) return undefined;
      const row = await read(await table(), at.partitionKey, keys.requestRow(id));
      if (!row || row.kind !== kind) return undefined;
      noteRequestVersion(id, row.etag);
      return fromRequestEntity(row);
    },

    async getRequestWithSchedule(kind, id) {
      const at = await ids.find(id);
      if (!at) return undefined;
      if (!at.liveRow) {
        const request = await this.getRequest(kind, id);
        if (!request) return undefined;
        return { request, schedule: request.targetScheduleId ? await this.getSchedule(kind, request.targetScheduleId) : undefined };
      }
      // The request and its slot, read at once (point reads: a query would cost what the partition holds).
      const client = await table();
      const [requestRow, slotRow] = await Promise.all([read(client, at.partitionKey, keys.requestRow(id)), read(client, at.partitionKey, at.liveRow)]);
      if (!requestRow || requestRow.kind !== kind) return undefined;
      const request = fromRequestEntity(requestRow);
      noteRequestVersion(id, requestRow.etag);
      const inSlot = slotRow ? fromScheduleEntity(slotRow) : undefined;
      if (slotRow && inSlot && inSlot.id === request.targetScheduleId && isLive(inSlot)) return { request, schedule: inSlot, version: slotRow.etag };
      // Ended (its own row is the record), or the slot holds a newer schedule: read it by id.
      return { request, schedule: request.targetScheduleId ? await this.getSchedule(kind, request.targetScheduleId) : undefined };
    },

    async getSchedule(kind, id) {
      const at = await ids.find(id);
      if (!at?.liveRow) return undefined;
      // One read for both places it can be: its live row while live, its own row once ended.
      // Both places it can be, read at once (point reads: a query would cost what the partition holds).
      const client = await table();
      const [ended, inSlot] = await Promise.all([read(client, at.partitionKey, keys.scheduleRow(id)), read(client, at.partitionKey, at.liveRow)]);
      // Once ended, its own row is the record (the slot row may hold an older copy, or a newer schedule).
      const row = ended ?? inSlot;
      const schedule = row ? fromScheduleEntity(row) : undefined;
      return schedule?.id === id && schedule.kind === kind ? schedule : undefined;
    },

    listRequests: async (kind) => (await query(odata`type eq ${'request'} and kind eq ${kind}`)).map(fromRequestEntity),
    requestsOf: async (kind, principalId) =>
      (await query(odata`PartitionKey eq ${partitionOf(principalId)} and RowKey ge ${'request|'} and RowKey lt ${'request|~'} and kind eq ${kind}`)).map((e) => {
        const r = fromRequestEntity(e);
        noteRequestVersion(r.id, (e as JsonEntity & { etag?: string }).etag);
        return r;
      }),
    // An ended schedule is in its own row (and maybe still in its slot row): live slot rows plus schedule rows list each once.
    listSchedules: async (kind) => (await query(odata`((type eq ${'slot'} and live eq true) or type eq ${'schedule'}) and kind eq ${kind}`)).map(fromScheduleEntity),
    schedulesOf: async (kind, principalId) =>
      (await query(odata`PartitionKey eq ${partitionOf(principalId)} and ((type eq ${'slot'} and live eq true) or type eq ${'schedule'}) and kind eq ${kind}`)).map(fromScheduleEntity),
    listSlots: async (kind) => (await query(odata`type eq ${'slot'} and kind eq ${kind}`)).map(fromScheduleEntity),

    async remind(schedule, requestPending, notBefore) {
      const at = nextAttention(schedule, notice, notBefore, requestPending);
      if (at) await due.add(at, 'settle', partitionOf(schedule.principalId), `${schedule.kind}|${schedule.id}`);
    },

    async dueWork(now, limit) {
      const items = await due.list(now, limit);
      const out: DueWork[] = [];
      for (const item of items) {
        if (item.what !== 'settle' && item.what !== 'approval') continue;
        const [kind, id] = item.id.split('|') as [ScheduleKind, string];
        out.push({ what: item.what, kind, id, at: item.dueAt, handle: item.row });
      }
      return out;
    },

    async completeDue(work) {
      for (const w of work) filed.delete(w.id);
      await due.done(work.map((w) => ({ what: w.what, partitionKey: '', id: w.id, dueAt: w.at, row: w.handle })));
    },
  };
}
