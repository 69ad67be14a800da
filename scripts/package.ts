/**
 * `npm run package`: the zip a Flex Consumption app deploys (infra/ points its deployment
 * container at it; `azd deploy` or `az functionapp deployment source config-zip` uploads it).
 *
 * Why a prebuilt zip and not a remote build: package.json's devDependencies include devhost's
 * stand-in for `@azure/functions-core` as a `file:` link, which a remote `npm install` cannot
 * resolve once devhost/ is left out; and the real worker injects that module anyway. So the zip
 * holds the compiled app (dist/functions, dist/shared), the built portal, host.json, a
 * package.json without devDependencies, and exactly the production packages package-lock.json
 * names, copied from this checkout's node_modules: offline, and the versions the tests ran.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

const ROOT = resolve(__dirname, '..');

/** What the zip holds from the build, besides host.json, package.json and node_modules. */
const BUILT_PATHS = ['dist/functions', 'dist/shared', 'portal/dist'];

interface LockPackage {
  dev?: boolean;
  link?: boolean;
  optional?: boolean;
}

/** The node_modules folders of every production package in the lock file (nested ones included). */
export function productionPackages(lock: { packages?: Record<string, LockPackage> }): string[] {
  return Object.entries(lock.packages ?? {})
    .filter(([path, pkg]) => path.startsWith('node_modules/') && pkg.dev !== true && pkg.link !== true)
    .map(([path]) => path)
    .sort();
}

/** package.json as the deployed app needs it: what the worker reads (main, type), and the production dependencies. */
export function deployedManifest(manifest: Record<string, unknown>): Record<string, unknown> {
  const { name, version, description, main, type, engines, dependencies } = manifest;
  return Object.fromEntries(Object.entries({ name, version, description, main, type, engines, dependencies, private: true }).filter(([, v]) => v !== undefined));
}

function addTree(files: Zippable, root: string, path: string): void {
  const full = join(root, path);
  if (statSync(full).isDirectory()) {
    for (const entry of readdirSync(full)) addTree(files, root, join(path, entry));
    return;
  }
  // Source maps and TypeScript declarations serve no one at run time.
  if (/\.(map|d\.ts)$/.test(path)) return;
  files[path.split('\\').join('/')] = readFileSync(full);
}

export interface PackageResult {
  zip: string;
  entries: number;
  bytes: number;
}

/**
 * Compiles the app and builds the portal into a folder of their own, so packaging never
 * rewrites the dist/ and portal/dist a running devhost, the CLI or the tests are reading.
 */
function buildInto(root: string, stage: string): void {
  const bin = (name: string) => join(root, 'node_modules', '.bin', name);
  execFileSync(bin('tsc'), ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { cwd: root, stdio: 'inherit' });
  execFileSync(bin('vite'), ['build', '--config', join(root, 'portal/vite.config.mts'), '--outDir', join(stage, 'portal/dist'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}

/** Builds the app and the portal and writes the zip; returns where, and how big. */
export function buildPackage(options: { out?: string; root?: string } = {}): PackageResult {
  const root = options.root ?? ROOT;
  const out = resolve(options.out ?? join(root, 'dist-package', 'pim-functions.zip'));
  const stage = mkdtempSync(join(tmpdir(), 'pim-package-build-'));
  try {
    buildInto(root, stage);
    const files: Zippable = {};
    for (const path of BUILT_PATHS) addTree(files, stage, path);
    addTree(files, root, 'host.json');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    files['package.json'] = Buffer.from(`${JSON.stringify(deployedManifest(manifest), null, 2)}\n`);
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages?: Record<string, LockPackage> };
    for (const path of productionPackages(lock)) {
      if (existsSync(join(root, path))) addTree(files, root, path);
      else if (lock.packages?.[path]?.optional !== true) throw new Error(`${path} is missing from node_modules: run 'npm ci' first.`);
    }
    const zip = zipSync(files, { level: 6 });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, zip);
    return { zip: out, entries: Object.keys(files).length, bytes: zip.byteLength };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const result = buildPackage();
  process.stdout.write(`Wrote ${relative(process.cwd(), result.zip)}: ${result.entries} files, ${(result.bytes / 1_048_576).toFixed(1)} MiB.\n`);
}
