import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { type AuditHeadEntity, type AuditRecordEntity, type ChainVerdict, type JsonValue, linkHash } from '../../shared/adapters/tables/auditChain';
import { verifyAuditChain } from '../../shared/adapters/tables/auditVerify';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { keys } from '../../shared/adapters/tables/keys';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import type { AuditRecord } from '../../shared/ports/audit';
import { testStorage, uniquePrefix } from '../devhost/helpers';

const row = (seq: number) => keys.audit.record(seq).rowKey;

/** A record at a given minute of a fixed day, so time order can differ from append order. */
function record(minute: number, reason = 'ok'): AuditRecord {
  return {
    id: randomUUID(),
    activityDateTime: new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString(),
    category: 'RoleManagement',
    activityDisplayName: 'Add member to role completed (PIM activation)',
    operationType: 'Assign',
    correlationId: randomUUID(),
    loggedByService: 'PIM',
    result: 'success',
    resultReason: reason,
    initiatedBy: { user: { id: randomUUID(), displayName: 'Alice', userPrincipalName: 'alice@contoso.test' }, app: null },
    targetResources: [{ id: randomUUID(), displayName: 'Global Reader', type: 'Role', modifiedProperties: [] }],
    additionalDetails: [{ key: 'Justification', value: reason }],
  };
}

/**
 * A fresh audit log holding `size` records appended at once (latest time first), plus a raw
 * client on its table to tamper with as an attacker would. `writers: 'processes'` gives every
 * append its own log and storage client, as separate Function instances would have, so they
 * race for the chain head instead of queueing in one process.
 */
async function freshChain(size: number, writers: 'one process' | 'processes' = 'one process') {
  const prefix = uniquePrefix('Audit');
  const tables = new TableAccess(testStorage(), prefix);
  const audit = tableAuditLog(tables);
  await audit.list(); // creates the table once, before the race
  const records = Array.from({ length: size }, (_, i) => record(size - i));
  const logFor = () => (writers === 'processes' ? tableAuditLog(new TableAccess(testStorage(), prefix)) : audit);
  await Promise.all(records.map((r) => logFor().append(r)));
  const raw = await tables.table('Audit');
  return { prefix, tables, audit, records, raw };
}

async function readRow(raw: TableClient, seq: number): Promise<AuditRecordEntity> {
  return raw.getEntity<AuditRecordEntity>(keys.audit.partition, row(seq));
}

/** Writes a row as a link at `seq` (what an attacker who knows the algorithm can compute). */
async function forge(raw: TableClient, rowKey: string, seq: number, prevHash: string, json: string): Promise<string> {
  const hash = linkHash(seq, prevHash, JSON.parse(json) as JsonValue);
  await raw.upsertEntity<AuditRecordEntity>({ partitionKey: keys.audit.partition, rowKey, seq, prevHash, hash, json }, 'Replace');
  return hash;
}

function brokenAt(verdict: ChainVerdict) {
  if (verdict.ok) throw new Error(`expected a broken chain, got OK with ${verdict.count} records`);
  return verdict.firstBroken;
}

describe('hash-chained audit log on Azurite', () => {
  it('chains 50 concurrent appenders in separate processes into seq 1..50, none lost or doubled', async () => {
    const { tables, audit, records, raw } = await freshChain(50, 'processes');

    const rows: AuditRecordEntity[] = [];
    for await (const e of raw.listEntities<AuditRecordEntity>()) if (e.rowKey < keys.audit.head.rowKey) rows.push(e);
    expect(rows.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(rows.map((e) => (JSON.parse(e.json) as AuditRecord).id))).toEqual(new Set(records.map((r) => r.id)));
    expect(rows[0]?.prevHash).toBe('0'.repeat(64));
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 50 });

    // The audit API still gets time order, whatever order the appends committed in.
    const listed = await audit.list();
    expect(listed.map((r) => r.id)).toEqual([...records].reverse().map((r) => r.id));
    const window = await audit.list({ from: records[39]?.activityDateTime, to: records[30]?.activityDateTime });
    expect(window.map((r) => r.id)).toEqual(records.slice(30, 40).reverse().map((r) => r.id));
  });

  it('queues concurrent appends within one process into one chain', async () => {
    const { tables, raw } = await freshChain(50);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 50 });
    expect((await raw.getEntity(keys.audit.partition, keys.audit.head.rowKey)).seq).toBe(50);
  });

  it('does not store a record twice when a commit that landed answers as a conflict', async () => {
    // As when the SDK resends a transaction whose first answer was lost: the resend finds the
    // head already moved (by this very commit) and fails with 412.
    class ResendingTables extends TableAccess {
      override async table(name: string): Promise<TableClient> {
        const client = await super.table(name);
        const submit = client.submitTransaction.bind(client);
        client.submitTransaction = async (actions) => {
          await submit(actions);
          throw Object.assign(new Error('Precondition Failed'), { statusCode: 412 });
        };
        return client;
      }
    }
    const prefix = uniquePrefix('Audit');
    const audit = tableAuditLog(new ResendingTables(testStorage(), prefix));
    await audit.append(record(1));
    await audit.append(record(2));

    const tables = new TableAccess(testStorage(), prefix);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 2 });
  });

  it('refuses to append when the chain head was removed', async () => {
    const { raw, audit } = await freshChain(3);
    await raw.deleteEntity(keys.audit.partition, keys.audit.head.rowKey);
    await expect(audit.append(record(9))).rejects.toThrow(/head is missing/);
  });

  it('orders records with the same time by id, as before', async () => {
    const tables = new TableAccess(testStorage(), uniquePrefix('Audit'));
    const audit = tableAuditLog(tables);
    const same = [record(5), record(5), record(5)];
    for (const r of same) await audit.append(r);
    expect((await audit.list()).map((r) => r.id)).toEqual(same.map((r) => r.id).sort());
  });

  it('an empty log verifies with 0 records', async () => {
    expect(await verifyAuditChain(new TableAccess(testStorage(), uniquePrefix('Audit')))).toEqual({ ok: true, count: 0 });
  });

  it('detects a record edited in place (its hash kept)', async () => {
    const { tables, raw } = await freshChain(10);
    const target = await readRow(raw, 4);
    const edited = { ...(JSON.parse(target.json) as AuditRecord), resultReason: 'nothing to see here' };
    await raw.updateEntity({ ...target, json: JSON.stringify(edited) }, 'Replace');

    const verdict = await verifyAuditChain(tables);
    expect(verdict).toMatchObject({ ok: false, count: 3 });
    expect(brokenAt(verdict)).toMatchObject({ seq: 4, rowKey: row(4), id: edited.id, kind: 'edited' });
    expect(brokenAt(verdict).problem).toMatch(/edited/);
  });

  it('detects a record deleted from the middle', async () => {
    const { tables, raw } = await freshChain(10);
    await raw.deleteEntity(keys.audit.partition, row(6));

    const broken = brokenAt(await verifyAuditChain(tables));
    expect(broken).toMatchObject({ seq: 6, rowKey: row(6), kind: 'missing' });
    expect(broken.problem).toMatch(/deleted/);
  });

  it('detects the last record deleted (the head points past the end)', async () => {
    const { tables, raw } = await freshChain(10);
    await raw.deleteEntity(keys.audit.partition, row(10));

    const verdict = await verifyAuditChain(tables);
    expect(verdict).toMatchObject({ ok: false, count: 9 });
    expect(brokenAt(verdict)).toMatchObject({ seq: 10, kind: 'head' });
    expect(brokenAt(verdict).problem).toMatch(/end were deleted/);
  });

  it('detects the chain head deleted', async () => {
    const { tables, raw } = await freshChain(3);
    await raw.deleteEntity(keys.audit.partition, keys.audit.head.rowKey);
    expect(brokenAt(await verifyAuditChain(tables))).toMatchObject({ kind: 'head', rowKey: 'head' });
  });

  it('detects a forged record slipped in between two rows (no renumbering)', async () => {
    const { tables, raw } = await freshChain(10);
    const before = await readRow(raw, 5);
    const forgedKey = `${row(5)}a`;
    await forge(raw, forgedKey, 6, before.hash, JSON.stringify(record(30, 'forged')));

    const broken = brokenAt(await verifyAuditChain(tables));
    expect(broken).toMatchObject({ seq: 6, rowKey: forgedKey, kind: 'inserted' });
    expect(broken.problem).toMatch(/inserted/);
  });

  it('detects a forged record inserted with the later records renumbered', async () => {
    const { tables, raw } = await freshChain(10);
    // Shift 6..10 up to 7..11, keeping their stored links, as a careless forger would.
    for (let seq = 10; seq >= 6; seq--) {
      const moved = await readRow(raw, seq);
      await raw.createEntity({ ...moved, rowKey: row(seq + 1), seq: seq + 1 });
      await raw.deleteEntity(keys.audit.partition, row(seq));
    }
    await forge(raw, row(6), 6, (await readRow(raw, 5)).hash, JSON.stringify(record(30, 'forged')));
    const head = await raw.getEntity<AuditHeadEntity>(keys.audit.partition, keys.audit.head.rowKey);
    await raw.updateEntity<AuditHeadEntity>({ ...keys.audit.head, seq: 11, hash: head.hash }, 'Replace');

    // Record 6 itself is a well-formed link; what betrays it is that 7 does not follow it.
    const broken = brokenAt(await verifyAuditChain(tables));
    expect(broken).toMatchObject({ seq: 7, rowKey: row(7), kind: 'unlinked' });
    expect(broken.problem).toMatch(/inserted/);
  });

  it('detects an inserted record even when every later link is recomputed, through the head', async () => {
    const { tables, raw } = await freshChain(10);
    const originals = await Promise.all([6, 7, 8, 9, 10].map((seq) => readRow(raw, seq)));
    let prevHash = await forge(raw, row(6), 6, (await readRow(raw, 5)).hash, JSON.stringify(record(30, 'forged')));
    for (const [i, original] of originals.entries()) prevHash = await forge(raw, row(7 + i), 7 + i, prevHash, original.json);

    const verdict = await verifyAuditChain(tables);
    expect(verdict).toMatchObject({ ok: false, count: 11 });
    expect(brokenAt(verdict)).toMatchObject({ seq: 11, rowKey: row(11), kind: 'head' });
  });

  it('detects two records swapped (reordered)', async () => {
    const { tables, raw } = await freshChain(10);
    const [third, seventh] = await Promise.all([readRow(raw, 3), readRow(raw, 7)]);
    const contents = ({ seq, prevHash, hash, json }: AuditRecordEntity) => ({ seq, prevHash, hash, json });
    await raw.updateEntity({ ...keys.audit.record(3), ...contents(seventh) }, 'Replace');
    await raw.updateEntity({ ...keys.audit.record(7), ...contents(third) }, 'Replace');

    const broken = brokenAt(await verifyAuditChain(tables));
    expect(broken).toMatchObject({ seq: 3, rowKey: row(3), kind: 'reordered' });
    expect(broken.problem).toMatch(/seq 7.*reordered/);
  });

  it('keeps up with 20 processes appending 10 records each', async () => {
    const prefix = uniquePrefix('Audit');
    const tables = new TableAccess(testStorage(), prefix);
    await tableAuditLog(tables).list(); // creates the table, so the timing is of appends only
    let lostRaces = 0;
    let mostTries = 1;
    const onConflict = (attempt: number) => {
      lostRaces++;
      mostTries = Math.max(mostTries, attempt + 1);
    };
    const writers = Array.from({ length: 20 }, () => tableAuditLog(new TableAccess(testStorage(), prefix), { onConflict }));
    const started = performance.now();
    await Promise.all(
      writers.map(async (audit, writer) => {
        for (let i = 0; i < 10; i++) await audit.append(record(writer));
      }),
    );
    const ms = Math.round(performance.now() - started);
    console.log(`audit chain: 200 appends from 20 processes in ${ms} ms, ${lostRaces} lost races retried, at most ${mostTries} tries`);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 200 });
  });
});

describe('npm run audit:verify', () => {
  const root = resolve(__dirname, '../..');
  const run = async (env: Record<string, string>) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
        cwd: root,
        env: { ...process.env, ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  it('exits 0 on an intact chain and 1 naming the seq after tampering', async () => {
    const { prefix, raw } = await freshChain(5);
    const env = { AzureWebJobsStorage: testStorage(), PIM_TABLE_PREFIX: prefix };

    const good = await run(env);
    expect(good).toMatchObject({ code: 0, stdout: 'Audit chain OK: 5 records\n' });

    const target = await readRow(raw, 3);
    await raw.updateEntity({ ...target, json: target.json.replace('"ok"', '"fine"') }, 'Replace');
    const bad = await run(env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^Audit chain BROKEN at record seq 3 \(row 000000000003\): .*edited\n$/);
  });

  it('exits 2 with one line when the chain cannot be read', async () => {
    const missing = await run({ AzureWebJobsStorage: testStorage(), PIM_TABLE_PREFIX: uniquePrefix('Nothing') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^There is no audit table Nothing\w+Audit at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1 \(check PIM_TABLE_PREFIX\)\.\n$/);

    const wrongKey = testStorage().replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('not the key').toString('base64')}`);
    const refused = await run({ AzureWebJobsStorage: wrongKey, PIM_TABLE_PREFIX: 'Pim' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^Could not read the audit table PimAudit at .+: Auth\w+: .+\n$/);

    const unreachable = testStorage().replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:1');
    const down = await run({ AzureWebJobsStorage: unreachable, PIM_TABLE_PREFIX: 'Pim' });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^Could not read the audit table PimAudit at http:\/\/127\.0\.0\.1:1\/devstoreaccount1: .+\n$/);
  });
});
