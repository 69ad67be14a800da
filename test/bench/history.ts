/**
 * Storage seeded straight through the repositories' row mappers (not through the API), for the
 * bench's history and reconcile figures: tens of thousands of ended requests, or thousands of
 * live schedules of which a few are due.
 */
import { randomUUID } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { DUE_TABLE } from '../../shared/adapters/tables/dueIndex';
import { ID_INDEX_TABLE } from '../../shared/adapters/tables/idIndex';
import { keys } from '../../shared/adapters/tables/keys';
import { partitionOf, SCHEDULES_TABLE, toRequestEntity } from '../../shared/adapters/tables/scheduleRepository';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { reconcile, type ReconcileReport } from '../../shared/app/reconcile';
import { reconcileDeps } from '../integration/reconcileDeps';
import type { Schedule, ScheduleRequest } from '../../shared/domain/schedules';

/** Submits row actions grouped by partition, 100 to a transaction. */
async function writeRows(table: TableClient, rows: Array<Record<string, unknown> & { partitionKey: string; rowKey: string }>): Promise<void> {
  const byPartition = new Map<string, TransactionAction[]>();
  for (const row of rows) byPartition.set(row.partitionKey, [...(byPartition.get(row.partitionKey) ?? []), ['create', row]]);
  for (const actions of byPartition.values()) {
    for (let i = 0; i < actions.length; i += 100) await table.submitTransaction(actions.slice(i, i + 100));
  }
}

function endedRequest(principalId: string, roleDefinitionId: string, at: Date): ScheduleRequest {
  return {
    id: randomUUID(),
    kind: 'assignment',
    action: 'selfActivate',
    principalId,
    target: { kind: 'directoryRole', roleDefinitionId, directoryScopeId: '/' },
    appScopeId: null,
    justification: 'history',
    ticketInfo: { ticketNumber: null, ticketSystem: null },
    scheduleInfo: { startDateTime: at.toISOString(), expiration: { type: 'afterDuration', endDateTime: new Date(at.getTime() + 3_600_000).toISOString(), duration: 'PT1H' } },
    status: 'Revoked',
    createdDateTime: at.toISOString(),
    completedDateTime: at.toISOString(),
    createdBy: { user: { id: principalId, displayName: null } },
    approvalId: null,
    targetScheduleId: null,
    isValidationOnly: false,
  };
}

/** `count` ended activation requests spread over the given principals and roles, with their id index entries. */
export async function seedHistory(storage: string, prefix: string, count: number, slots: Array<{ user: string; role: string }>): Promise<void> {
  const tables = new TableAccess(storage, prefix);
  const requests: ScheduleRequest[] = [];
  for (let i = 0; i < count; i++) {
    const slot = slots[i % slots.length] as { user: string; role: string };
    requests.push(endedRequest(slot.user, slot.role, new Date(Date.now() - (i + 1) * 60_000)));
  }
  await writeRows(await tables.table(SCHEDULES_TABLE), requests.map(toRequestEntity));
  await writeRows(
    await tables.table(ID_INDEX_TABLE),
    requests.map((r) => ({ ...keys.idIndex(r.id), at: partitionOf(r.principalId) })),
  );
}

function liveEligibility(principalId: string, roleDefinitionId: string, end: Date): Schedule {
  const start = new Date(end.getTime() - 30 * 86_400_000);
  return {
    id: randomUUID(),
    kind: 'eligibility',
    principalId,
    target: { kind: 'directoryRole', roleDefinitionId, directoryScopeId: '/' },
    appScopeId: null,
    startDateTime: start.toISOString(),
    endDateTime: end.toISOString(),
    status: 'Provisioned',
    memberType: 'Direct',
    assignmentType: null,
    createdUsing: randomUUID(),
    createdDateTime: start.toISOString(),
    modifiedDateTime: start.toISOString(),
    roleAssignmentOriginId: null,
  };
}

/**
 * `live` live eligibilities filed with the due index at their ends, of which `due` have just
 * ended, then one reconcile pass in this process: what it did, and the table requests it made.
 */
export async function reconcilePass(
  storage: string,
  prefix: string,
  graphBaseUrl: string,
  live: number,
  due: number,
  requestsMade: () => number,
): Promise<{ report: ReconcileReport; tableRequests: number }> {
  const tables = new TableAccess(storage, prefix);
  const rows = [];
  const dueRows = [];
  const now = Date.now();
  for (let i = 0; i < live; i++) {
    // Distinct principals: the reconcile pass must not get cheaper from shared partitions.
    const end = new Date(i < due ? now - 1_000 : now + 365 * 86_400_000 + i * 1_000);
    const s = liveEligibility(randomUUID(), '62e90394-69f5-4237-9190-012177145e10', end);
    rows.push({ partitionKey: partitionOf(s.principalId), rowKey: keys.liveRow(s.kind, s.target), type: 'slot', kind: s.kind, live: true, json: JSON.stringify(s) });
    rows.push({ ...keys.idIndex(s.id), at: partitionOf(s.principalId), live: keys.liveRow(s.kind, s.target), tableName: ID_INDEX_TABLE });
    dueRows.push({ ...keys.due(end, 'settle', partitionOf(s.principalId), `${s.kind}|${s.id}`), what: 'settle', inPartition: partitionOf(s.principalId), ref: `${s.kind}|${s.id}`, dueAt: end.toISOString() });
  }
  await writeRows(await tables.table(SCHEDULES_TABLE), rows.filter((r) => !('tableName' in r)));
  await writeRows(await tables.table(ID_INDEX_TABLE), rows.filter((r) => 'tableName' in r).map(({ tableName: _, ...r }) => r));
  await writeRows(await tables.table(DUE_TABLE), dueRows);

  const deps = reconcileDeps(tables, graphBaseUrl);
  await deps.directory.listRoleDefinitions(); // warm the Graph client, not the tables
  const before = requestsMade();
  const report = await reconcile(deps);
  return { report, tableRequests: requestsMade() - before };
}
