/**
 * `npm run bench`: how fast activations go through the whole product (HTTP → policy checks →
 * Table Storage → Durable workflow → Graph), measured against devhost with its own Azurite on
 * this machine. Prints figures; asserts nothing (speed is reported, not tested).
 *
 * - latency: POST selfActivate (no approval) until the role is present in the Graph stand-in,
 *   p50/p95/p99 over ACTIVATIONS activations, CLIENTS at a time;
 * - throughput: activations per second over that run;
 * - storage: Table requests per activation, counted by a proxy in front of Azurite;
 * - baseline: Azurite's raw single-entity insert rate on the same machine, same run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { connectionString, startAzurite } from '../../devhost/core/azurite';
import { freePort } from '../../devhost/core/ports';
import { loadDemoDirectory } from '../../devhost/graph/demoDirectory';
import { reconcilePass, seedHistory } from './history';

const ACTIVATIONS = Number(process.env.BENCH_ACTIVATIONS ?? 200);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 50_000);
/**
 * Whose history: 'others' spreads the ended requests over 1,000 other people (an organisation's
 * history), 'same' puts all of them on the benchmark's own users (the worst case for one person).
 */
const HISTORY_OF = process.env.BENCH_HISTORY_OF === 'same' ? 'same' : 'others';
const RECONCILE_LIVE = Number(process.env.BENCH_RECONCILE_LIVE ?? 10_000);
const RECONCILE_DUE = 10;
/** How long each counted cycle holds the role before removing it. */
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 200);
/**
 * Cycles run and thrown away before each latency run, on every store alike: the first ones pay
 * for devhost's cold start (JIT, clients, table creation), which is not what the store costs.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
/**
 * Fresh setups per store, run alternately (empty, history, empty, history...) with their
 * latencies pooled: one run moves by 10-20 % with what else the machine does, and the
 * comparison is of stores, not of moments.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const TENANT = '7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f';
const root = resolve(__dirname, '../..');

/**
 * BENCH_TRACE=1 lists each call to the app's tables during the counted cycles, in order, with
 * the app code that made it (devhost runs with tableTrace.ts loaded), then stops.
 */
const TRACE = process.env.BENCH_TRACE === '1';
const traceFile = TRACE ? join(mkdtempSync(join(tmpdir(), 'pim-bench-trace-')), 'tables.tsv') : undefined;

/** Requests by table: a batch names its table in its body, every other request in its path. */
type Counts = Map<string, number>;

/** Forwards to Azurite's table port, counting requests per table. */
async function countingProxy(target: number): Promise<{ port: number; counts: () => Counts; close: () => void }> {
  const counts: Counts = new Map();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = decodeURIComponent(req.url ?? '');
      const named = path.includes('$batch') ? /devstoreaccount1\/([A-Za-z0-9]+)[(? ]/.exec(body.toString('utf8')) : /devstoreaccount1\/([A-Za-z0-9]+)/.exec(path);
      const table = named?.[1] ?? 'other';
      counts.set(table, (counts.get(table) ?? 0) + 1);
      const upstream = httpRequest({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, counts: () => new Map(counts), close: () => server.close() };
}

/** The traced table calls made between `from` and `to`, numbered, with their callers. */
function printTrace(file: string, from: number, to: number): void {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length >= 5 && Number(f[0]) >= from && Number(f[0]) <= to);
  lines.forEach((f, i) => console.error(`trace ${String(i + 1).padStart(3)} +${String(Number(f[0]) - from).padStart(5)}ms ${f[1]} ${f[2]} ${f[3]}\n      ${f[4]}`));
  console.error(`trace: ${lines.length} table calls`);
}

/** What happened between two snapshots, per table, split into the app's tables and devhost's own. */
function delta(before: Counts, after: Counts, runs: number): { app: Record<string, number>; devhost: Record<string, number>; appTotal: number; devhostTotal: number } {
  const app: Record<string, number> = {};
  const devhost: Record<string, number> = {};
  for (const [table, n] of after) {
    const d = (n - (before.get(table) ?? 0)) / runs;
    if (d === 0) continue;
    const into = table.startsWith('Pim') ? app : devhost;
    into[table] = Number(d.toFixed(1));
  }
  const sum = (o: Record<string, number>) => Number(Object.values(o).reduce((a, b) => a + b, 0).toFixed(1));
  return { app, devhost, appTotal: sum(app), devhostTotal: sum(devhost) };
}

/** The host's error and warning lines, shown if the run fails. */
const hostProblems: string[] = [];

async function startHost(env: Record<string, string>): Promise<ChildProcess> {
  const traced = traceFile ? ['--import', join(root, 'test/bench/tableTrace.ts')] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', ...traced, join(root, 'devhost/main.ts')], {
    cwd: root,
    env: { ...process.env, ...env, ...(traceFile ? { BENCH_TABLE_TRACE_FILE: traceFile } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: unknown) => {
    const text = String(d);
    if (out.length < 100_000) out += text;
    for (const line of text.split('\n')) if (/error|warn|fail/i.test(line)) hostProblems.push(line);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + 30_000;
  while (!out.includes('devhost listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`devhost did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function summarise(latencies: number[], perSecond: number): LatencyResult {
  const samples = [...latencies].sort((a, b) => a - b);
  return {
    activations: samples.length,
    samples,
    latencyMs: { p50: Math.round(percentile(samples, 50)), p95: Math.round(percentile(samples, 95)), p99: Math.round(percentile(samples, 99)), max: Math.round(samples.at(-1) ?? 0) },
    activationsPerSecond: Number(perSecond.toFixed(1)),
  };
}

/** The rounds of one store as one figure (latencies pooled, throughput averaged), and each round's own. */
function pooled(rounds: LatencyResult[]) {
  const all = summarise(rounds.flatMap((r) => r.samples), rounds.reduce((a, r) => a + r.activationsPerSecond, 0) / rounds.length);
  const { samples: _, ...figures } = all;
  return { ...figures, rounds: rounds.map(({ samples: __, ...r }) => ({ p50: r.latencyMs.p50, p99: r.latencyMs.p99, activationsPerSecond: r.activationsPerSecond })) };
}

const change = (after: number, before: number) => `${after >= before ? '+' : ''}${Math.round(((after - before) / before) * 100)} %`;

interface LatencyResult {
  activations: number;
  /** Every activation's latency in ms, sorted: rounds are pooled from these. */
  samples: number[];
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  activationsPerSecond: number;
}

/** Sequential single-entity inserts per second into `table` (a partition of their own). */
async function insertRate(table: TableClient, inserts = 500): Promise<number> {
  const partitionKey = `bench-${randomUUID()}`;
  const started = performance.now();
  for (let i = 0; i < inserts; i++) await table.createEntity({ partitionKey, rowKey: String(i), value: 'x'.repeat(200) });
  return Math.round(inserts / ((performance.now() - started) / 1000));
}

interface Setup {
  cycles?: ReturnType<typeof delta>;
  /** Azurite's insert rate into the app's Schedules table after the run (it grows with history). */
  scheduleInsertsPerSecond?: number;
  latency?: LatencyResult;
  reconcile?: Awaited<ReturnType<typeof reconcilePass>>;
  insertsPerSecond?: number;
}

/**
 * One fresh setup (its own Azurite and devhost): with `history` ended requests seeded before the
 * latency run, or, on the empty store, also the per-cycle request counts, the reconcile pass and
 * Azurite's baseline. Fresh each time, so the second run does not pay for the first one's rows.
 */
async function measure(history: number, full: boolean): Promise<Setup> {
  const out: Setup = {};
  const azurite = await startAzurite({});
  const proxy = await countingProxy(azurite.ports.table);
  const storage = connectionString('127.0.0.1', { ...azurite.ports, table: proxy.port });
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const host = await startHost({
    DEVHOST_PORT: String(port),
    DEVHOST_STORAGE: storage,
    DEVHOST_DATA_DIR: mkdtempSync(join(tmpdir(), 'pim-bench-')),
    DEVHOST_LOG_LEVEL: 'info',
    PIM_TENANT_ID: TENANT,
    PIM_OIDC_ISSUER: `${url}/${TENANT}/v2.0`,
    PIM_GRAPH_BASE_URL: `${url}/.devhost/graph`,
    PIM_PUBLIC_BASE_URL: url,
    PIM_SERVICEBUS_CONNECTION: `${url}/.devhost/servicebus`,
    // The timers' passes are measured on their own (the reconcile pass below), not inside the cycles.
    PIM_RECONCILE_SCHEDULE: '0 0 0 1 1 *',
    PIM_OUTBOX_SCHEDULE: '0 0 0 1 1 *',
    PIM_AUDIT_SEAL_SCHEDULE: '0 0 0 1 1 *',
  });
  try {
    const directory = loadDemoDirectory();
    const token = async (user: string) => {
      const res = await fetch(`${url}/.devhost/token`, { method: 'POST', body: JSON.stringify({ user, mfa: true }) });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const tokens = new Map<string, string>();
    for (const u of directory.users) tokens.set(u.id, await token(u.alias));
    const adminToken = tokens.get(directory.users.find((u) => u.alias === 'admin')?.id ?? '') ?? '';
    const post = async (bearer: string, path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    };
    const slots = directory.users.flatMap((u) => directory.roleDefinitions.map((r) => ({ user: u.id, role: r.id })));
    for (const s of slots) {
      await post(adminToken, '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
        action: 'adminAssign', principalId: s.user, roleDefinitionId: s.role, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
      });
    }
    const granted = async (user: string, role: string) => {
      const res = await fetch(`${url}/.devhost/graph/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '${user}' and roleDefinitionId eq '${role}'`);
      return ((await res.json()) as { value: unknown[] }).value.length > 0;
    };
    const activateOnce = async (slot: { user: string; role: string }): Promise<number> => {
      const started = performance.now();
      await post(tokens.get(slot.user) ?? '', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
        action: 'selfActivate', principalId: slot.user, roleDefinitionId: slot.role, directoryScopeId: '/', justification: `bench ${randomUUID()}`,
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
      });
      while (!(await granted(slot.user, slot.role))) {
        if (performance.now() - started > 30_000) throw new Error(`activation of ${slot.role} for ${slot.user} not granted within 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return performance.now() - started;
    };
    const remove = async (slot: { user: string; role: string }) => {
      await post(adminToken, '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
        action: 'adminRemove', principalId: slot.user, roleDefinitionId: slot.role, directoryScopeId: '/', justification: 'bench cleanup',
      });
      const started = performance.now();
      while (await granted(slot.user, slot.role)) {
        if (performance.now() - started > 30_000) throw new Error(`removal of ${slot.role} for ${slot.user} not done within 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    // Storage requests per activate+remove cycle: one at a time, from the POST to the grant, the
    // removal and both workflows settling.
    console.error(`bench: ${slots.length} eligible slots ready`);
    if (full) {
    const sample = slots.slice(0, Number(process.env.BENCH_CYCLES ?? 10));
    await activateOnce(sample[0] as { user: string; role: string }); // warm caches and tables
    await remove(sample[0] as { user: string; role: string });
    await new Promise((r) => setTimeout(r, 500));
    const beforeCycles = proxy.counts();
    const tracedFrom = Date.now();
    for (const s of sample) {
      await activateOnce(s);
      // The role is held a moment before it is removed, as it would be: a removal landing while
      // the grant is still being recorded is a race (retried), not the cycle this counts.
      await new Promise((r) => setTimeout(r, HOLD_MS));
      await remove(s);
      await new Promise((r) => setTimeout(r, 300));
    }
    const perCycle = delta(beforeCycles, proxy.counts(), sample.length);
    if (traceFile) printTrace(traceFile, tracedFrom, Date.now());
    console.error(`bench: ${perCycle.appTotal} app table requests per cycle (${JSON.stringify(perCycle.app)}), devhost ${perCycle.devhostTotal}`);
    out.cycles = perCycle;
    }

    // Latency and throughput: CLIENTS clients, each cycling over its own slots.
    const runLatency = async (count: number): Promise<LatencyResult> => {
      const latencies: number[] = [];
      let next = 0;
      const runStarted = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          const mine = slots.filter((_, i) => i % CLIENTS === c);
          for (let k = 0; ; k++) {
            if (next >= count) return;
            next++;
            const slot = mine[k % mine.length];
            if (!slot) return;
            latencies.push(await activateOnce(slot));
            await remove(slot);
          }
        }),
      );
      const runSeconds = (performance.now() - runStarted) / 1000;
      return summarise(latencies, latencies.length / runSeconds);
    };
    if (TRACE) return out;
    if (history > 0) {
      const historyStarted = performance.now();
      const owners = HISTORY_OF === 'same' ? slots : Array.from({ length: 1_000 }, (_, i) => ({ user: randomUUID(), role: (slots[i % slots.length] as { role: string }).role }));
      await seedHistory(storage, 'Pim', history, owners);
      console.error(`bench: ${history} ended requests seeded in ${Math.round((performance.now() - historyStarted) / 1000)} s`);
    }
    if (WARMUP > 0) await runLatency(WARMUP);
    out.latency = await runLatency(ACTIVATIONS);
    console.error(`bench: ${history} ended requests: ${JSON.stringify({ ...out.latency, samples: undefined })}`);
    // Azurite's own cost of a bigger table: sequential inserts into the app's Schedules table as it now is.
    out.scheduleInsertsPerSecond = await insertRate(TableClient.fromConnectionString(azurite.connectionString, 'PimSchedules', { allowInsecureConnection: true }));
    if (!full) return out;

    // One reconcile pass over RECONCILE_LIVE live schedules of which RECONCILE_DUE are due.
    const total = () => [...proxy.counts().values()].reduce((a, b) => a + b, 0);
    out.reconcile = await reconcilePass(storage, 'BenchRec', `${url}/.devhost/graph`, RECONCILE_LIVE, RECONCILE_DUE, total);
    console.error(`bench: reconcile pass ${JSON.stringify(out.reconcile)}`);

    // Baseline: Azurite's raw insert rate into an empty table, straight to its port.
    const table = TableClient.fromConnectionString(azurite.connectionString, `Bench${randomUUID().replace(/-/g, '').slice(0, 8)}`, { allowInsecureConnection: true });
    await table.createTable();
    out.insertsPerSecond = await insertRate(table);
    return out;
  } finally {
    host.kill('SIGTERM');
    await new Promise((r) => host.once('exit', r));
    proxy.close();
    await azurite.stop();
  }
}

async function main(): Promise<void> {
  const empty = await measure(0, true);
  if (TRACE) return;
  const emptyRounds = [empty.latency as LatencyResult];
  const historyRounds: LatencyResult[] = [];
  let withHistory: Setup = {};
  for (let round = 1; round <= ROUNDS; round++) {
    if (round > 1) emptyRounds.push((await measure(0, false)).latency as LatencyResult);
    withHistory = await measure(HISTORY, false);
    historyRounds.push(withHistory.latency as LatencyResult);
  }
  const emptyFigures = pooled(emptyRounds);
  const historyFigures = pooled(historyRounds);
  const results = {
    machine: `${process.platform} ${process.arch}, node ${process.version}, ${(await import('node:os')).cpus().length} cores`,
    clients: CLIENTS,
    warmupCycles: WARMUP,
    emptyStore: emptyFigures,
    withHistory: { endedRequests: HISTORY, historyOf: HISTORY_OF, ...historyFigures },
    historyChange: { p50: change(historyFigures.latencyMs.p50, emptyFigures.latencyMs.p50), p99: change(historyFigures.latencyMs.p99, emptyFigures.latencyMs.p99) },
    reconcilePass: empty.reconcile && { liveSchedules: RECONCILE_LIVE, due: RECONCILE_DUE, settled: empty.reconcile.report.settled, failed: empty.reconcile.report.failed.length, tableRequests: empty.reconcile.tableRequests },
    note: `each client also removes its activation (adminRemove) before the next; throughput counts activate+remove cycles; each store is a fresh setup, ${ROUNDS} per store run alternately with their latencies pooled, each after ${WARMUP} warm-up cycles`,
    tableRequestsPerCycle: empty.cycles && { app: empty.cycles.appTotal, appByTable: empty.cycles.app, devhost: empty.cycles.devhostTotal, devhostByTable: empty.cycles.devhost },
    azuriteSequentialInsertsPerSecond: { emptyTable: empty.insertsPerSecond, schedulesTableAfterEmptyRun: empty.scheduleInsertsPerSecond, schedulesTableWithHistory: withHistory.scheduleInsertsPerSecond },
  };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(join(root, 'test-results', 'bench.json'), JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  if (hostProblems.length > 0) console.error(`devhost reported:\n${hostProblems.slice(-40).join('\n')}`);
  process.exit(1);
});
