import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyExport } from '../../shared/adapters/tables/auditExport';
import { AUDIT_TABLE } from '../../shared/adapters/tables/auditChain';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { verifyAuditChain } from '../../shared/adapters/tables/auditVerify';
import { keys } from '../../shared/adapters/tables/keys';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { auditRecord } from '../../shared/app/audit';
import type { AuditRecord } from '../../shared/ports/audit';
import { testStorage } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { profile, runPim } from './cliRunner';
import { ROLES, USERS } from './demo';

const EXPORT = '/v1.0/auditLogs/directoryAudits/export';
const AUDITS = '/v1.0/auditLogs/directoryAudits';
const HISTORY = 1_500;
const START = Date.UTC(2026, 0, 1);
const at = (i: number) => new Date(START + i * 60_000).toISOString();

let app: AppHost;
let history: AuditRecord[];
const dir = mkdtempSync(join(tmpdir(), 'pim-export-'));

function historyRecord(i: number): AuditRecord {
  const caller = { oid: USERS.carol, tenantId: TENANT_ID, name: 'Carol Chen', roles: [], isAdmin: false, isAuditor: false, amr: ['mfa'], acrs: [] };
  return auditRecord({
    activity: 'Add member to role requested (PIM activation)',
    operationType: 'Add',
    caller,
    correlationId: `export-${i}`,
    at: new Date(at(i)),
    targets: [{ id: ROLES.exchange, displayName: 'Exchange, "Online"', type: 'Role', modifiedProperties: [] }],
    // Commas, quotes and a line break: what a CSV export must keep intact.
    details: { Justification: `ticket ${i}, "urgent"\nsecond line` },
  });
}

beforeAll(async () => {
  app = await startAppHost();
  history = Array.from({ length: HISTORY }, (_, i) => historyRecord(i));
  await tableAuditLog(new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX))).appendAll(history);
}, 120_000);

afterAll(async () => {
  await app?.host.stop();
});

async function download(user: string, query: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await app.call(user, `${EXPORT}${query}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** `npm run audit:verify -- --export <file>` as an auditor would run it, with no storage settings at all. */
function verifyScript(file: string): Promise<{ code: number; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../scripts/audit-verify.ts'), '--export', file], { env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout }));
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('GET /auditLogs/directoryAudits/export', () => {
  it('streams a time window as JSON lines with each record\'s chain position, and the file verifies on its own', async () => {
    const res = await download('admin', `?format=jsonl&from=${at(100)}&to=${at(399)}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/application\/x-ndjson/);
    const all = lines(res.text);
    const exported = all.slice(0, -1).map((l) => JSON.parse(l) as { seq: number; prevHash: string; hash: string; record: AuditRecord });
    expect(exported.map((e) => e.record.id)).toEqual(history.slice(100, 400).map((r) => r.id));
    // The last line says the export is complete: how many records, and the last one's seq and hash.
    expect(JSON.parse(all.at(-1) ?? '')).toEqual({ '@export': 'end', records: 300, lastSeq: 400, lastHash: exported.at(-1)?.hash });
    expect(exported[0]).toMatchObject({ seq: 101, prevHash: expect.stringMatching(/^[0-9a-f]{64}$/), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(verifyExport(res.text)).toMatchObject({ ok: true, count: 300, firstSeq: 101, lastSeq: 400 });
    // The record as exported is the record the API lists.
    const listed = await app.api('admin', 'GET', `${AUDITS}/${history[200]?.id}`);
    const { '@odata.context': _context, ...shown } = listed.body;
    expect(exported[100]?.record).toEqual(shown);
  });

  it('fails verification of an export with an edited, removed or reordered record, naming the line', async () => {
    const { text } = await download('admin', `?to=${at(49)}`);
    expect(verifyExport(text)).toMatchObject({ ok: true, count: 50, firstSeq: 1 });
    const rows = lines(text);
    const edited = [...rows];
    edited[10] = (edited[10] as string).replace('ticket 10,', 'ticket 99,');
    expect(verifyExport(edited.join('\n'))).toMatchObject({ ok: false, line: 11, problem: expect.stringMatching(/seq 11: its content does not match its hash/) });
    const removed = rows.filter((_, i) => i !== 20);
    expect(verifyExport(removed.join('\n'))).toMatchObject({ ok: false, line: 21, problem: expect.stringMatching(/seq 22 follows seq 20/) });
    const reordered = [...rows];
    [reordered[30], reordered[31]] = [rows[31] as string, rows[30] as string];
    expect(verifyExport(reordered.join('\n'))).toMatchObject({ ok: false, line: 31 });
    // Cut off: the records left are intact, but without the end marker the export is incomplete.
    const cut = rows.slice(0, 40);
    expect(verifyExport(cut.join('\n'))).toMatchObject({ ok: false, incomplete: true, count: 40, problem: expect.stringMatching(/no end marker/) });
    // The end marker kept, records before it cut: it names the count and the last hash, which no longer match.
    expect(verifyExport([...cut, rows.at(-1)].join('\n'))).toMatchObject({ ok: false, incomplete: true, problem: expect.stringMatching(/end marker says 50 records ending at seq 50/) });

    const good = join(dir, 'good.jsonl');
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(good, text);
    writeFileSync(bad, edited.join('\n'));
    const ok = await verifyScript(good);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/Audit export OK: 50 records, seq 1 to 50/);
    const broken = await verifyScript(bad);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/Audit export BROKEN at line 11/);
    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, `${cut.join('\n')}\n`);
    const incomplete = await verifyScript(truncated);
    expect(incomplete.code).toBe(1);
    expect(incomplete.stdout).toMatch(/Audit export INCOMPLETE at line 41 \(after 40 good records\): the export has no end marker/);
  });

  it('exports CSV that keeps commas, quotes and line breaks, verifies, and fails when a record is edited', async () => {
    const res = await download('erin', `?format=csv&from=${at(1_000)}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/text\/csv/);
    expect(res.text.startsWith('seq,prevHash,hash,id,activityDateTime')).toBe(true);
    expect(verifyExport(res.text)).toMatchObject({ ok: true, count: HISTORY - 1_000, firstSeq: 1_001, lastSeq: HISTORY });
    const file = join(dir, 'window.csv');
    writeFileSync(file, res.text);
    expect((await verifyScript(file)).code).toBe(0);
    // Its last row is the end marker, which the checker needs.
    expect(res.text.trimEnd().split('\r\n').at(-1)).toMatch(/^@export,/);
    const unfinished = res.text.slice(0, res.text.trimEnd().lastIndexOf('\r\n') + 2);
    expect(verifyExport(unfinished)).toMatchObject({ ok: false, incomplete: true, count: HISTORY - 1_000 });
    writeFileSync(file, unfinished);
    expect(await verifyScript(file)).toMatchObject({ code: 1, stdout: expect.stringMatching(/Audit export INCOMPLETE/) });
    const tampered = res.text.replace('ticket 1200,', 'ticket 1201,');
    expect(tampered).not.toBe(res.text);
    expect(verifyExport(tampered)).toMatchObject({ ok: false, problem: expect.stringMatching(/seq 1201: its content does not match its hash/) });
  });

  it('is for admins and auditors only, and says what to fix in a bad query', async () => {
    const user = await download('alice', '');
    expect(user.status).toBe(403);
    expect(JSON.parse(user.text).error.code).toBe('Authorization_RequestDenied');
    const format = await download('admin', '?format=xml');
    expect(format.status).toBe(400);
    expect(JSON.parse(format.text).error.message).toMatch(/use jsonl or csv/);
    const backwards = await download('admin', `?from=${at(10)}&to=${at(5)}`);
    expect(backwards.status).toBe(400);
    expect(JSON.parse(backwards.text).error.message).toMatch(/is after to/);
    const time = await download('admin', '?from=yesterday');
    expect(JSON.parse(time.text).error.message).toMatch(/Invalid from 'yesterday'/);
  });

  it('downloads with `pim audit export` into a file that verifies', async () => {
    const config = profile();
    expect((await runPim(app.url, config, ['login', '--dev', 'erin'])).code).toBe(0);
    const file = join(dir, 'cli.jsonl');
    const res = await runPim(app.url, config, ['audit', 'export', '--from', at(0), '--to', at(99), '-o', file]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Wrote the audit export to .*: 100 records, seq 1 to 100, complete and intact/);
    expect(verifyExport(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 100, firstSeq: 1 });
    const user = profile();
    expect((await runPim(app.url, user, ['login', '--dev', 'alice'])).code).toBe(0);
    const refused = await runPim(app.url, user, ['audit', 'export', '-o', join(dir, 'refused.jsonl')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/PIM\.Admin or PIM\.Auditor/);
  });

  it('has `pim audit export` say a download that stopped before the end marker is incomplete', async () => {
    const config = profile();
    expect((await runPim(app.url, config, ['login', '--dev', 'erin'])).code).toBe(0);
    // A connection that ends early, between two lines, as a proxy or a dropped link leaves it:
    // the service's own export, with its last 30 records and end marker missing.
    const { text } = await download('erin', `?to=${at(49)}`);
    const cutOff = `${lines(text).slice(0, 20).join('\n')}\n`;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(cutOff);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const file = join(dir, 'cut.jsonl');
      const res = await runPim(app.url, config, ['audit', 'export', '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '-o', file]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/The audit export in .*cut\.jsonl is incomplete \(line 21, after 20 good records\): the export has no end marker/);
      expect(readFileSync(file, 'utf8')).toBe(cutOff);
    } finally {
      server.close();
    }
  });

  it('answers the same listing, reads by id and exports once the seal timer has moved the older records out of the live partition', async () => {
    const old = history[10] as AuditRecord;
    const listing = async () => (await app.api('erin', 'GET', `${AUDITS}?$top=200&$filter=activityDateTime le ${at(599)}`)).body.value;
    // A person's history in pages of 7: the index rows of the live partition before, the sealed store's after.
    const byPerson = async () => {
      const out: unknown[] = [];
      let next: string | undefined = `${AUDITS}?$top=7&$filter=initiatedBy/user/id eq '${USERS.carol}' and activityDateTime ge ${at(200)} and activityDateTime le ${at(260)}`;
      while (next) {
        const page = (await app.api('erin', 'GET', next.replace(/^https?:\/\/[^/]+/, ''))).body as { value?: unknown[]; '@odata.nextLink'?: string };
        out.push(...(page.value ?? []));
        next = page['@odata.nextLink'];
      }
      return out;
    };
    const before = { listing: await listing(), byPerson: await byPerson(), export: (await download('erin', `?from=${at(0)}&to=${at(299)}`)).text };
    expect(before.listing).toHaveLength(200);
    expect(before.byPerson).toHaveLength(61);
    const tables = new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX));
    const live = await tables.table(AUDIT_TABLE);
    await expect(live.getEntity(keys.audit.partition, keys.audit.record(11).rowKey)).resolves.toMatchObject({ seq: 11 });

    await app.sealAudit();

    // Out of the live partition (whose newest 1,000 records stay), into the sealed store.
    await expect(live.getEntity(keys.audit.partition, keys.audit.record(11).rowKey)).rejects.toMatchObject({ statusCode: 404 });
    const sealed = await tables.table(keys.audit.sealedTable(11));
    await expect(sealed.getEntity(keys.audit.sealedRecord(11).partitionKey, keys.audit.sealedRecord(11).rowKey)).resolves.toMatchObject({ seq: 11 });
    expect(await listing()).toEqual(before.listing);
    expect(await byPerson()).toEqual(before.byPerson);
    expect((await download('erin', `?from=${at(0)}&to=${at(299)}`)).text).toBe(before.export);
    const one = await app.api('erin', 'GET', `${AUDITS}/${old.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: old.id, activityDateTime: old.activityDateTime });
    expect(await verifyAuditChain(tables)).toMatchObject({ ok: true });
  });
});
