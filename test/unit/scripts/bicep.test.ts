import { describe, expect, it } from 'vitest';
import { BICEP_PACKAGE, BICEP_VERSION, type BicepProbe, bicepBinary, ensureBicep, restoreProject } from '../../../scripts/bicep';

const CACHE = '/tmp/pim-bicep-cache-test';

/** A machine as the decision sees it; records each restore. */
function machine(options: { present?: string[]; platform?: string; dotnet?: string; restoreWorks?: boolean }) {
  const present = new Set(options.present ?? []);
  const log = { restores: [] as string[], said: [] as string[] };
  const probe: BicepProbe = {
    exists: (path) => present.has(path),
    platform: options.platform ?? 'linux',
    arch: 'x64',
    dotnetVersion: () => ('dotnet' in options ? options.dotnet : '10.0.401'),
    restore: (cache, tfm) => {
      log.restores.push(tfm);
      if (options.restoreWorks ?? true) present.add(bicepBinary(cache));
      return options.restoreWorks ?? true;
    },
    say: (line) => log.said.push(line),
  };
  return { probe, log };
}

describe('the test command getting the Bicep compiler (npm pretest)', () => {
  it('uses the restored compiler when it is there, restoring nothing', () => {
    const { probe, log } = machine({ present: [bicepBinary(CACHE)] });
    expect(ensureBicep(probe, {}, CACHE)).toEqual({ ok: true, path: bicepBinary(CACHE), restored: false });
    expect(log.restores).toEqual([]);
  });

  it('restores the pinned package with the SDK it finds when the compiler is missing', () => {
    const { probe, log } = machine({ dotnet: '10.0.401' });
    expect(ensureBicep(probe, {}, CACHE)).toEqual({ ok: true, path: bicepBinary(CACHE), restored: true });
    expect(log.restores).toEqual(['net10.0']);
    expect(log.said.join('\n')).toContain(`${BICEP_PACKAGE} ${BICEP_VERSION}`);
  });

  it('says what to install when there is no dotnet to restore with', () => {
    const { probe, log } = machine({ dotnet: undefined });
    const outcome = ensureBicep(probe, {}, CACHE);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toMatch(/install the \.NET SDK, or set PIM_BICEP_PATH/);
    expect(log.restores).toEqual([]);
  });

  it('fails with the restore named when NuGet does not serve it', () => {
    const { probe } = machine({ restoreWorks: false });
    const outcome = ensureBicep(probe, {}, CACHE);
    expect(!outcome.ok && outcome.message).toMatch(/dotnet restore could not get Azure\.Bicep\.CommandLine\.linux-x64 0\.49\.2/);
  });

  it('does not restore a linux-x64 binary on another platform', () => {
    const { probe, log } = machine({ platform: 'darwin' });
    const outcome = ensureBicep(probe, {}, CACHE);
    expect(!outcome.ok && outcome.message).toMatch(/linux-x64 only, this is darwin-x64/);
    expect(log.restores).toEqual([]);
  });

  it('takes PIM_BICEP_PATH as it is, and refuses one with nothing there', () => {
    const { probe, log } = machine({ present: ['/opt/bicep'] });
    expect(ensureBicep(probe, { PIM_BICEP_PATH: '/opt/bicep' }, CACHE)).toEqual({ ok: true, path: '/opt/bicep', restored: false });
    const missing = ensureBicep(probe, { PIM_BICEP_PATH: '/nowhere/bicep' }, CACHE);
    expect(!missing.ok && missing.message).toMatch(/PIM_BICEP_PATH is \/nowhere\/bicep, where there is no executable/);
    expect(log.restores).toEqual([]);
  });

  it('asks NuGet for exactly the pinned version', () => {
    expect(restoreProject('net10.0')).toContain(`<PackageDownload Include="${BICEP_PACKAGE}" Version="[${BICEP_VERSION}]" />`);
  });
});
