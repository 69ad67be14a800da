/**
 * The real Bicep compiler (restored by `npm pretest`, scripts/bicep.ts) and readers of the ARM
 * JSON it compiles, for the infra tests.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bicepPath } from '../../scripts/bicep';

export const ROOT = resolve(__dirname, '../..');
export const INFRA = join(ROOT, 'infra');

export interface BicepRun {
  status: number | null;
  /** The compiler's diagnostics (errors and warnings), one per line. */
  diagnostics: string[];
  stdout: string;
}

function bicep(args: string[]): BicepRun {
  const run = spawnSync(bicepPath(), args, { encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  if (run.error) throw new Error(`Cannot run the Bicep CLI at ${bicepPath()} (npm pretest restores it: node --import tsx scripts/bicep.ts): ${run.error.message}`);
  const diagnostics = run.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return { status: run.status, diagnostics, stdout: run.stdout };
}

/** `bicep build` to stdout: the ARM template, or the diagnostics that stopped it. */
export function build(file: string): BicepRun & { template?: ArmTemplate } {
  const run = bicep(['build', file, '--stdout']);
  return run.status === 0 ? { ...run, template: JSON.parse(run.stdout) as ArmTemplate } : run;
}

/** `bicep lint` with the bicepconfig.json beside the file (its rules, warnings included). */
export function lint(file: string): BicepRun {
  return bicep(['lint', file]);
}

/** A change to one file of infra/, for a test that shows a check catches a regression. */
export interface Mutation {
  file: string;
  change: (text: string) => string;
}

/**
 * Copies of infra/ in a temporary folder, one per mutation, each with its one file changed, all
 * compiled by one run of the compiler (it starts slowly; one run per copy would be minutes on a
 * busy machine). The real template is never touched. Returns each copy's template or diagnostics.
 */
export function buildMutations(mutations: Record<string, Mutation>): Record<string, BicepRun & { template?: ArmTemplate }> {
  const root = mkdtempSync(join(tmpdir(), 'pim-infra-'));
  for (const [name, { file, change }] of Object.entries(mutations)) {
    const dir = join(root, name);
    cpSync(INFRA, dir, { recursive: true });
    const target = join(dir, file);
    const before = readFileSync(target, 'utf8');
    const after = change(before);
    if (after === before) throw new Error(`The mutation "${name}" changed nothing in ${file}: its test would prove nothing.`);
    writeFileSync(target, after);
  }
  const run = bicep(['build', '--pattern', join(root, '*', 'main.bicep')]);
  const results = Object.fromEntries(
    Object.keys(mutations).map((name) => {
      const output = join(root, name, 'main.json');
      const mine = run.diagnostics.filter((d) => d.includes(join(root, name) + '/'));
      return [name, existsSync(output) ? { ...run, diagnostics: mine, template: JSON.parse(readFileSync(output, 'utf8')) as ArmTemplate } : { ...run, diagnostics: mine }];
    }),
  );
  rmSync(root, { recursive: true, force: true });
  return results;
}

export interface ArmResource {
  type: string;
  name: string;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ArmTemplate {
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
  variables?: Record<string, unknown>;
  /** An array, or (language version 2.0, symbolic names) an object keyed by symbol. */
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, unknown>;
}

/**
 * Every resource of the template and of the templates its modules (nested deployments) hold,
 * each with its own template's variables (`variables` below), so a check can read a value given
 * as `[variables('name')]`.
 */
export function allResources(template: ArmTemplate): ArmResource[] {
  const own = Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
  return own.flatMap((r) => {
    const withVariables = Object.defineProperty({ ...r }, VARIABLES, { value: template.variables ?? {}, enumerable: false }) as ArmResource;
    const nested = r.type === 'Microsoft.Resources/deployments' ? (r.properties?.template as ArmTemplate | undefined) : undefined;
    return nested ? [withVariables, ...allResources(nested)] : [withVariables];
  });
}

const VARIABLES = Symbol('variables');

/**
 * A property of a resource by dotted path; a value written as `[variables('name')]` is read from
 * the resource's template (a Bicep var holding a literal compiles to that).
 */
export function valueAt(resource: ArmResource, path: string): unknown {
  const value = path
    .split('.')
    .reduce<unknown>((o, key) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined), resource.properties ?? {});
  const variable = typeof value === 'string' ? value.match(/^\[variables\('(\w+)'\)\]$/)?.[1] : undefined;
  if (variable === undefined) return value;
  const variables = (resource as unknown as Record<symbol, Record<string, unknown>>)[VARIABLES] ?? {};
  return variables[variable];
}

/** Every template, the top one and each module's, e.g. to read a module's variables. */
export function allTemplates(template: ArmTemplate): ArmTemplate[] {
  const own = Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
  return [
    template,
    ...own.flatMap((r) => {
      const nested = r.type === 'Microsoft.Resources/deployments' ? (r.properties?.template as ArmTemplate | undefined) : undefined;
      return nested ? allTemplates(nested) : [];
    }),
  ];
}

export function ofType(template: ArmTemplate, type: string): ArmResource[] {
  return allResources(template).filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

/** A config resource of the site (`Microsoft.Web/sites/config`) by its last name segment. */
export function siteConfig(template: ArmTemplate, name: 'appsettings' | 'authsettingsV2'): Record<string, unknown> | undefined {
  const found = ofType(template, 'Microsoft.Web/sites/config').find((r) => r.name.includes(`'${name}'`));
  return found?.properties;
}
