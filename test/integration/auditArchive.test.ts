import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUDIT_ARCHIVE_TABLE, AUDIT_TABLE } from '../../shared/adapters/tables/auditChain';
import { verifyAuditChain } from '../../shared/adapters/tables/auditVerify';
import { tableAuditArchiver } from '../../shared/adapters/tables/auditArchive';
import { exportText, verifyExport } from '../../shared/adapters/tables/auditExport';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { keys } from '../../shared/adapters/tables/keys';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { archiveOldAuditRecords } from '../../shared/app/auditRetention';
import type { AuditLog, AuditRecord } from '../../shared/ports/audit';
import { testStorage, uniquePrefix } from '../devhost/helpers';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const PEOPLE = ['a1', 'b2'];

/** A record on day `day` of 2026, by one of two people. */
function record(day: number, i: number): AuditRecord {
  return {
    id: randomUUID(),
    activityDateTime: new Date(START + day * DAY + i * 1000).toISOString(),
    category: 'RoleManagement',
    activityDisplayName: 'Add member to role completed (PIM activation)',
    operationType: 'Add',
    correlationId: randomUUID(),
    loggedByService: 'PIM',
    result: 'success',
    resultReason: '',
    initiatedBy: { user: { id: PEOPLE[i % 2] as string, displayName: null, userPrincipalName: null }, app: null },
    targetResources: [{ id: 'role-1', displayName: null, type: 'Role', modifiedProperties: [] }],
    additionalDetails: [],
  };
}

async function exported(log: AuditLog, range: { from?: string; to?: string } = {}): Promise<string> {
  let text = '';
  for await (const piece of exportText('jsonl', await log.exportRange(range))) text += piece;
  return text;
}

async function listed(log: AuditLog): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await log.page({}, 40, cursor);
    ids.push(...page.records.map((r) => r.id));
    cursor = page.next;
  } while (cursor);
  return ids;
}

describe('audit retention: archiving old records without breaking the chain (Azurite, clock port)', () => {
  it('keeps everything when no policy is set, and archives what is older than the policy allows as the clock moves on', async () => {
    const tables = new TableAccess(testStorage(), uniquePrefix('AuditArchive'));
    const log = tableAuditLog(tables);
    const archive = tableAuditArchiver(tables);
    // One record a day for 100 days, two people.
    const records = Array.from({ length: 100 }, (_, day) => record(day, day));
    await log.appendAll(records);
    let now = new Date(START + 100 * DAY);
    const deps = { auditArchive: archive, clock: { now: () => now } };

    expect(await archiveOldAuditRecords(deps, undefined)).toBe(0);
    expect(await listed(log)).toHaveLength(100);

    // 30 days: days 0-69 move to the archive.
    expect(await archiveOldAuditRecords(deps, 30)).toBe(70);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 100 });
    expect(await listed(log)).toEqual(records.slice(70).map((r) => r.id).reverse());
    const live = await tables.table(AUDIT_TABLE);
    await expect(live.getEntity(keys.audit.partition, keys.audit.record(70).rowKey)).rejects.toMatchObject({ statusCode: 404 });
    // Gone from the live chain with their markers and index rows; a person's history is what is live.
    expect((await log.page({ initiatedByUserId: 'a1' }, 100)).records.map((r) => r.id)).toEqual(records.slice(70).filter((_, i) => i % 2 === 0).map((r) => r.id).reverse());
    expect(await log.get(records[10]?.id as string)).toBeUndefined();

    // Archived records stay exportable, and an export across the archive and the live chain verifies.
    const all = await exported(log);
    expect(verifyExport(all)).toMatchObject({ ok: true, count: 100, firstSeq: 1, lastSeq: 100 });
    const old = await exported(log, { from: new Date(START + 10 * DAY).toISOString(), to: new Date(START + 20 * DAY).toISOString() });
    expect(verifyExport(old)).toMatchObject({ ok: true, count: 10, firstSeq: 11, lastSeq: 20 });

    // Appends go on after the archive, and running it again with nothing new to move moves nothing.
    const more = Array.from({ length: 10 }, (_, i) => record(100 + i, i));
    now = new Date(START + 110 * DAY);
    await log.appendAll(more);
    expect(await archiveOldAuditRecords({ ...deps, clock: { now: () => new Date(START + 100 * DAY) } }, 30)).toBe(0);
    // Forty days on: everything before day 80 goes.
    now = new Date(START + 110 * DAY);
    expect(await archiveOldAuditRecords(deps, 30)).toBe(10);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 110 });
    expect(verifyExport(await exported(log))).toMatchObject({ ok: true, count: 110 });
    expect(await listed(log)).toHaveLength(30);
  });

  it('has audit:verify name an archived record that was edited, and finishes a run cut short', async () => {
    const tables = new TableAccess(testStorage(), uniquePrefix('AuditArchive'));
    const log = tableAuditLog(tables);
    await log.appendAll(Array.from({ length: 40 }, (_, day) => record(day, day)));
    const deps = { auditArchive: tableAuditArchiver(tables), clock: { now: () => new Date(START + 40 * DAY) } };
    expect(await archiveOldAuditRecords(deps, 20)).toBe(20);

    // A run cut short after moving the checkpoint leaves live copies behind: the verifier skips them, the next run deletes them.
    const live = await tables.table(AUDIT_TABLE);
    const archived = await tables.table(AUDIT_ARCHIVE_TABLE);
    const copy = await archived.getEntity<Record<string, unknown>>(keys.audit.partition, keys.audit.record(5).rowKey);
    await live.createEntity({ ...copy, partitionKey: keys.audit.partition, rowKey: keys.audit.record(5).rowKey });
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 40 });
    expect(await archiveOldAuditRecords(deps, 20)).toBe(0);
    await expect(live.getEntity(keys.audit.partition, keys.audit.record(5).rowKey)).rejects.toMatchObject({ statusCode: 404 });

    const json = JSON.parse(String(copy.json)) as AuditRecord;
    await archived.updateEntity({ partitionKey: keys.audit.partition, rowKey: keys.audit.record(5).rowKey, json: JSON.stringify({ ...json, result: 'failure' }) }, 'Merge');
    expect(await verifyAuditChain(tables)).toMatchObject({ ok: false, count: 4, firstBroken: { seq: 5, kind: 'edited', problem: expect.stringMatching(/^in the archive: /) } });
  });
});
