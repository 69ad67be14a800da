import { describe, expect, it } from 'vitest';
import { parseArgs, toIsoDuration, UsageError } from '../../../cli/args';

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

  it('reads login --dev with a service principal', () => {
    expect(parseArgs(['login', '--dev', '--service-principal', 'deploy-pipeline']).options).toMatchObject({ dev: true, 'service-principal': 'deploy-pipeline' });
  });

  it('refuses unknown commands and options as usage errors', () => {
    expect(() => parseArgs(['activat'])).toThrow(UsageError);
    expect(() => parseArgs(['roles', '--bogus'])).toThrow(UsageError);
    expect(() => parseArgs(['policy'])).toThrow(/export, diff or apply/);
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
