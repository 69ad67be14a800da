/**
 * `npm run bench:audit`: how fast the audit history answers at size. BENCH_AUDIT_RECORDS audit
 * records (default 1,000,000) over two years go into a fresh in-memory Azurite as a deployment
 * that has run for two years holds them:
 *
 * - all but the newest BENCH_AUDIT_LIVE (default 2,000) in the sealed store, seeded through the
 *   seal pass's own row mappers (auditSeal.ts `sealedRowsOf`, what a pass writes), chained in
 *   process by the chain's own link arithmetic, with the head and the seal checkpoint where the
 *   passes would have left them (appending a million records one transaction at a time would
 *   measure Azurite's insert path for hours, not the reads);
 * - the newest appended through the audit adapter (tableAuditLog.appendAll, the real path), then
 *   one seal pass (tableAuditSealer with the app's defaults) moves what it would.
 *
 * Then it times, through the same adapter the API uses (BENCH_AUDIT_RUNS, 100, queries each, different people):
 * - a person's records in a 30-day window (`initiatedBy/user/id eq` + `activityDateTime ge/le`),
 *   the newest 30 days (live and sealed) and 30 days a year back (sealed only);
 * - a target's records in the newest 30-day window (`targetResources/any(t: t/id eq)`);
 * - the newest page of all records (no filter), and a record by id a year back.
 *
 * BENCH_AUDIT_VERIFY=1 then walks the whole chain (npm run audit:verify's check). Prints
 * figures; asserts nothing.
 */
import { performance } from 'node:perf_hooks';
import { startAzurite } from '../../devhost/core/azurite';
import { AUDIT_TABLE, type AuditHeadEntity, type JsonValue, nextLink } from '../../shared/adapters/tables/auditChain';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { type SealedRow, sealedRowsOf, tableAuditSealer, writeSealedRows } from '../../shared/adapters/tables/auditSeal';
import type { SealCheckpointEntity } from '../../shared/adapters/tables/auditStretches';
import { timeAfter } from '../../shared/adapters/tables/auditTime';
import { verifyAuditChain } from '../../shared/adapters/tables/auditVerify';
import { keys } from '../../shared/adapters/tables/keys';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import type { AuditLog, AuditQuery, AuditRecord } from '../../shared/ports/audit';

const RECORDS = Number(process.env.BENCH_AUDIT_RECORDS ?? 1_000_000);
const LIVE = Math.min(Number(process.env.BENCH_AUDIT_LIVE ?? 2_000), Number(process.env.BENCH_AUDIT_RECORDS ?? 1_000_000));
/** Records chained and written per seeding step. */
const CHUNK = 5_000;
/** Seeding transactions in flight at once (Azurite is one process: a few keep it busy). */
const WRITERS = 3;
const PEOPLE = 2_000;
const ROLES = 60;
/** The history spans two years, one record every so often, in time order. */
const SPAN_MS = 2 * 365 * 86_400_000;
const PAGE = 50;
/** Queries timed per kind (BENCH_AUDIT_RUNS): enough that p95 is not simply the slowest one. */
const RUNS = Number(process.env.BENCH_AUDIT_RUNS ?? 100);
const DAY = 86_400_000;

const person = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const role = (i: number) => `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;

function record(i: number, total: number, end: number): AuditRecord {
  const who = person((i * 7919) % PEOPLE);
  const whom = person((i * 104_729 + 13) % PEOPLE);
  const at = end - SPAN_MS + Math.floor((i * SPAN_MS) / total);
  return {
    // A version 7 UUID as auditRecord makes them (the time in the id), its other bits from i so the bench can find it again.
    id: `${at.toString(16).padStart(12, '0').slice(0, 8)}-${at.toString(16).padStart(12, '0').slice(8)}-7000-8000-${i.toString(16).padStart(12, '0')}`,
    activityDateTime: new Date(at).toISOString(),
    category: 'RoleManagement',
    activityDisplayName: i % 3 === 0 ? 'Add member to role requested (PIM activation)' : 'Add member to role completed (PIM activation)',
    operationType: 'Add',
    correlationId: `bench-${i}`,
    loggedByService: 'PIM',
    result: 'success',
    resultReason: '',
    initiatedBy: { user: { id: who, displayName: null, userPrincipalName: null }, app: null },
    targetResources: [
      { id: role(i % ROLES), displayName: 'Some Administrator', type: 'Role', modifiedProperties: [] },
      { id: whom, displayName: null, type: 'User', modifiedProperties: [] },
    ],
    additionalDetails: [{ key: 'Justification', value: `bench ${i}` }],
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? Number.NaN;

async function timed(log: AuditLog, queries: AuditQuery[]): Promise<{ medianMs: number; p95Ms: number; records: number }> {
  const times: number[] = [];
  let records = 0;
  for (const q of queries) {
    const t0 = performance.now();
    const page = await log.page(q, PAGE);
    times.push(performance.now() - t0);
    records += page.records.length;
  }
  return { medianMs: Math.round(median(times) * 10) / 10, p95Ms: Math.round(p95(times) * 10) / 10, records: Math.round(records / queries.length) };
}

/** Splits rows into `n` sets with no table partition in two, so they can be written side by side. */
function byPartition(rows: SealedRow[], n: number): SealedRow[][] {
  const sets: SealedRow[][] = Array.from({ length: n }, () => []);
  for (const row of rows) {
    const key = `${row.table}|${row.entity.partitionKey}`;
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
    sets[h % n]?.push(row);
  }
  return sets;
}

/** Chains records 0..count-1 in process and writes them as the sealed store holds them; the last link and time. */
async function seedSealed(tables: TableAccess, count: number, end: number): Promise<{ seq: number; hash: string; atMs: number; fromAtMs: number }> {
  let last: { seq: number; hash: string } | undefined;
  let time: { atMs: number; lagMs: number } | undefined;
  let fromAtMs = 0;
  const started = performance.now();
  for (let from = 0; from < count; from += CHUNK) {
    const links = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) {
      const json = JSON.stringify(record(i, RECORDS, end));
      const stored = JSON.parse(json) as JsonValue & AuditRecord;
      const link = nextLink(last, stored);
      time = timeAfter(time, Date.parse(stored.activityDateTime));
      if (link.seq === 1) fromAtMs = time.atMs;
      links.push({ ...link, json, atMs: time.atMs });
      last = link;
    }
    await Promise.all(byPartition(sealedRowsOf(links), WRITERS).map((rows) => writeSealedRows(tables, rows)));
    const done = Math.min(count, from + CHUNK);
    if (done % 50_000 === 0 || done === count) console.error(`bench:audit: ${done} records sealed in ${Math.round((performance.now() - started) / 1000)} s`);
  }
  if (!last || !time) throw new Error('nothing seeded');
  return { ...last, atMs: time.atMs, fromAtMs };
}

/** Times reads by id; the found count must be all of them. */
async function timedGets(log: AuditLog, ids: string[]): Promise<{ medianMs: number; p95Ms: number; found: number }> {
  const times: number[] = [];
  let found = 0;
  for (const id of ids) {
    const t0 = performance.now();
    if (await log.get(id)) found++;
    times.push(performance.now() - t0);
  }
  return { medianMs: Math.round(median(times) * 10) / 10, p95Ms: Math.round(p95(times) * 10) / 10, found };
}

async function main(): Promise<void> {
  // Azurite holds every row in memory: give its process room for a few million rows.
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${process.env.BENCH_AUDIT_AZURITE_MB ?? 12288}`.trim();
  const azurite = await startAzurite({});
  try {
    const tables = new TableAccess(azurite.connectionString, 'BenchAudit');
    const end = Date.now();
    const started = performance.now();
    const sealedCount = RECORDS - LIVE;
    if (sealedCount > 0) {
      const sealed = await seedSealed(tables, sealedCount, end);
      // Where the passes would have left the head and the checkpoint (records in time order: no lag).
      const live = await tables.table(AUDIT_TABLE);
      const head: AuditHeadEntity = { ...keys.audit.head, seq: sealed.seq, hash: sealed.hash, atMs: sealed.atMs, lagMs: 0, indexedFrom: 1 };
      const checkpoint: SealCheckpointEntity = { ...keys.audit.sealCheckpoint, seq: sealed.seq, hash: sealed.hash, atMs: sealed.atMs, fromAtMs: sealed.fromAtMs };
      await live.createEntity(head);
      await live.createEntity(checkpoint);
    }
    const seedSeconds = (performance.now() - started) / 1000;
    const log = tableAuditLog(tables);
    const appendStarted = performance.now();
    for (let from = sealedCount; from < RECORDS; from += 500) {
      await log.appendAll(Array.from({ length: Math.min(500, RECORDS - from) }, (_, k) => record(from + k, RECORDS, end)));
    }
    const appendSeconds = (performance.now() - appendStarted) / 1000;
    const sealStarted = performance.now();
    const sealedByPass = await tableAuditSealer(tables).seal(new Date());
    const sealSeconds = (performance.now() - sealStarted) / 1000;

    const last = Date.parse(record(RECORDS - 1, RECORDS, end).activityDateTime);
    const recent = { from: new Date(last - 30 * DAY).toISOString(), to: new Date(last).toISOString() };
    const yearBack = { from: new Date(last - 395 * DAY).toISOString(), to: new Date(last - 365 * DAY).toISOString() };
    const principals = (window: AuditQuery) => Array.from({ length: RUNS }, (_, i) => ({ ...window, initiatedByUserId: person((i * 97) % PEOPLE) }));
    const targets = Array.from({ length: RUNS }, (_, i) => ({ ...recent, targetResourceId: role(i % ROLES) }));
    const newest = Array.from({ length: RUNS }, () => ({}));
    // Warm the client and the connection, and open each table the timed reads touch: a process
    // opens a table once (TableAccess creates it if missing), a cost the timed runs should not carry.
    await timed(log, [...newest.slice(0, 3), ...principals(recent).slice(-1), ...principals(yearBack).slice(-1), ...targets.slice(-1)]);
    await log.get(record(1, RECORDS, end).id);
    const byId = Array.from({ length: RUNS }, (_, i) => record(Math.floor(RECORDS / 2) + i * 101, RECORDS, end).id);
    const report = {
      records: RECORDS,
      sealedSeeded: Math.max(0, sealedCount),
      seedSeconds: Math.round(seedSeconds),
      appendedThroughTheAdapter: RECORDS - Math.max(0, sealedCount),
      appendSeconds: Math.round(appendSeconds),
      sealPass: { moved: sealedByPass, seconds: Math.round(sealSeconds * 10) / 10 },
      pageSize: PAGE,
      runs: RUNS,
      principalInNewest30Days: await timed(log, principals(recent)),
      principalIn30DaysAYearBack: await timed(log, principals(yearBack)),
      targetInNewest30Days: await timed(log, targets),
      newestPage: await timed(log, newest),
      byIdAYearBack: await timedGets(log, byId),
      note: 'times are through the audit adapter (what GET /auditLogs/directoryAudits calls), against in-memory Azurite on this machine; Azurite evaluates every query over the whole table, Table Storage reads the key range',
    };
    console.log(JSON.stringify(report, null, 2));
    if (process.env.BENCH_AUDIT_VERIFY === '1') {
      const t0 = performance.now();
      const verdict = await verifyAuditChain(tables);
      console.log(JSON.stringify({ verify: verdict, seconds: Math.round((performance.now() - t0) / 1000) }));
    }
  } finally {
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
