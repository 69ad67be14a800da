import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config';

const sample = JSON.parse(readFileSync(join(__dirname, '../../../local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
};

const minimal = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  PIM_TENANT_ID: '7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f',
  PIM_OIDC_ISSUER: 'https://login.microsoftonline.com/7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f/v2.0',
  PIM_OIDC_AUDIENCE: 'api://pim',
  PIM_SERVICEBUS_CONNECTION: 'http://localhost:7071/.devhost/servicebus',
  PIM_MAIL_SENDER: 'pim@contoso.com',
  PIM_APPROVAL_LINK_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  PIM_PUBLIC_BASE_URL: 'https://pim.contoso.com',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('parses a complete environment and applies defaults', () => {
    const config = loadConfig(minimal);
    expect(config.DURABLE_TASK_HUB).toBe('PimHub');
    expect(config.PIM_ADMIN_ROLE).toBe('PIM.Admin');
    expect(config.PIM_RECONCILE_SCHEDULE).toBe('0 */1 * * * *');
    expect(config.PIM_APPROVAL_LINK_KEYS).toEqual([{ kid: 'k1', key: Buffer.alloc(32, 7) }]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every missing key in one error', () => {
    const { PIM_TENANT_ID: _t, PIM_MAIL_SENDER: _m, AzureWebJobsStorage: _s, ...rest } = minimal;
    const problems = problemsOf(rest);
    expect(problems).toEqual(
      expect.arrayContaining([
        'PIM_TENANT_ID is missing (must be a GUID)',
        'PIM_MAIL_SENDER is missing (must be an email address)',
        'AzureWebJobsStorage is missing (must be a storage connection string)',
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('puts every problem in the one error message', () => {
    const { PIM_TENANT_ID: _t, PIM_PUBLIC_BASE_URL: _p, ...rest } = minimal;
    const env = { ...rest, PIM_RECONCILE_SCHEDULE: 'every minute', PIM_OIDC_AUDIENCE: '' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      [
        'Invalid configuration:',
        '- PIM_TENANT_ID is missing (must be a GUID)',
        '- PIM_OIDC_AUDIENCE is missing (must be the API audience)',
        '- PIM_RECONCILE_SCHEDULE must be a 6-field NCRONTAB expression',
        '- PIM_PUBLIC_BASE_URL is missing (must be an http(s) URL)',
      ].join('\n'),
    );
  });

  it('says what a malformed value should be', () => {
    const problems = problemsOf({
      ...minimal,
      PIM_OIDC_ISSUER: 'not a url',
      PIM_RECONCILE_SCHEDULE: '*/5 * * * *',
      PIM_APPROVAL_LINK_KEYS: 'k1:c2hvcnQ=',
    });
    expect(problems).toEqual([
      'PIM_OIDC_ISSUER must be an http(s) URL',
      'PIM_RECONCILE_SCHEDULE must be a 6-field NCRONTAB expression',
      'PIM_APPROVAL_LINK_KEYS must be at least one "kid:base64key" pair, each key at least 32 bytes',
    ]);
  });

  it('accepts the values in local.settings.sample.json, so the sample stays complete', () => {
    expect(() => loadConfig(sample.Values)).not.toThrow();
  });

  it('lists every setting in local.settings.sample.json', () => {
    // PIM_DURABLE_BACKEND is set by devhost itself; under Azure its default holds.
    const settings = Object.keys(loadConfig(minimal)).filter((key) => key !== 'PIM_DURABLE_BACKEND');
    const missing = settings.filter((key) => !(key in sample.Values));
    expect(missing).toEqual([]);
  });
});
