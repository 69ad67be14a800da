import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPackage, type PackageResult } from '../../scripts/package';

const ROOT = resolve(__dirname, '../..');
const LIST = resolve(__dirname, 'listFunctions.cjs');
let work: string;
let result: PackageResult;
let names: string[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pim-package-'));
  // What `npm run package` does: build (tsc and the portal), then zip.
  result = buildPackage({ out: join(work, 'pim-functions.zip') });
  // Extracted as the platform does, for the load test.
  const files = unzipSync(readFileSync(result.zip));
  for (const [name, data] of Object.entries(files)) {
    const target = join(work, 'app', name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  names = Object.keys(files);
}, 600_000);

/** The app's settings as the sample gives them: a function file may read them when it loads. */
function sampleSettings(): Record<string, string> {
  const sample = JSON.parse(readFileSync(join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  return sample.Values;
}

/** The functions registered by loading `dir`'s files, with nothing but the worker's core module beside them. */
function registered(dir: string, ext: '.js' | '.ts', cwd: string): string[] {
  const core = join(work, 'worker');
  mkdirSync(join(core, '@azure'), { recursive: true });
  try {
    symlinkSync(join(ROOT, 'devhost/functions-core'), join(core, '@azure/functions-core'));
  } catch {
    // Already linked by the other run.
  }
  const args = ext === '.ts' ? ['--import', 'tsx', LIST, dir, ext] : [LIST, dir, ext];
  const run = spawnSync(process.execPath, args, { cwd, env: { PATH: process.env.PATH, ...sampleSettings(), NODE_PATH: core, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 120_000 });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as string[];
}

describe('npm run package', () => {
  it('zips the compiled app, the portal, host.json and the production packages, and nothing of devhost, tests or tooling', () => {
    for (const needed of ['host.json', 'package.json', 'dist/functions/setup.js', 'dist/functions/http/schedules.js', 'dist/shared/config.js', 'portal/dist/index.html', 'node_modules/@azure/functions/package.json', 'node_modules/durable-functions/package.json', 'node_modules/zod/package.json', 'node_modules/jose/package.json']) {
      expect(names, needed).toContain(needed);
    }
    const unwanted = /^(devhost|test|cli|scripts|dist\/cli|node_modules\/(vitest|vite|playwright-core|azurite|typescript|eslint|@azure\/functions-core|fast-check|tsx|preact))\//;
    expect(names.filter((n) => unwanted.test(n))).toEqual([]);
    expect(names.filter((n) => /^(dist|portal)\//.test(n) && /\.tsx?$/.test(n))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(work, 'app/package.json'), 'utf8')) as Record<string, unknown>;
    const source = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.main).toBe('dist/functions/**/*.js');
    expect(manifest.dependencies).toEqual(source.dependencies);
    expect(result.bytes).toBeGreaterThan(1_000_000);
  });

  it('loads every function the source registers, from the zip alone plus the worker\'s core module', () => {
    const fromZip = registered(join(work, 'app/dist/functions'), '.js', join(work, 'app'));
    const fromSource = registered(join(ROOT, 'functions'), '.ts', ROOT);
    expect(fromZip.length).toBeGreaterThan(20);
    expect(fromZip).toEqual(fromSource);
    for (const fn of ['health', 'reconcile', 'portalIndex', 'openApiDocument']) expect(fromZip).toContain(fn);
  });
});
