/**
 * `npm run bench:audit`: how fast the audit history answers at size. Loads BENCH_AUDIT_RECORDS
 * audit records (default 1,000,000) into a fresh in-memory Azurite through the audit adapter
 * (tableAuditLog.appendAll: the chain, its markers and its history index, in chain
 * transactions), then times, through the same adapter the API uses:
 *
 * - a person's records in a 30-day window (`initiatedBy/user/id eq` + `activityDateTime ge/le`);
 * - a target's records in a 30-day window (`targetResources/any(t: t/id eq)` + the window);
 * - the newest page of all records (no filter).
 *
 * Loading stops early after BENCH_AUDIT_LOAD_SECONDS (default 480) and the queries run on what
 * was loaded; the report says how many. Prints figures; asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startAzurite } from '../../devhost/core/azurite';
import { verifyAuditChain } from '../../shared/adapters/tables/auditVerify';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import type { AuditLog, AuditQuery, AuditRecord } from '../../shared/ports/audit';

const RECORDS = Number(process.env.BENCH_AUDIT_RECORDS ?? 1_000_000);
const LOAD_SECONDS = Number(process.env.BENCH_AUDIT_LOAD_SECONDS ?? 480);
const PEOPLE = 2_000;
const ROLES = 60;
/** The history spans two years, one record every so often, in time order. */
const SPAN_MS = 2 * 365 * 86_400_000;
const PAGE = 50;
const RUNS = 20;
const DAY = 86_400_000;

const person = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const role = (i: number) => `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;

function record(i: number, total: number, end: number): AuditRecord {
  const who = person((i * 7919) % PEOPLE);
  const whom = person((i * 104_729 + 13) % PEOPLE);
  return {
    id: randomUUID(),
    activityDateTime: new Date(end - SPAN_MS + Math.floor((i * SPAN_MS) / total)).toISOString(),
    category: 'RoleManagement',
    activityDisplayName: i % 3 === 0 ? 'Add member to role requested (PIM activation)' : 'Add member to role completed (PIM activation)',
    operationType: 'Add',
    correlationId: randomUUID(),
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

async function main(): Promise<void> {
  // Azurite holds every row in memory: give its process room for a few million rows.
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${process.env.BENCH_AUDIT_AZURITE_MB ?? 8192}`.trim();
  const azurite = await startAzurite({});
  try {
    const tables = new TableAccess(azurite.connectionString, 'BenchAudit');
    const log = tableAuditLog(tables);
    const end = Date.now();
    const started = performance.now();
    const batch = 1_000;
    let loaded = 0;
    while (loaded < RECORDS && performance.now() - started < LOAD_SECONDS * 1000) {
      const n = Math.min(batch, RECORDS - loaded);
      await log.appendAll(Array.from({ length: n }, (_, k) => record(loaded + k, RECORDS, end)));
      loaded += n;
      if (loaded % 10_000 === 0) console.error(`bench:audit: ${loaded} records in ${Math.round((performance.now() - started) / 1000)} s`);
    }
    const loadSeconds = (performance.now() - started) / 1000;
    // The newest loaded record's time: the windows end there.
    const last = Date.parse(record(loaded - 1, RECORDS, end).activityDateTime);
    const window = { from: new Date(last - 30 * DAY).toISOString(), to: new Date(last).toISOString() };
    const principals = Array.from({ length: RUNS }, (_, i) => ({ ...window, initiatedByUserId: person((i * 97) % PEOPLE) }));
    const targets = Array.from({ length: RUNS }, (_, i) => ({ ...window, targetResourceId: role(i % ROLES) }));
    const newest = Array.from({ length: RUNS }, () => ({}));
    await timed(log, newest.slice(0, 3)); // warm the client and the connection
    const report = {
      records: loaded,
      requested: RECORDS,
      loadSeconds: Math.round(loadSeconds),
      recordsPerSecond: Math.round(loaded / loadSeconds),
      pageSize: PAGE,
      runs: RUNS,
      principalIn30DayWindow: await timed(log, principals),
      targetIn30DayWindow: await timed(log, targets),
      newestPage: await timed(log, newest),
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
