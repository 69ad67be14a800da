import { describe, expect, it } from 'vitest';
import { azureScopes, isArmScope, listOption, parseArgs, splitScopes, stringOption, toIsoDuration, UsageError } from '../../../cli/args';

describe('parseArgs', () => {
  it('splits command, arguments and options, with --json and --url global', () => {
    const cmd = parseArgs(['activate', 'Helpdesk Administrator', '--duration', '2h', '--reason', 'Incident 4711', '--wait', '--json', '--url', 'http://x']);
    expect(cmd.command).toEqual(['activate']);
    expect(cmd.args).toEqual(['Helpdesk Administrator']);
    expect(cmd.options).toMatchObject({ duration: '2h', reason: 'Incident 4711', wait: true });
    expect(cmd.global).toEqual({ json: true, url: 'http://x' });
  });

  it('takes two words for policy commands', () => {
    expect(parseArgs(['policy', 'apply', 'x.yaml', '--dry-run'])).toMatchObject({ command: ['policy', 'apply'], args: ['x.yaml'], options: { 'dry-run': true } });
  });

  it('takes two words for review commands, with the decision options', () => {
    expect(parseArgs(['review', 'decide', '--all', '--definition', 'd1', '--instance', 'i1', '--decision', 'deny', '--justification', 'Left the team'])).toMatchObject({
      command: ['review', 'decide'],
      args: [],
      options: { all: true, definition: 'd1', instance: 'i1', decision: 'deny', justification: 'Left the team' },
    });
    expect(() => parseArgs(['review'])).toThrow(/needs a subcommand: decide/);
  });

  it('reads login --dev with a service principal', () => {
    expect(parseArgs(['login', '--dev', '--service-principal', 'deploy-pipeline']).options).toMatchObject({ dev: true, 'service-principal': 'deploy-pipeline' });
  });

  it('refuses unknown commands and options as usage errors', () => {
    expect(() => parseArgs(['activat'])).toThrow(UsageError);
    expect(() => parseArgs(['roles', '--bogus'])).toThrow(UsageError);
    expect(() => parseArgs(['policy'])).toThrow(/export, diff or apply/);
  });

  it('takes --scope more than once, the last one being the scope of single-scope commands', () => {
    const cmd = parseArgs(['roles', '--scope', '/subscriptions/a', '--scope', '/subscriptions/b/resourceGroups/rg']);
    expect(listOption(cmd.options, 'scope')).toEqual(['/subscriptions/a', '/subscriptions/b/resourceGroups/rg']);
    expect(stringOption(cmd.options, 'scope')).toBe('/subscriptions/b/resourceGroups/rg');
    expect(listOption(parseArgs(['roles']).options, 'scope')).toEqual([]);
  });

  it('is help without a command', () => {
    expect(parseArgs([]).command).toEqual(['help']);
  });
});

describe('toIsoDuration', () => {
  it.each([
    ['2h', 'PT2H'],
    ['30m', 'PT30M'],
    ['1h30m', 'PT1H30M'],
    ['1d', 'P1D'],
    ['PT8H', 'PT8H'],
    ['pt45m', 'PT45M'],
  ])('%s is %s', (text, iso) => expect(toIsoDuration(text)).toBe(iso));

  it.each(['', 'two hours', '2', 'P', 'PT', '0h'])('refuses %j', (text) => expect(() => toIsoDuration(text)).toThrow(UsageError));
});

describe('Azure (ARM) scopes', () => {
  it.each([
    ['/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590', true],
    ['/subscriptions/0b1f/resourceGroups/rg', true],
    ['/providers/Microsoft.Management/managementGroups/mg1', true],
    ['/PROVIDERS/microsoft.management/managementGroups/mg1', true],
    ['/', false],
    ['/administrativeUnits/x', false],
    ['api://pim/access_as_user', false],
    ['/subscriptions/', false],
  ])('%s is an ARM scope: %s', (scope, yes) => expect(isArmScope(scope)).toBe(yes));

  it('reads PIM_AZURE_SCOPES separated by commas, semicolons or spaces, dropping what is no ARM scope', () => {
    expect(splitScopes('/subscriptions/a, /subscriptions/b/;/providers/Microsoft.Management/managementGroups/m  api://x')).toEqual([
      '/subscriptions/a',
      '/subscriptions/b',
      '/providers/Microsoft.Management/managementGroups/m',
    ]);
    expect(splitScopes(undefined)).toEqual([]);
  });

  it('takes --scope first, then PIM_AZURE_SCOPES, then the stored scopes, once each', () => {
    const stored = ['/subscriptions/stored'];
    const env = { PIM_AZURE_SCOPES: '/subscriptions/env' };
    expect(azureScopes(parseArgs(['roles', '--scope', '/subscriptions/A', '--scope', '/subscriptions/a/']).options, env, stored)).toEqual(['/subscriptions/a']);
    expect(azureScopes(parseArgs(['roles', '--scope', '/']).options, env, stored)).toEqual(['/subscriptions/env']);
    expect(azureScopes(parseArgs(['roles']).options, {}, stored)).toEqual(['/subscriptions/stored']);
    expect(azureScopes(parseArgs(['roles']).options, {}, undefined)).toEqual([]);
  });
});
