import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config';
import { identityOnlySettings, minimalSettings, UAMI } from '../../fixtures/settings';

const sample = JSON.parse(readFileSync(join(__dirname, '../../../local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
};

const minimal = minimalSettings;

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
        expect.stringMatching(/^AzureWebJobsStorage is missing \(set AzureWebJobsStorage to a storage connection string, or for a managed identity AzureWebJobsStorage__tableServiceUri/),
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
    // PIM_DURABLE_BACKEND and PIM_DEVHOST are set by devhost itself; under Azure their defaults
    // hold. `tables` and `serviceBus` are read from the connection settings listed below.
    const derived = ['PIM_DURABLE_BACKEND', 'PIM_DEVHOST', 'tables', 'serviceBus'];
    const connections = ['AzureWebJobsStorage', 'AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId', 'PIM_SERVICEBUS_CONNECTION', 'PIM_SERVICEBUS_CONNECTION__fullyQualifiedNamespace', 'PIM_SERVICEBUS_CONNECTION__credential', 'PIM_SERVICEBUS_CONNECTION__clientId', 'AZURE_CLIENT_ID'];
    const settings = [...Object.keys(loadConfig(minimal)).filter((key) => !derived.includes(key)), ...connections];
    const missing = settings.filter((key) => !(key in sample.Values));
    expect(missing).toEqual([]);
  });
});

/** The app settings a deployment with shared keys off and a user-assigned identity has: no connection strings. */
const identityOnly = identityOnlySettings();

describe('production connections (identity-based, as the Functions host reads them)', () => {
  it('reads tables and Service Bus from the __ settings with the user-assigned identity', () => {
    const config = loadConfig(identityOnly);
    expect(config.tables).toEqual({ kind: 'identity', tableServiceUri: 'https://pimprod.table.core.windows.net', identity: { credential: 'managedidentity', clientId: UAMI } });
    expect(config.serviceBus).toEqual({ kind: 'identity', fullyQualifiedNamespace: 'pim-prod.servicebus.windows.net', identity: { credential: 'managedidentity', clientId: UAMI } });
    expect(config.AZURE_CLIENT_ID).toBe(UAMI);
  });

  it('builds the table endpoint from the account name, and takes any case of managedidentity', () => {
    const { AzureWebJobsStorage__tableServiceUri: _u, ...rest } = identityOnly;
    const config = loadConfig({ ...rest, AzureWebJobsStorage__accountName: 'pimprod', AzureWebJobsStorage__credential: 'ManagedIdentity' });
    expect(config.tables).toMatchObject({ tableServiceUri: 'https://pimprod.table.core.windows.net', identity: { credential: 'managedidentity' } });
  });

  it('without credential or client id, signs in with the default chain (system-assigned identity)', () => {
    const { AzureWebJobsStorage__credential: _c, AzureWebJobsStorage__clientId: _i, ...rest } = identityOnly;
    expect(loadConfig(rest).tables).toMatchObject({ kind: 'identity', identity: {} });
  });

  it('lets a non-empty connection string win over the __ settings, as the host does', () => {
    const config = loadConfig({ ...identityOnly, AzureWebJobsStorage: 'UseDevelopmentStorage=true', PIM_SERVICEBUS_CONNECTION: 'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v' });
    expect(config.tables).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
    expect(config.serviceBus.kind).toBe('connectionString');
  });

  it('keeps devhost\'s http bus URL working', () => {
    expect(loadConfig(minimal).serviceBus).toEqual({ kind: 'devhost', url: 'http://localhost:7071/.devhost/servicebus' });
  });

  it('refuses a setup with neither form, naming what to set', () => {
    const { AzureWebJobsStorage: _s, PIM_SERVICEBUS_CONNECTION: _b, ...rest } = minimal;
    const problems = problemsOf(rest);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('AzureWebJobsStorage is missing');
    for (const key of ['AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential=managedidentity', 'AzureWebJobsStorage__clientId']) expect(problems[0]).toContain(key);
    expect(problems[1]).toContain('PIM_SERVICEBUS_CONNECTION is missing');
    for (const key of ['PIM_SERVICEBUS_CONNECTION__fullyQualifiedNamespace', 'PIM_SERVICEBUS_CONNECTION__credential=managedidentity', 'PIM_SERVICEBUS_CONNECTION__clientId']) expect(problems[1]).toContain(key);
  });

  it('refuses a bare namespace host name in PIM_SERVICEBUS_CONNECTION, which the host would read as a broken connection string', () => {
    for (const bare of ['pim-prod.servicebus.windows.net', 'sb://pim-prod.servicebus.windows.net/', 'pim.servicebus.usgovcloudapi.net']) {
      const problems = problemsOf({ ...minimal, PIM_SERVICEBUS_CONNECTION: bare });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^PIM_SERVICEBUS_CONNECTION must not be a namespace host name: the Functions host reads PIM_SERVICEBUS_CONNECTION as a connection string/);
      expect(problems[0]).toContain(`Set PIM_SERVICEBUS_CONNECTION__fullyQualifiedNamespace=${bare.replace(/^sb:\/\//, '').replace(/\/$/, '')}`);
    }
    expect(problemsOf({ ...minimal, PIM_SERVICEBUS_CONNECTION: 'not a connection' })).toEqual(["PIM_SERVICEBUS_CONNECTION must be a Service Bus connection string (Endpoint=sb://...) or the http URL of devhost's bus"]);
  });

  it('says what a malformed identity setting should be, with the other problems', () => {
    const problems = problemsOf({
      ...identityOnly,
      AzureWebJobsStorage__tableServiceUri: 'http://pimprod.table.core.windows.net',
      AzureWebJobsStorage__credential: 'clientsecret',
      PIM_SERVICEBUS_CONNECTION__fullyQualifiedNamespace: 'https://pim-prod.servicebus.windows.net',
      PIM_SERVICEBUS_CONNECTION__clientId: 'pim-identity',
      AZURE_CLIENT_ID: 'pim-identity',
      PIM_TENANT_ID: 'x',
    });
    expect(problems).toEqual([
      'AzureWebJobsStorage__tableServiceUri must be an https URL, e.g. https://<account>.table.core.windows.net',
      "AzureWebJobsStorage__credential must be managedidentity (or unset for the SDK's default sign-in)",
      'PIM_TENANT_ID must be a GUID',
      'AZURE_CLIENT_ID must be the client id (a GUID) of the user-assigned managed identity',
      'PIM_SERVICEBUS_CONNECTION__fullyQualifiedNamespace must be a namespace host name, e.g. contoso.servicebus.windows.net',
      'PIM_SERVICEBUS_CONNECTION__clientId must be the client id (a GUID) of the user-assigned managed identity',
    ]);
  });

  it("reads the ARM surface's audiences (ARM's two by default, or a national cloud's) and refuses an app audience among them", () => {
    expect(loadConfig(minimal).PIM_ARM_AUDIENCE).toEqual(['https://management.azure.com/', 'https://management.core.windows.net/']);
    expect(loadConfig({ ...minimal, PIM_ARM_AUDIENCE: ' https://management.usgovcloudapi.net/ , https://management.core.usgovcloudapi.net/ ' }).PIM_ARM_AUDIENCE).toEqual([
      'https://management.usgovcloudapi.net/',
      'https://management.core.usgovcloudapi.net/',
    ]);
    expect(problemsOf({ ...minimal, PIM_ARM_AUDIENCE: ' , ' })).toEqual(['PIM_ARM_AUDIENCE must be one or more audiences, comma-separated']);
    // Why refused: a token for either surface would then open both.
    expect(problemsOf({ ...minimal, PIM_OIDC_AUDIENCE: 'https://management.azure.com' })).toEqual([expect.stringMatching(/^PIM_OIDC_AUDIENCE must differ from the ARM audiences/)]);
    expect(loadConfig({ ...minimal, PIM_ARM_ISSUER: 'https://sts.windows.net/7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f/' }).PIM_ARM_ISSUER).toBe('https://sts.windows.net/7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f/');
    expect(problemsOf({ ...minimal, PIM_ARM_ISSUER: 'sts.windows.net' })).toEqual(['PIM_ARM_ISSUER must be an http(s) URL']);
  });

  it('takes national-cloud Graph endpoints over https, and plain http only on a loopback address', () => {
    for (const graph of ['https://graph.microsoft.us', 'https://dod-graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn', 'http://localhost:7071/.devhost/graph', 'http://127.0.0.1:7071/.devhost/graph', 'http://[::1]:7071/.devhost/graph']) {
      expect(loadConfig({ ...minimal, PIM_GRAPH_BASE_URL: graph }).PIM_GRAPH_BASE_URL).toBe(graph);
    }
    expect(problemsOf({ ...minimal, PIM_GRAPH_BASE_URL: 'http://graph.contoso.internal' })).toEqual(["PIM_GRAPH_BASE_URL must be an https URL (http only on a loopback address, for devhost's Graph stand-in)"]);
  });

  it('reaches Azure Resource Manager at management.azure.com by default, a national cloud over https, or devhost\'s stand-in on a loopback address', () => {
    expect(loadConfig(minimal)).toMatchObject({ PIM_ARM_BASE_URL: 'https://management.azure.com', PIM_ARM_TIMEOUT_SECONDS: 30 });
    for (const arm of ['https://management.usgovcloudapi.net', 'https://management.chinacloudapi.cn', 'http://localhost:7071/.devhost/arm', 'http://127.0.0.1:7071/.devhost/arm']) {
      expect(loadConfig({ ...minimal, PIM_ARM_BASE_URL: arm }).PIM_ARM_BASE_URL).toBe(arm);
    }
    expect(problemsOf({ ...minimal, PIM_ARM_BASE_URL: 'http://arm.contoso.internal', PIM_ARM_TIMEOUT_SECONDS: '0' })).toEqual([
      "PIM_ARM_BASE_URL must be an https URL (http only on a loopback address, for devhost's ARM stand-in)",
      expect.stringMatching(/^PIM_ARM_TIMEOUT_SECONDS must be /),
    ]);
  });
});
