/**
 * `npm test` runs this first (package.json "pretest"): the browser tests drive Debian's
 * chromium (test/browser/), and a fresh machine does not have it. When it is missing and this
 * runs as root with apt, it installs it; otherwise it says in one line what to install and
 * fails, before any test runs. PIM_CHROMIUM_PATH points the browser tests elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { executable } from './executable';

/** Where Debian's `chromium` package puts the browser. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The browser the tests launch. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIM_CHROMIUM_PATH || DEBIAN_CHROMIUM;
}

export interface ChromiumProbe {
  /** Whether an executable is at this path. */
  exists(path: string): boolean;
  isRoot: boolean;
  hasApt: boolean;
  /** Runs apt-get update and apt-get install -y chromium; false when either failed. */
  install(): boolean;
  /** Progress lines (stdout). */
  say(line: string): void;
}

export type ChromiumOutcome = { ok: true; installed: boolean } | { ok: false; message: string };

/** The one line that tells a person what to do when the browser is missing. */
export function missingChromiumMessage(path: string): string {
  return path === DEBIAN_CHROMIUM
    ? "The browser tests need Debian's chromium: run `sudo apt-get install chromium`"
    : `The browser tests need chromium at ${path} (PIM_CHROMIUM_PATH), which is missing: point PIM_CHROMIUM_PATH at a chromium binary, or unset it and run \`sudo apt-get install chromium\``;
}

/** Finds the browser, installing Debian's when that is possible and would put it there. */
export function ensureChromium(path: string, probe: ChromiumProbe): ChromiumOutcome {
  if (probe.exists(path)) return { ok: true, installed: false };
  // Why: the package installs /usr/bin/chromium only; for any other path it would not help.
  if (path !== DEBIAN_CHROMIUM || !probe.isRoot || !probe.hasApt) return { ok: false, message: missingChromiumMessage(path) };
  probe.say("Installing Debian's chromium for the browser tests (apt-get install chromium)...");
  if (!probe.install()) return { ok: false, message: `apt-get could not install chromium (see its output above). ${missingChromiumMessage(path)}` };
  if (!probe.exists(path)) return { ok: false, message: `apt-get installed chromium, but ${path} is still missing. ${missingChromiumMessage(path)}` };
  return { ok: true, installed: true };
}

function aptInstall(): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
    const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (run.status !== 0) return false;
  }
  return true;
}

export const systemProbe: ChromiumProbe = {
  exists: executable,
  isRoot: process.getuid?.() === 0,
  hasApt: executable('/usr/bin/apt-get'),
  install: aptInstall,
  say: (line) => process.stdout.write(`${line}\n`),
};

if (require.main === module) {
  const outcome = ensureChromium(chromiumPath(), systemProbe);
  if (!outcome.ok) {
    console.error(outcome.message);
    process.exit(1);
  }
}
