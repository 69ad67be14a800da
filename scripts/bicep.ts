/**
 * `npm test` runs this first (package.json "pretest"): the infra tests (test/infra/) build and
 * lint infra/main.bicep with the real Bicep compiler, and nothing on npm carries it. NuGet does:
 * the package Azure.Bicep.CommandLine.linux-x64 holds the self-contained `bicep` executable.
 * This restores that package with the machine's own NuGet client (`dotnet restore` of a
 * throwaway project with a PackageDownload, so the machine's configured sources and signature
 * checks apply) into `.cache/bicep/`, which git ignores. When it is already there it only checks
 * that the file is there, so a second run costs nothing. PIM_BICEP_PATH points at another binary.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { executable } from './executable';

export const BICEP_PACKAGE = 'Azure.Bicep.CommandLine.linux-x64';
/** Pinned so every machine lints with the same rules (a newer linter adds warnings, which fail). */
export const BICEP_VERSION = '0.49.2';

const ROOT = resolve(__dirname, '..');
/** Outside git (.gitignore), inside the work tree: a fresh clone restores it once. */
export const BICEP_CACHE = join(ROOT, '.cache', 'bicep');

/** Where the restored package puts the executable (NuGet lower-cases ids in its folder layout). */
export function bicepBinary(cache = BICEP_CACHE, version = BICEP_VERSION): string {
  return join(cache, 'packages', BICEP_PACKAGE.toLowerCase(), version, 'tools', 'bicep');
}

/** The compiler the tests run: PIM_BICEP_PATH, else the restored one. */
export function bicepPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIM_BICEP_PATH || bicepBinary();
}

export interface BicepProbe {
  /** Whether an executable file is at this path. */
  exists(path: string): boolean;
  platform: string;
  arch: string;
  /** The .NET SDK's version (`dotnet --version`), or undefined when there is no dotnet. */
  dotnetVersion(): string | undefined;
  /** Restores the package into the cache; false when the restore failed. */
  restore(cache: string, targetFramework: string): boolean;
  say(line: string): void;
}

export type BicepOutcome = { ok: true; path: string; restored: boolean } | { ok: false; message: string };

/** Finds the compiler, restoring it from NuGet when it is missing and this machine can. */
export function ensureBicep(probe: BicepProbe, env: NodeJS.ProcessEnv = process.env, cache = BICEP_CACHE): BicepOutcome {
  if (env.PIM_BICEP_PATH) {
    return probe.exists(env.PIM_BICEP_PATH)
      ? { ok: true, path: env.PIM_BICEP_PATH, restored: false }
      : { ok: false, message: `PIM_BICEP_PATH is ${env.PIM_BICEP_PATH}, where there is no executable: point it at a bicep binary, or unset it to restore ${BICEP_PACKAGE} ${BICEP_VERSION} from NuGet` };
  }
  const path = bicepBinary(cache);
  if (probe.exists(path)) return { ok: true, path, restored: false };
  // Why: the package carries a linux-x64 executable only; another platform needs its own package.
  if (probe.platform !== 'linux' || probe.arch !== 'x64') {
    return { ok: false, message: `The infra tests need the Bicep CLI: ${BICEP_PACKAGE} runs on linux-x64 only, this is ${probe.platform}-${probe.arch}. Install bicep ${BICEP_VERSION} and set PIM_BICEP_PATH to it` };
  }
  const sdk = probe.dotnetVersion();
  const major = sdk?.match(/^(\d+)\./)?.[1];
  if (!major) {
    return { ok: false, message: `The infra tests restore the Bicep CLI (${BICEP_PACKAGE} ${BICEP_VERSION}) from NuGet with \`dotnet restore\`, and dotnet is missing: install the .NET SDK, or set PIM_BICEP_PATH to a bicep binary` };
  }
  probe.say(`Restoring ${BICEP_PACKAGE} ${BICEP_VERSION} from NuGet into ${cache} (once; the infra tests build infra/main.bicep with it)...`);
  if (!probe.restore(cache, `net${major}.0`)) return { ok: false, message: `dotnet restore could not get ${BICEP_PACKAGE} ${BICEP_VERSION} (see its output above); set PIM_BICEP_PATH to a bicep binary to go without it` };
  if (!probe.exists(path)) return { ok: false, message: `dotnet restore ran, but ${path} is missing` };
  return { ok: true, path, restored: true };
}

/** A project that builds nothing: it only asks NuGet for the package (PackageDownload, exact version). */
export function restoreProject(targetFramework: string): string {
  return [
    '<Project Sdk="Microsoft.NET.Sdk">',
    `  <PropertyGroup><TargetFramework>${targetFramework}</TargetFramework></PropertyGroup>`,
    `  <ItemGroup><PackageDownload Include="${BICEP_PACKAGE}" Version="[${BICEP_VERSION}]" /></ItemGroup>`,
    '</Project>',
    '',
  ].join('\n');
}

export const systemProbe: BicepProbe = {
  exists: executable,
  platform: process.platform,
  arch: process.arch,
  dotnetVersion() {
    const run = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
    return run.status === 0 ? run.stdout.trim() : undefined;
  },
  restore(cache, targetFramework) {
    const project = join(cache, 'restore');
    mkdirSync(project, { recursive: true });
    const file = join(project, 'bicep-restore.csproj');
    writeFileSync(file, restoreProject(targetFramework));
    const env = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' };
    const run = spawnSync('dotnet', ['restore', file, '--packages', join(cache, 'packages'), '--verbosity', 'quiet'], { stdio: 'inherit', env });
    return run.status === 0;
  },
  say: (line) => process.stdout.write(`${line}\n`),
};

if (require.main === module) {
  const outcome = ensureBicep(systemProbe);
  if (!outcome.ok) {
    console.error(outcome.message);
    process.exit(1);
  }
}
