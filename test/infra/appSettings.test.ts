import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appFiles } from '../../devhost/core/loadApp';
import { registeredFunctions } from '../../devhost/core/registry';
import { settingNames } from '../../shared/config';
import { busConnection, tableConnection } from '../../shared/connections';
import { type ArmTemplate, build, INFRA, ROOT, siteConfig } from './bicep';
import { LEFT_TO_OPERATOR, PLATFORM_SETTINGS, settingProblems } from './settingsPolicy';

let template: ArmTemplate;
let templateSettings: string[];
let codeSettings: Set<string>;
let bindingSettings: Set<string>;

/** The settings a connection reader asks for, with none set (so it reads every form it knows). */
function settingsReadBy(read: (env: Record<string, string | undefined>) => unknown): string[] {
  const asked = new Set<string>();
  read(new Proxy({}, { get: (_t, key) => (typeof key === 'string' && asked.add(key), undefined) }));
  return [...asked];
}

/** Every %NAME% in a text (binding expressions the host resolves from app settings). */
function percentNames(text: string): string[] {
  return [...text.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map((m) => m[1] ?? '');
}

beforeAll(async () => {
  const built = build(join(INFRA, 'main.bicep'));
  if (!built.template) throw new Error(`bicep build failed:\n${built.diagnostics.join('\n')}`);
  template = built.template;
  templateSettings = Object.keys(siteConfig(template, 'appsettings') ?? {});

  codeSettings = new Set([...settingNames, ...settingsReadBy(tableConnection), ...settingsReadBy(busConnection)]);

  for (const file of appFiles(ROOT, ['functions'])) await import(file);
  bindingSettings = new Set([
    ...registeredFunctions().flatMap((fn) => percentNames(JSON.stringify(fn.metadata.bindings))),
    ...percentNames(readFileSync(join(ROOT, 'host.json'), 'utf8')),
  ]);
}, 180_000);

describe('app settings: infra/main.bicep against what the code reads', () => {
  it('reads the settings from the code itself (config.ts, connections.ts, the triggers, host.json)', () => {
    // Enough to know each source was read, not a copy of the lists.
    expect(codeSettings).toContain('PIM_MAIL_SENDER');
    expect(codeSettings).toContain('AzureWebJobsStorage__tableServiceUri');
    expect(codeSettings).toContain('PIM_SERVICEBUS_CONNECTION__fullyQualifiedNamespace');
    expect(bindingSettings).toContain('DURABLE_TASK_HUB');
    expect(bindingSettings).toContain('PIM_RECONCILE_SCHEDULE');
    expect(templateSettings.length).toBeGreaterThan(20);
  });

  it('sets every setting the code reads, or lists it as left to the operator with why', () => {
    expect(settingProblems({ codeSettings, bindingSettings, templateSettings })).toEqual([]);
  });

  it('sets nothing the code or the platform does not read', () => {
    const unread = templateSettings.filter((s) => !codeSettings.has(s) && !bindingSettings.has(s) && !(s in PLATFORM_SETTINGS));
    expect(unread).toEqual([]);
  });

  it('gives each setting it leaves or adds a reason', () => {
    for (const [name, why] of Object.entries({ ...LEFT_TO_OPERATOR, ...PLATFORM_SETTINGS })) expect(why.length, name).toBeGreaterThan(20);
  });

  it('reads the signing keys from Key Vault, never from the template', () => {
    const settings = siteConfig(template, 'appsettings') ?? {};
    for (const name of ['PIM_APPROVAL_LINK_KEYS', 'PIM_WEBHOOK_KEYS']) {
      expect(String(settings[name])).toMatch(/^\[format\('@Microsoft\.KeyVault\(VaultName=\{0\};SecretName=[a-z-]+\)'/);
    }
    expect(settings.PIM_APPROVAL_SIGNIN_REQUIRED).toBe('true');
    expect(settings.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(settings.PIM_SERVICEBUS_CONNECTION__credential).toBe('managedidentity');
  });

  it('names what a template missing a setting, or with a stray one, gets wrong', () => {
    const without = templateSettings.filter((s) => s !== 'PIM_MAIL_SENDER' && s !== 'PIM_OUTBOX_SCHEDULE');
    expect(settingProblems({ codeSettings, bindingSettings, templateSettings: without })).toEqual([
      'PIM_MAIL_SENDER is read by the code but main.bicep does not set it (set it, or add it to LEFT_TO_OPERATOR with why)',
      'PIM_OUTBOX_SCHEDULE is read by the code but main.bicep does not set it (set it, or add it to LEFT_TO_OPERATOR with why)',
      'PIM_OUTBOX_SCHEDULE is named as %PIM_OUTBOX_SCHEDULE% by a trigger or host.json, so main.bicep must set it (the host has no default)',
    ]);
    const stray = [...templateSettings, 'FUNCTIONS_WORKER_RUNTIME', 'PIM_TABLE_PREFIX'];
    expect(settingProblems({ codeSettings, bindingSettings, templateSettings: stray })).toEqual([
      'main.bicep sets FUNCTIONS_WORKER_RUNTIME, which neither the code nor the platform reads',
      'PIM_TABLE_PREFIX is listed as left to the operator, but main.bicep sets it',
    ]);
  });
});
