/**
 * `npm run soak [-- crash|load]`: issue 6's long runs, outside `npm test`.
 *
 * - crash: SOAK_ACTIVATIONS (100+) short activations, some through approval, while devhost is
 *   killed with SIGKILL every SOAK_KILL_MIN..SOAK_KILL_MAX seconds and restarted; then, after
 *   SOAK_GRACE_SECONDS with devhost up, every grant must be gone by its end, nothing granted
 *   twice, no request stuck, every step audited. Takes about 12-15 minutes.
 * - load: SOAK_LOAD_RATE requests/second for SOAK_LOAD_SECONDS, open loop, 80% reads and 20%
 *   writes, against a fresh devhost; latency, errors and devhost's memory.
 *
 * Figures go to test-results/soak-crash.json and test-results/soak-load.json; a failed check
 * sets the exit code to 1. Uses DEVHOST_STORAGE when set, else starts its own Azurite per part.
 */
import { checkCrash } from './checks';
import { crashHost, driveCrash } from './crash';
import { runLoad } from './load';
import { command, loadAverage, machine, printSummary, problemLines, writeResult } from './report';
import { killAllDevHosts } from '../devhost/processHost';
import { startStorage } from './setup';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number.`);
  return value;
};

async function crashPart(args: string[]): Promise<boolean> {
  const options = {
    activations: knob('SOAK_ACTIVATIONS', 120),
    graceSeconds: knob('SOAK_GRACE_SECONDS', 60),
    killEverySeconds: [knob('SOAK_KILL_MIN', 5), knob('SOAK_KILL_MAX', 40)] as [number, number],
  };
  const load = loadAverage();
  const storage = await startStorage();
  const began = Date.now();
  try {
    const host = await crashHost(storage.connectionString);
    try {
      const run = await driveCrash(host, storage.connectionString, options);
      const result = await checkCrash(run);
      const f = result.figures;
      const path = writeResult('soak-crash', {
        machine: machine(load),
        command: command(args),
        startedAt: new Date(began).toISOString(),
        minutes: Number(((Date.now() - began) / 60_000).toFixed(1)),
        options,
        drivenSeconds: run.drivenSeconds,
        ...result,
        devhostProblems: problemLines(run.host.output()),
        devhostLog: run.host.logFile,
      });
      printSummary('soak crash: kill -9 during activations', [
        ['activations (created)', `${f.activations} (${f.created}); granted ${f.granted}`],
        ['kills / restarts', `${f.kills} / ${f.restarts} (restart p50 ${result.restartMs.p50} ms, max ${result.restartMs.max} ms)`],
        ['lateness of revocation', `worst ${f.worstLatenessMs} ms, p50 ${result.latenessMs.p50} ms, p95 ${result.latenessMs.p95} ms`],
        ['grant delay', `p50 ${result.grantDelayMs.p50} ms, worst ${result.grantDelayMs.max} ms`],
        ['leftovers', f.leftovers],
        ['stuck', f.stuck],
        ['double grants', f.doubleGrants],
        ['audit gaps', f.auditGaps],
        ['granted without approval', f.wrongGrants],
        ['revoked early', f.earlyRevocations],
        ['unexpected outcomes', f.unexpectedOutcomes],
        ['never granted', f.neverGranted],
        ['outcomes', JSON.stringify(result.outcomes)],
        ['figures', path],
      ]);
      const failed = f.leftovers + f.stuck + f.doubleGrants + f.auditGaps + f.wrongGrants + f.earlyRevocations + f.unexpectedOutcomes + f.neverGranted;
      for (const [name, list] of Object.entries(result.findings)) for (const x of list.slice(0, 5)) console.log(`  ! ${name}: activation ${x.activation}: ${x.what}`);
      return failed === 0 && f.activations >= options.activations;
    } finally {
      await host.stop();
    }
  } finally {
    await storage.stop();
  }
}

async function loadPart(args: string[]): Promise<boolean> {
  const options = { ratePerSecond: knob('SOAK_LOAD_RATE', 50), seconds: knob('SOAK_LOAD_SECONDS', 120) };
  const load = loadAverage();
  const began = new Date().toISOString();
  const storage = await startStorage();
  try {
    const result = await runLoad(storage.connectionString, options);
    const path = writeResult('soak-load', { machine: machine(load), command: command(args), startedAt: began, ...result });
    const o = result.overall;
    const rows: Array<[string, string | number]> = [
      ['target', `${options.ratePerSecond}/s for ${options.seconds} s (${result.target.requests} requests)`],
      ['achieved', `sent ${result.achieved.sendRatePerSecond}/s, completed ${result.achieved.completedRatePerSecond}/s, unanswered ${result.achieved.unanswered}`],
      ['overall', `${o.completed}/${o.sent} completed, p50 ${o.latencyMs.p50} ms, p95 ${o.latencyMs.p95} ms, p99 ${o.latencyMs.p99} ms, max ${o.latencyMs.max} ms`],
      ...Object.entries(result.perKind).map(([kind, k]): [string, string] => [
        `  ${kind}`,
        `${k.completed}/${k.sent}, p50 ${k.latencyMs.p50} / p95 ${k.latencyMs.p95} / p99 ${k.latencyMs.p99} ms${Object.keys(k.errors).length ? `, errors ${JSON.stringify(k.errors)}` : ''}`,
      ]),
      ['5xx', result.fiveXx],
      ['writes to a busy slot', `${result.busySlotWrites} (sent while every slot had a write in flight; they explain the 4xx)`],
      ['machine load average', `${load} at start, ${loadAverage()} at end (${machine(load).cores} cores; other work skews latency)`],
      ['devhost memory', typeof result.devhostMemory === 'string' ? result.devhostMemory : `RSS ${result.devhostMemory.rssMb} MB (peak ${result.devhostMemory.peakRssMb} MB)`],
      ['directory vs clients', `${result.directoryConsistency.mismatches} mismatches of ${result.directoryConsistency.activeSlots} active slots`],
      ['figures', path],
    ];
    printSummary('soak load: open loop', rows);
    return result.fiveXx === 0 && o.completed === o.sent && result.directoryConsistency.mismatches === 0;
  } finally {
    await storage.stop();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const parts = args.length === 0 ? ['crash', 'load'] : args;
  const unknown = parts.filter((p) => p !== 'crash' && p !== 'load');
  if (unknown.length > 0) throw new Error(`Unknown part(s) ${unknown.join(', ')}: use crash, load or nothing (both).`);
  let ok = true;
  if (parts.includes('crash')) ok = (await crashPart(args)) && ok;
  if (parts.includes('load')) ok = (await loadPart(args)) && ok;
  process.exit(ok ? 0 : 1);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await killAllDevHosts();
  process.exit(1);
});
