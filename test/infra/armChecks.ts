/**
 * What a production deployment must hold, checked on the compiled ARM JSON. Each check returns
 * the problems it finds (empty: none), named so that a person knows what regressed where; the
 * tests run them on infra/main.bicep and on mutated copies to show each one can fail.
 */
import { type ArmResource, type ArmTemplate, allResources, ofType, siteConfig, valueAt } from './bicep';

/** Service Bus's largest TimeSpan: an entity that is never deleted for being idle. */
export const NEVER_AUTO_DELETE = 'P10675199DT2H48M5.4775807S';

type Check = (template: ArmTemplate) => string[];

const props = (r: ArmResource) => r.properties ?? {};

/** Problems for each resource of a type whose property differs from what it must be. */
function each(type: string, expect: Record<string, unknown>): Check {
  return (template) => {
    const found = ofType(template, type);
    if (found.length === 0) return [`no ${type} in the template`];
    return found.flatMap((r) =>
      Object.entries(expect)
        .filter(([path, value]) => valueAt(r, path) !== value)
        .map(([path, value]) => `${type} ${r.name}: ${path} is ${JSON.stringify(valueAt(r, path))}, must be ${JSON.stringify(value)}`),
    );
  };
}

function dotted(obj: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, key) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined), obj);
}

export const checks: Record<string, Check> = {
  'storage: shared keys off, no public blobs, TLS 1.2, HTTPS only': each('Microsoft.Storage/storageAccounts', {
    allowSharedKeyAccess: false,
    allowBlobPublicAccess: false,
    defaultToOAuthAuthentication: true,
    minimumTlsVersion: 'TLS1_2',
    supportsHttpsTrafficOnly: true,
  }),

  // Why: a key read at deployment time ends up in an app setting or an output, readable by anyone
  // who can read the deployment; everything here signs in with the identity.
  'no listKeys or other list* secret read anywhere': (template) => {
    const text = JSON.stringify(template);
    return [...text.matchAll(/\blist(Keys|AccountSas|ServiceSas|ConnectionStrings|Secrets|[A-Z]\w*)\s*\(/g)].map((m) => `the template calls ${m[0]}`);
  },

  'Service Bus: local (SAS) auth off, TLS 1.2': each('Microsoft.ServiceBus/namespaces', { disableLocalAuth: true, minimumTlsVersion: '1.2' }),

  'Application Insights and Log Analytics: local auth off': (template) => [
    ...each('Microsoft.Insights/components', { DisableLocalAuth: true })(template),
    ...each('Microsoft.OperationalInsights/workspaces', { 'features.disableLocalAuth': true })(template),
  ],

  'the events topic and the retry queue drop duplicates': (template) => [
    ...each('Microsoft.ServiceBus/namespaces/topics', { requiresDuplicateDetection: true })(template),
    ...each('Microsoft.ServiceBus/namespaces/queues', { requiresDuplicateDetection: true })(template),
  ],

  'Service Bus entities are never deleted for being idle (set explicitly)': (template) =>
    ['topics', 'topics/subscriptions', 'queues'].flatMap((kind) => each(`Microsoft.ServiceBus/namespaces/${kind}`, { autoDeleteOnIdle: NEVER_AUTO_DELETE })(template)),

  'function app: HTTPS only, TLS 1.2, no FTP, Linux Flex Consumption on Node 22': (template) => [
    ...each('Microsoft.Web/sites', {
      httpsOnly: true,
      'siteConfig.minTlsVersion': '1.2',
      'siteConfig.ftpsState': 'Disabled',
      'functionAppConfig.runtime.name': 'node',
      'functionAppConfig.runtime.version': '22',
      'functionAppConfig.deployment.storage.authentication.type': 'UserAssignedIdentity',
    })(template),
    ...ofType(template, 'Microsoft.Web/sites')
      .filter((s) => s.kind !== 'functionapp,linux')
      .map((s) => `Microsoft.Web/sites ${s.name}: kind is ${String(s.kind)}, must be functionapp,linux`),
    ...ofType(template, 'Microsoft.Web/serverfarms')
      .filter((p) => JSON.stringify(p.sku) !== JSON.stringify({ name: 'FC1', tier: 'FlexConsumption' }))
      .map((p) => `Microsoft.Web/serverfarms ${p.name}: sku must be FC1 FlexConsumption`),
    ...each('Microsoft.Web/sites/basicPublishingCredentialsPolicies', { allow: false })(template),
  ],

  // Why: these make a Flex Consumption app fail to deploy, or run another runtime than the site's.
  'no app setting Flex Consumption refuses': (template) => {
    const settings = Object.keys(siteConfig(template, 'appsettings') ?? {});
    const refused = /^(FUNCTIONS_WORKER_RUNTIME|FUNCTIONS_EXTENSION_VERSION|WEBSITE_RUN_FROM_PACKAGE|WEBSITE_CONTENT\w*|WEBSITE_NODE_DEFAULT_VERSION|AzureWebJobsStorage)$/;
    return settings.filter((s) => refused.test(s)).map((s) => `app setting ${s} must not be set on Flex Consumption (or with shared keys off)`);
  },

  'Key Vault: RBAC mode, purge protection': each('Microsoft.KeyVault/vaults', { enableRbacAuthorization: true, enablePurgeProtection: true }),

  // Why: the x-ms-client-principal-* headers the approval pages trust are unforgeable only behind it.
  'App Service authentication on, with Microsoft Entra': (template) => {
    const auth = siteConfig(template, 'authsettingsV2');
    if (!auth) return ['no authsettingsV2 on the function app'];
    const problems: string[] = [];
    if (dotted(auth, 'platform.enabled') !== true) problems.push('authsettingsV2: platform.enabled must be true');
    if (dotted(auth, 'identityProviders.azureActiveDirectory.enabled') !== true) problems.push('authsettingsV2: Microsoft Entra must be enabled');
    if (dotted(auth, 'httpSettings.requireHttps') !== true) problems.push('authsettingsV2: httpSettings.requireHttps must be true');
    return problems;
  },

  // Why: a stable name per (scope, principal, role) makes a redeployment update the assignment
  // instead of failing on a second one with another name.
  'role assignment names are guid(scope, principal, role)': (template) =>
    ofType(template, 'Microsoft.Authorization/roleAssignments')
      .filter((r) => {
        const args = guidArguments(r.name);
        return !args || args.length !== 3 || !/principalId/i.test(args[1] ?? '') || !/role/i.test(args[2] ?? '');
      })
      .map((r) => `role assignment name ${r.name} is not guid(scope, principal, role)`),

  // Why: the app's Azure-resource role must carry a condition limiting what it may assign.
  'the role PIM assigns with is conditioned': (template) =>
    ofType(template, 'Microsoft.Authorization/roleAssignments')
      .filter((r) => /roleBasedAccessControlAdministrator|userAccessAdministrator|\bowner\b/i.test(String(props(r).roleDefinitionId)))
      .filter((r) => !props(r).condition || props(r).conditionVersion !== '2.0')
      .map((r) => `role assignment ${r.name} delegates role assignment without an ABAC condition (version 2.0)`),
};

/** The top-level arguments of an ARM expression "[guid(a, b, c)]", or undefined when it is not one. */
export function guidArguments(expression: string): string[] | undefined {
  const inner = expression.match(/^\[guid\((.*)\)\]$/)?.[1];
  if (inner === undefined) return undefined;
  const args: string[] = [];
  let depth = 0;
  let current = '';
  let quoted = false;
  for (const ch of inner) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      args.push(current.trim());
      current = '';
    } else current += ch;
  }
  args.push(current.trim());
  return args;
}

/** Every problem of every check. */
export function allProblems(template: ArmTemplate): string[] {
  return Object.values(checks).flatMap((check) => check(template));
}

export { allResources };
