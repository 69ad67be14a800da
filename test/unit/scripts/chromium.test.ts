import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChromiumProbe, DEBIAN_CHROMIUM, ensureChromium, missingChromiumMessage } from '../../../scripts/chromium';

const ROOT = join(__dirname, '../../..');

/** A machine as the decision sees it; records what was installed. */
function machine(options: { present?: string[]; isRoot?: boolean; hasApt?: boolean; installWorks?: boolean }) {
  const present = new Set(options.present ?? []);
  const log = { installs: 0, said: [] as string[] };
  const probe: ChromiumProbe = {
    exists: (path) => present.has(path),
    isRoot: options.isRoot ?? true,
    hasApt: options.hasApt ?? true,
    install: () => {
      log.installs++;
      if (options.installWorks ?? true) present.add(DEBIAN_CHROMIUM);
      return options.installWorks ?? true;
    },
    say: (line) => log.said.push(line),
  };
  return { probe, log };
}

const SUDO_LINE = "The browser tests need Debian's chromium: run `sudo apt-get install chromium`";

describe('the test command getting chromium (npm pretest)', () => {
  it('uses chromium where it is, installing nothing', () => {
    const { probe, log } = machine({ present: [DEBIAN_CHROMIUM] });
    expect(ensureChromium(DEBIAN_CHROMIUM, probe)).toEqual({ ok: true, installed: false });
    expect(log.installs).toBe(0);
  });

  it('installs Debian\'s chromium with apt when it is missing and it runs as root', () => {
    const { probe, log } = machine({});
    expect(ensureChromium(DEBIAN_CHROMIUM, probe)).toEqual({ ok: true, installed: true });
    expect(log.installs).toBe(1);
    expect(log.said).toEqual(["Installing Debian's chromium for the browser tests (apt-get install chromium)..."]);
  });

  it('says in one line what to install when it cannot install (not root, or no apt)', () => {
    for (const who of [{ isRoot: false }, { hasApt: false }]) {
      const { probe, log } = machine(who);
      expect(ensureChromium(DEBIAN_CHROMIUM, probe)).toEqual({ ok: false, message: SUDO_LINE });
      expect(log.installs).toBe(0);
    }
  });

  it('fails clearly when apt could not install it', () => {
    const { probe } = machine({ installWorks: false });
    const outcome = ensureChromium(DEBIAN_CHROMIUM, probe);
    expect(outcome).toEqual({ ok: false, message: `apt-get could not install chromium (see its output above). ${SUDO_LINE}` });
  });

  it('never runs apt for a browser path Debian\'s package would not fill (PIM_CHROMIUM_PATH)', () => {
    const { probe, log } = machine({});
    const outcome = ensureChromium('/opt/chrome/chrome', probe);
    expect(outcome).toEqual({ ok: false, message: missingChromiumMessage('/opt/chrome/chrome') });
    expect(log.installs).toBe(0);
  });

  it('as a command: a missing browser gives one line on stderr and exit 1, no stack trace', () => {
    const missing = '/nonexistent/pim-test/chromium';
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/chromium.ts'], { cwd: ROOT, env: { ...process.env, PIM_CHROMIUM_PATH: missing }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([missingChromiumMessage(missing)]);
    expect(missingChromiumMessage(missing)).toContain('sudo apt-get install chromium');
  });

  it('as a command: a browser that is there passes quietly', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/chromium.ts'], { cwd: ROOT, env: { ...process.env, PIM_CHROMIUM_PATH: process.execPath }, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toBe('');
  });
});
