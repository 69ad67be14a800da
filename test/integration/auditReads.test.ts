import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIT_TABLE } from '../../shared/adapters/tables/auditChain';
import { verifyAuditChain } from '../../shared/adapters/tables/auditVerify';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { matchesAudit } from '../../shared/adapters/tables/auditReads';
import { keys } from '../../shared/adapters/tables/keys';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import type { AuditLog, AuditQuery, AuditRecord } from '../../shared/ports/audit';
import { testStorage, uniquePrefix } from '../devhost/helpers';

const DAY = Date.UTC(2026, 0, 1);
const PEOPLE = ['a1', 'b2', 'c3'];

/** A record at `minute` of a fixed day, by one of three people, about one of them. */
function record(minute: number, i: number): AuditRecord {
  return {
    id: randomUUID(),
    activityDateTime: new Date(DAY + minute * 60_000).toISOString(),
    category: i % 5 === 0 ? 'GroupManagement' : 'RoleManagement',
    activityDisplayName: i % 2 === 0 ? 'Add member to role requested (PIM activation)' : 'Remove member from role completed (PIM deactivate)',
    operationType: 'Add',
    correlationId: randomUUID(),
    loggedByService: 'PIM',
    result: i % 7 === 0 ? 'failure' : 'success',
    resultReason: '',
    initiatedBy: { user: { id: PEOPLE[i % 3] as string, displayName: null, userPrincipalName: null }, app: null },
    targetResources: [{ id: PEOPLE[(i + 1) % 3] as string, displayName: null, type: 'User', modifiedProperties: [] }],
    additionalDetails: [],
  };
}

async function everything(log: AuditLog, query: AuditQuery, top: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await log.page(query, top, cursor);
    expect(page.records.length).toBeLessThanOrEqual(top);
    out.push(...page.records);
    cursor = page.next;
  } while (cursor);
  return out;
}

describe('reading the audit chain by page and time window (Azurite)', () => {
  it('finds every record of a window even when records reach the chain out of time order, and keeps the chain verifiable', async () => {
    const tables = new TableAccess(testStorage(), uniquePrefix('AuditReads'));
    const log = tableAuditLog(tables);
    // Mostly in time order, with some records appended late (an outbox relay after a pause) and some early (a fast clock).
    const minutes = Array.from({ length: 300 }, (_, i) => (i % 37 === 0 ? i - 90 : i % 53 === 0 ? i + 20 : i));
    const records = minutes.map((m, i) => record(m, i));
    await log.appendAll(records);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: records.length });
    const newestFirst = [...records].reverse();

    await fc.assert(
      fc.asyncProperty(
        fc.record({
          from: fc.option(fc.integer({ min: -100, max: 330 }), { nil: undefined }),
          span: fc.integer({ min: 0, max: 200 }),
          withTo: fc.boolean(),
          who: fc.option(fc.constantFrom(...PEOPLE), { nil: undefined }),
          target: fc.option(fc.constantFrom(...PEOPLE), { nil: undefined }),
          result: fc.option(fc.constantFrom('success', 'failure'), { nil: undefined }),
          top: fc.integer({ min: 1, max: 60 }),
        }),
        async ({ from, span, withTo, who, target, result, top }) => {
          const iso = (m: number) => new Date(DAY + m * 60_000).toISOString();
          const query: AuditQuery = {
            ...(from !== undefined ? { from: iso(from) } : {}),
            ...(withTo ? { to: iso((from ?? 0) + span) } : {}),
            ...(who ? { initiatedByUserId: who } : {}),
            ...(target ? { targetResourceId: target } : {}),
            ...(result ? { result } : {}),
          };
          const got = await everything(log, query, top);
          expect(got.map((r) => r.id)).toEqual(newestFirst.filter((r) => matchesAudit(r, query)).map((r) => r.id));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('has audit:verify name an edited time column, which would otherwise hide records from time windows', async () => {
    const tables = new TableAccess(testStorage(), uniquePrefix('AuditReads'));
    const log = tableAuditLog(tables);
    const records = Array.from({ length: 6 }, (_, i) => record(i * 10, i));
    await log.appendAll(records);
    const raw = await tables.table(AUDIT_TABLE);
    const window = { from: records[3]?.activityDateTime, to: records[3]?.activityDateTime };
    expect((await log.page(window, 10)).records.map((r) => r.id)).toEqual([records[3]?.id]);
    // Pushing one row's atMs far ahead makes the binary search skip it.
    const target = keys.audit.record(4);
    await raw.updateEntity({ ...target, atMs: DAY + 10 * 86_400_000 }, 'Merge');
    expect((await log.page(window, 10)).records).toEqual([]);
    const verdict = await verifyAuditChain(tables);
    expect(verdict).toMatchObject({ ok: false, count: 3, firstBroken: { seq: 4, kind: 'time', problem: expect.stringMatching(/time column atMs .* was edited/) } });
  });

  it('answers a person\'s history from the index rows committed with each record, and from the chain for records chained before the index', async () => {
    const tables = new TableAccess(testStorage(), uniquePrefix('AuditReads'));
    const log = tableAuditLog(tables);
    const raw = await tables.table(AUDIT_TABLE);
    const older = Array.from({ length: 40 }, (_, i) => record(i, i));
    await log.appendAll(older);
    // Make it a chain started before the index: no index rows, no indexedFrom on the head.
    for await (const row of raw.listEntities({ queryOptions: { filter: `PartitionKey eq 'chain' and RowKey ge 'x|'` } })) {
      await raw.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
    }
    const head = await raw.getEntity<Record<string, unknown>>(keys.audit.partition, keys.audit.head.rowKey);
    await raw.updateEntity({ ...keys.audit.head, seq: head.seq, hash: head.hash, atMs: head.atMs, lagMs: head.lagMs }, 'Replace');
    const newer = Array.from({ length: 40 }, (_, i) => record(40 + i, i));
    await tableAuditLog(tables).appendAll(newer);

    const indexed = new Map<number, number>();
    for await (const row of raw.listEntities<{ seq: number }>({ queryOptions: { filter: `PartitionKey eq 'chain' and RowKey ge 'x|'` } })) {
      indexed.set(row.seq, (indexed.get(row.seq) ?? 0) + 1);
    }
    // Each newer record is indexed under who did it and its target; none of the older ones.
    expect([...indexed.keys()].sort((a, b) => a - b)).toEqual(newer.map((_, i) => 41 + i));
    expect([...indexed.values()].every((n) => n === 2)).toBe(true);

    const all = [...older, ...newer].reverse();
    for (const query of [{ initiatedByUserId: 'A1' }, { targetResourceId: 'c3', from: older[30]?.activityDateTime, to: newer[5]?.activityDateTime }]) {
      expect((await everything(log, query, 7)).map((r) => r.id)).toEqual(all.filter((r) => matchesAudit(r, query)).map((r) => r.id));
    }
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 80 });
  });

  it('reads one record by id, and nothing for an id it does not hold', async () => {
    const log = tableAuditLog(new TableAccess(testStorage(), uniquePrefix('AuditReads')));
    const records = [record(1, 1), record(2, 2)];
    await log.appendAll(records);
    expect(await log.get(records[0]?.id as string)).toEqual(records[0]);
    expect(await log.get(randomUUID())).toBeUndefined();
    expect(await log.page({}, 10)).toEqual({ records: [...records].reverse() });
  });
});
