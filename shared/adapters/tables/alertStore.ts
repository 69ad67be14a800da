import { odata, type TransactionAction } from '@azure/data-tables';
import type { AlertName, AlertSettings } from '../../domain/alerts';
import { conflict } from '../../domain/errors';
import type { AlertOperation, AlertRepository, AlertState, StoredIncident, StoredOperation } from '../../ports/alerts';
import type { Changes } from '../../ports/changes';
import type { Versioned } from '../../ports/repository';
import { escapeKey } from './keys';
import type { TableOutbox } from './outbox';
import { statusCodeOf, type TableAccess } from './tableAccess';

const TABLE = 'Alerts';
type JsonEntity = { partitionKey: string; rowKey: string; json: string };
/** Rows written before refreshes ran in the background have no runId. */
type OperationEntity = JsonEntity & { runId?: string };

/**
 * Keys of the Alerts table. Each alert has its own partition (`a|{Name}`): its `state` and
 * `settings` rows and an `i|{id}` row per incident, written with the outbox rows of the
 * change. Operations and the sign-in watcher's cursor have their own partitions.
 */
const alertKeys = {
  partition: (name: AlertName) => `a|${name}`,
  state: 'state',
  settings: 'settings',
  incident: (id: string) => `i|${escapeKey(id)}`,
  incidentPrefix: 'i|',
  operations: 'operations',
  cursor: { partitionKey: 'watch', rowKey: 'signInCursor' },
};

/** A transaction holds at most 100 operations; a scan's incident changes go in parts of this many. */
const PART = 80;

/** The alerts API's state in Table Storage. */
export function tableAlertStore(tables: TableAccess, outbox: TableOutbox): AlertRepository {
  const table = () => tables.table(TABLE);

  async function point<T>(partitionKey: string, rowKey: string): Promise<Versioned<T> | undefined> {
    try {
      const e = await (await table()).getEntity<JsonEntity>(partitionKey, rowKey);
      return { value: JSON.parse(e.json) as T, etag: e.etag };
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  async function partitionRows<T>(partitionKey: string, prefix: string): Promise<T[]> {
    const out: T[] = [];
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${prefix} and RowKey lt ${`${prefix}~`}`;
    for await (const e of (await table()).listEntities<JsonEntity>({ queryOptions: { filter } })) out.push(JSON.parse(e.json) as T);
    return out;
  }

  /** Commits the actions through the outbox, a conflicting version becoming a 409 DomainError. */
  async function commit(partitionKey: string, actions: TransactionAction[], changes: Changes): Promise<void> {
    try {
      await outbox.submit('Alerts', partitionKey, actions, changes);
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 412 || status === 409) throw conflict('The alert changed while this change was being made; try again.', 'ConcurrentModification');
      throw error;
    }
  }

  async function storedOperation(id: string): Promise<Versioned<StoredOperation> | undefined> {
    try {
      const e = await (await table()).getEntity<OperationEntity>(alertKeys.operations, escapeKey(id));
      return { value: { operation: JSON.parse(e.json) as AlertOperation, runId: e.runId || null }, etag: e.etag };
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  const row = (partitionKey: string, rowKey: string, value: unknown, etag: string | undefined): TransactionAction =>
    etag === undefined ? ['create', { partitionKey, rowKey, json: JSON.stringify(value) }] : ['update', { partitionKey, rowKey, json: JSON.stringify(value) }, 'Replace', { etag }];

  return {
    state: (name) => point<AlertState>(alertKeys.partition(name), alertKeys.state),
    async saveState(state, etag, incidents, changes) {
      const pk = alertKeys.partition(state.name);
      const actions: TransactionAction[] = [
        ...incidents.add.map((i): TransactionAction => ['upsert', { partitionKey: pk, rowKey: alertKeys.incident(i.id), json: JSON.stringify(i) }, 'Replace']),
        ...incidents.remove.map((id): TransactionAction => ['delete', { partitionKey: pk, rowKey: alertKeys.incident(id) }]),
      ];
      // Why parts: a tenant can have more incidents than one transaction holds. Earlier parts
      // are idempotent (upserts, deletes of rows a rescan finds gone again); the state row, with
      // the version check, the events and the audit, goes with the last part.
      while (actions.length > PART) await (await table()).submitTransaction(actions.splice(0, PART));
      await commit(pk, [...actions, row(pk, alertKeys.state, state, etag)], changes);
    },
    settings: (name) => point<AlertSettings>(alertKeys.partition(name), alertKeys.settings),
    async saveSettings(name, settings, etag, changes) {
      const pk = alertKeys.partition(name);
      await commit(pk, [row(pk, alertKeys.settings, settings, etag)], changes);
    },
    incidents: (name) => partitionRows<StoredIncident>(alertKeys.partition(name), alertKeys.incidentPrefix),
    async incident(name, id) {
      return (await point<StoredIncident>(alertKeys.partition(name), alertKeys.incident(id)))?.value;
    },
    async addIncidentOnce(name, incident, changes) {
      const pk = alertKeys.partition(name);
      const current = await point<AlertState>(pk, alertKeys.state);
      if (await point(pk, alertKeys.incident(incident.id))) return false;
      const state: AlertState = current?.value ?? { name, isActive: true, incidentCount: 0, lastModifiedDateTime: null, lastScannedDateTime: null };
      try {
        await commit(pk, [['create', { partitionKey: pk, rowKey: alertKeys.incident(incident.id), json: JSON.stringify(incident) }], row(pk, alertKeys.state, { ...state, incidentCount: state.incidentCount + 1, lastScannedDateTime: incident.detectedDateTime }, current?.etag)], changes);
        return true;
      } catch (error) {
        // Recorded meanwhile by another pass (or the state moved on): the caller looks again next minute.
        if (error instanceof Error && 'code' in error && error.code === 'ConcurrentModification') return false;
        throw error;
      }
    },
    async operation(id) {
      return (await storedOperation(id))?.value.operation;
    },
    storedOperation,
    async saveOperation(stored, etag) {
      const entity: OperationEntity = { partitionKey: alertKeys.operations, rowKey: escapeKey(stored.operation.id), json: JSON.stringify(stored.operation), runId: stored.runId ?? '' };
      try {
        const t = await table();
        await (etag === undefined ? t.createEntity(entity) : t.updateEntity(entity, 'Replace', { etag }));
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 412 || status === 409) throw conflict('The refresh operation changed meanwhile; read it again.', 'ConcurrentModification');
        throw error;
      }
    },
    async signInCursor() {
      return (await point<string>(alertKeys.cursor.partitionKey, alertKeys.cursor.rowKey))?.value;
    },
    async saveSignInCursor(at) {
      await (await table()).upsertEntity<JsonEntity>({ ...alertKeys.cursor, json: JSON.stringify(at) }, 'Replace');
    },
  };
}
