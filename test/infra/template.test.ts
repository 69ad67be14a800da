import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registeredFunctions, triggerOf } from '../../devhost/core/registry';
import { appFiles } from '../../devhost/core/loadApp';
import { WEBHOOK_RETRY_QUEUE } from '../../shared/app/webhooks/deliver';
import { SESSIONS_SUBSCRIPTION_FILTER } from '../../shared/adapters/servicebus/bus';
import { allProblems, checks, guidArguments, NEVER_AUTO_DELETE } from './armChecks';
import { type ArmTemplate, allTemplates, build, buildMutations, INFRA, lint, type Mutation, ofType, ROOT } from './bicep';

const MAIN = join(INFRA, 'main.bicep');
let template: ArmTemplate;
let buildDiagnostics: string[];

beforeAll(() => {
  const built = build(MAIN);
  buildDiagnostics = built.diagnostics;
  if (!built.template) throw new Error(`bicep build failed:\n${built.diagnostics.join('\n')}`);
  template = built.template;
}, 180_000);

describe('infra/main.bicep with the real Bicep compiler', () => {
  it('builds with no error or warning', () => {
    expect(buildDiagnostics).toEqual([]);
    expect(ofType(template, 'Microsoft.Web/sites')).toHaveLength(1);
  });

  it('lints clean under bicepconfig.json (warnings fail)', () => {
    const run = lint(MAIN);
    expect(run.diagnostics).toEqual([]);
    expect(run.status).toBe(0);
  }, 180_000);

  it('lints the management-group file clean too', () => {
    const run = lint(join(INFRA, 'governed-management-group.bicep'));
    expect(run.diagnostics).toEqual([]);
    expect(run.status).toBe(0);
  }, 180_000);

  it('makes every resource the deployment needs', () => {
    const types = new Set(allTemplates(template).flatMap((t) => (Array.isArray(t.resources) ? t.resources : Object.values(t.resources)).map((r) => r.type)));
    for (const type of [
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'Microsoft.Web/serverfarms',
      'Microsoft.Web/sites/config',
      'Microsoft.ServiceBus/namespaces/topics/subscriptions',
      'Microsoft.ServiceBus/namespaces/queues',
      'Microsoft.KeyVault/vaults',
      'Microsoft.Insights/components',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Authorization/roleAssignments',
    ]) {
      expect(types, type).toContain(type);
    }
  });
});

describe('infra/main.parameters.json (azd substitutes ${NAME} or ${NAME=default} from its environment)', () => {
  /** The file as azd hands it to ARM: each placeholder replaced, by its default when it has one. */
  function substituted(values: Record<string, string>): Record<string, { value: unknown }> {
    const text = readFileSync(join(INFRA, 'main.parameters.json'), 'utf8');
    const filled = text.replace(/\$\{(\w+)(?:=([^}]*))?\}/g, (_m, name: string, fallback?: string) => values[name] ?? fallback ?? `<${name}>`);
    return (JSON.parse(filled) as { parameters: Record<string, { value: unknown }> }).parameters;
  }

  it('gives main.bicep every parameter it has no default for, and none it does not declare', () => {
    const given = substituted({});
    const declared = template.parameters ?? {};
    expect(Object.keys(given).filter((p) => !(p in declared))).toEqual([]);
    const required = Object.entries(declared).filter(([, p]) => !('defaultValue' in p)).map(([name]) => name);
    expect(required.filter((p) => !(p in given))).toEqual([]);
  });

  it('passes the array parameters as arrays, whether set or left to their default', () => {
    const unset = substituted({});
    expect(unset.governedScopes?.value).toEqual([]);
    const set = substituted({ PIM_GOVERNED_SCOPES: '["/subscriptions/00000000-0000-0000-0000-000000000000"]' });
    expect(set.governedScopes?.value).toEqual(['/subscriptions/00000000-0000-0000-0000-000000000000']);
    for (const [name, p] of Object.entries(template.parameters ?? {})) {
      if (p.type === 'array' && name in unset) expect(Array.isArray(unset[name]?.value), name).toBe(true);
    }
  });
});

describe('the compiled ARM template holds what production needs', () => {
  for (const name of Object.keys(checks)) {
    it(name, () => {
      const check = checks[name];
      expect(check?.(template)).toEqual([]);
    });
  }

  it('has no problem at all (every check together)', () => {
    expect(allProblems(template)).toEqual([]);
  });

  it('creates every Service Bus entity the app\'s triggers listen on', async () => {
    for (const file of appFiles(ROOT, ['functions'])) await import(file);
    const bus = registeredFunctions()
      .map((fn) => triggerOf(fn)[1])
      .filter((t) => t.type.toLowerCase().startsWith('servicebus'));
    expect(bus.length).toBeGreaterThanOrEqual(3);
    const main = template.variables ?? {};
    const subscriptions = allTemplates(template)
      .map((t) => t.variables?.subscriptionNames)
      .find((names) => Array.isArray(names)) as string[] | undefined;
    expect(subscriptions).toEqual(['mail', 'webhooks', 'sessions']);
    for (const trigger of bus) {
      expect(trigger.connection).toBe('PIM_SERVICEBUS_CONNECTION');
      if (trigger.queueName) expect(trigger.queueName).toBe(main.webhookRetryQueueName);
      if (trigger.topicName) {
        expect(trigger.topicName).toBe('%PIM_EVENTS_TOPIC%');
        expect(subscriptions).toContain(trigger.subscriptionName);
      }
    }
    expect(main.webhookRetryQueueName).toBe(WEBHOOK_RETRY_QUEUE);
    expect(main.eventsTopicName).toBe('pim-events');
  }, 120_000);

  it("filters the sessions subscription with the rule devhost applies (its $Default rule, so no catch-all rule remains)", () => {
    const rules = ofType(template, 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules');
    expect(rules).toHaveLength(1);
    expect(rules[0]?.name).toMatch(/'sessions'\)\], '\$Default'\)\]$/);
    expect(rules[0]?.properties).toEqual({ filterType: 'SqlFilter', sqlFilter: { sqlExpression: SESSIONS_SUBSCRIPTION_FILTER } });
  });

  it('names role assignments only through guid(scope, principal, role)', () => {
    const names = ofType(template, 'Microsoft.Authorization/roleAssignments').map((r) => r.name);
    // Monitoring, storage (a loop of 3), Service Bus (a loop of 2), Key Vault (2), Azure resource PIM (2 loops).
    expect(names).toHaveLength(7);
    for (const name of names) expect(guidArguments(name)).toHaveLength(3);
  });
});

describe('each check catches the regression it is for (on mutated copies of infra/)', () => {
  const mutations: Record<string, Mutation & { check: string }> = {
    sharedKeys: {
      check: 'storage: shared keys off, no public blobs, TLS 1.2, HTTPS only',
      file: 'modules/storage.bicep',
      change: (t) => t.replace('allowSharedKeyAccess: false', 'allowSharedKeyAccess: true'),
    },
    listKeys: {
      check: 'no listKeys or other list* secret read anywhere',
      file: 'modules/storage.bicep',
      change: (t) => `${t}\n#disable-next-line outputs-should-not-contain-secrets\noutput leaked string = storage.listKeys().keys[0].value\n`,
    },
    idleSubscriptions: {
      check: 'Service Bus entities are never deleted for being idle (set explicitly)',
      file: 'modules/serviceBus.bicep',
      change: (t) => t.replace(/(defaultMessageTimeToLive: 'P14D'\n\s+)autoDeleteOnIdle: neverAutoDelete\n(\s+\}\n\s+\}\n\])/, "$1autoDeleteOnIdle: 'PT1H'\n$2"),
    },
    roleAssignmentName: {
      check: 'role assignment names are guid(scope, principal, role)',
      file: 'modules/keyVault.bicep',
      change: (t) => t.replace('name: guid(vault.id, principalId, builtInRoles.keyVaultSecretsUser)', "name: guid(vault.id, 'secrets-user')"),
    },
    unversionedCondition: {
      check: 'the role PIM assigns with is conditioned',
      file: 'modules/pimAtSubscription.bicep',
      change: (t) => t.replace("    conditionVersion: '2.0'\n", ''),
    },
  };
  let built: ReturnType<typeof buildMutations>;

  beforeAll(() => {
    built = buildMutations(mutations);
  }, 300_000);

  /** What the mutation's own check finds in its copy. */
  function problemsOf(name: string): string[] {
    const copy = built[name];
    const mutation = mutations[name];
    if (!copy?.template || !mutation) throw new Error(`the mutated copy "${name}" does not compile:\n${copy?.diagnostics.join('\n')}`);
    const check = checks[mutation.check];
    if (!check) throw new Error(`no check named ${mutation.check}`);
    return check(copy.template);
  }

  it('shared keys turned back on', () => {
    expect(problemsOf('sharedKeys')).toEqual([expect.stringMatching(/allowSharedKeyAccess is true, must be false/)]);
  });

  it('a connection string read with listKeys', () => {
    expect(problemsOf('listKeys').join('\n')).toMatch(/the template calls listKeys\(/);
  });

  it('a subscription left to a one-hour idle limit', () => {
    expect(problemsOf('idleSubscriptions')).toEqual([expect.stringMatching(/topics\/subscriptions .*autoDeleteOnIdle is "PT1H", must be "P10675199DT2H48M5\.4775807S"/)]);
    expect(NEVER_AUTO_DELETE).toBe('P10675199DT2H48M5.4775807S');
  });

  it('a role assignment named without the principal and the role', () => {
    expect(problemsOf('roleAssignmentName')).toEqual([expect.stringMatching(/^role assignment name \[guid\(resourceId\('Microsoft.KeyVault\/vaults'.*is not guid\(scope, principal, role\)$/)]);
  });

  it('the app\'s role-assigning role with a condition of no version', () => {
    expect(problemsOf('unversionedCondition')).toEqual([expect.stringMatching(/delegates role assignment without an ABAC condition \(version 2\.0\)/)]);
  });
});

describe('Azure resource PIM: the condition on Role Based Access Control Administrator', () => {
  const source = readFileSync(join(INFRA, 'modules/pimCondition.bicep'), 'utf8');

  it('limits both writes and deletes of role assignments', () => {
    expect(source).toContain("ActionMatches{\\'Microsoft.Authorization/roleAssignments/write\\'}");
    expect(source).toContain("ActionMatches{\\'Microsoft.Authorization/roleAssignments/delete\\'}");
    expect(source).toContain('@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]');
    expect(source).toContain('@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId]');
  });
});
