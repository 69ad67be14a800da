/**
 * Which app settings infra/main.bicep sets and which it leaves, and why; test/infra/
 * appSettings.test.ts holds the template to it, so neither side can drift unnoticed.
 */

/**
 * Settings the code reads that main.bicep leaves unset on purpose: the code's default is right
 * in Azure, or the setting is the other form of a connection. An operator may still set them.
 */
export const LEFT_TO_OPERATOR: Record<string, string> = {
  AzureWebJobsStorage: 'a connection string; with shared keys off none works, so the identity-based AzureWebJobsStorage__* settings are set instead',
  AzureWebJobsStorage__accountName: 'the public-cloud shorthand for __tableServiceUri, which is set (and works in every cloud)',
  PIM_SERVICEBUS_CONNECTION: 'a connection string; local auth is off, and a non-empty value would stop the host reading the __fullyQualifiedNamespace form',
  PIM_ADMIN_ROLE: 'the default PIM.Admin is the app role infra/entra.bicep defines',
  PIM_AUDITOR_ROLE: 'the default PIM.Auditor is the app role infra/entra.bicep defines',
  PIM_GRAPH_TIMEOUT_SECONDS: 'tuning; the default (30 s) suits Graph',
  PIM_ARM_TIMEOUT_SECONDS: 'tuning; the default (30 s) suits ARM',
  PIM_EXPIRY_NOTICE_MINUTES: 'a preference; the default (15) matches Entra',
  PIM_AUDIT_ARCHIVE_AFTER_DAYS: 'a policy; unset (the default) keeps every audit record live, indefinitely',
  PIM_AUDIT_SEAL_KEEP_LIVE: 'tuning; the default (1,000 records) keeps the live partition small and every relay retry deduplicated by its marker',
  PIM_AUDIT_SEAL_MIN_AGE_MINUTES: 'tuning; the default (60) is well past any relay retry',
  PIM_ELIGIBILITY_EXPIRY_NOTICE_DAYS: 'a preference; the default (14) matches Entra',
  PIM_WEBHOOK_MAX_ATTEMPTS: 'tuning; the default (6 attempts, about half an hour) suits most receivers',
  PIM_WEBHOOK_FIRST_RETRY_SECONDS: 'tuning; the default (30 s, doubling) suits most receivers',
  PIM_DURABLE_BACKEND: 'only devhost sets it; in Azure the default names the Durable extension on Azure Storage',
  PIM_TABLE_PREFIX: 'the default Pim; change it only to share one account between deployments',
  PIM_PORTAL_AUTHORITY: "the default (the issuer without /v2.0, https://login.microsoftonline.com/<tenant>) is Entra's authority for the tenant",
  PIM_DEVHOST: 'devhost sets it for its demo-user sign-in page; never in Azure',
  PIM_BREAK_GLASS_ACCOUNTS: "the tenant's own emergency access accounts (object ids); none by default, and admins may list them through the API instead",
};

/**
 * Settings main.bicep sets that the app's code does not read: the platform does (the Functions
 * host, Application Insights, App Service authentication).
 */
export const PLATFORM_SETTINGS: Record<string, string> = {
  AzureWebJobsStorage__blobServiceUri: 'the Functions host: locks, timers\' schedule monitor, Durable leases',
  AzureWebJobsStorage__queueServiceUri: 'the Functions host: Durable Functions\' work item and control queues',
  APPLICATIONINSIGHTS_CONNECTION_STRING: "the Functions host sends its telemetry there, and the app its traces (shared/adapters/telemetry/azureMonitor.ts reads it apart from config.ts, at start-up)",
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'the host signs telemetry in with the identity (local auth is off)',
  OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: 'App Service authentication signs in as the identity (a federated credential) instead of with a client secret',
};

/**
 * What is wrong between the settings the code reads and the settings the template sets.
 * `bindingSettings` are the %NAME% references of the triggers and host.json: the host resolves
 * them from app settings alone (the code's defaults never reach it), so each must be set.
 */
export function settingProblems(input: { codeSettings: Iterable<string>; bindingSettings: Iterable<string>; templateSettings: Iterable<string> }): string[] {
  const code = new Set(input.codeSettings);
  const bindings = new Set(input.bindingSettings);
  const template = new Set(input.templateSettings);
  const problems: string[] = [];
  for (const name of [...new Set([...code, ...bindings])].sort()) {
    if (!template.has(name) && !(name in LEFT_TO_OPERATOR)) problems.push(`${name} is read by the code but main.bicep does not set it (set it, or add it to LEFT_TO_OPERATOR with why)`);
  }
  for (const name of [...bindings].sort()) {
    if (!template.has(name)) problems.push(`${name} is named as %${name}% by a trigger or host.json, so main.bicep must set it (the host has no default)`);
  }
  for (const name of [...template].sort()) {
    if (!code.has(name) && !bindings.has(name) && !(name in PLATFORM_SETTINGS)) problems.push(`main.bicep sets ${name}, which neither the code nor the platform reads`);
    if (name in LEFT_TO_OPERATOR) problems.push(`${name} is listed as left to the operator, but main.bicep sets it`);
  }
  for (const name of Object.keys(LEFT_TO_OPERATOR)) {
    if (!code.has(name)) problems.push(`LEFT_TO_OPERATOR lists ${name}, which the code no longer reads`);
  }
  return problems;
}
