/** Figures: percentiles, the machine, the JSON files under test-results/ and the printed summary. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export const loadAverage = () => Number((loadavg()[0] ?? 0).toFixed(2));

export const resultsDir = resolve(__dirname, '../../test-results');

/** The machine, and how busy it was (1-minute load average): other work on it skews latencies. */
export function machine(loadAverageAtStart: number) {
  return {
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Number((totalmem() / 2 ** 30).toFixed(1)),
    loadAverageAtStart,
    loadAverageAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
}

/** How this run was started: the npm command and the SOAK_* knobs that were set. */
export function command(parts: string[]) {
  const knobs = Object.entries(process.env).filter(([k]) => k.startsWith('SOAK_') || k === 'DEVHOST_STORAGE');
  const env = knobs.map(([k, v]) => `${k}=${k === 'DEVHOST_STORAGE' ? '(set)' : (v ?? '')}`);
  return [...env, 'npm run soak', ...(parts.length > 0 ? ['--', ...parts] : [])].join(' ');
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Math.round(percentile(sorted, p));
  return { p50: at(50), p95: at(95), p99: at(99), max: Math.round(sorted.at(-1) ?? Number.NaN) };
}

/** Counts of each key, e.g. statuses or error codes. */
export function tally(keys: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

export function writeResult(name: string, result: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** Lines of `label: value`, aligned, for the human summary. */
export function printSummary(title: string, rows: Array<[string, string | number]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

/** devhost log lines that report a failure, grouped by their text with ids and times blanked out. */
export function problemLines(log: string, limit = 15): Array<{ line: string; count: number }> {
  const normalized = log
    .split('\n')
    .filter((l) => /\(Failed,|Error|error:|Unhandled|ECONN/.test(l))
    .map((l) =>
      l
        .replace(/^\[[^\]]+\]\s*/, '')
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
        .replace(/\d+ms/g, '<n>ms')
        .slice(0, 300),
    );
  return Object.entries(tally(normalized))
    .map(([line, count]) => ({ line, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, limit);
}
