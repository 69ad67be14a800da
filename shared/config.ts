import type { HostingFacts } from './app/approvalGuard';
import { z } from 'zod';
import { type BusConnection, busConnection, GUID, isLoopbackHttp, type TableConnection, tableConnection } from './connections';

/**
 * All app settings, parsed once from the environment (app settings in Azure, `Values` of
 * local.settings.json locally). A bad or missing setting stops start-up with one error that
 * names every problem, instead of failing later on the first request that needs it.
 */

const NCRONTAB_6 = /^\S+ \S+ \S+ \S+ \S+ \S+$/;
const NAME = /^[A-Za-z][A-Za-z0-9]*$/;

const url = z.string().refine((v) => URL.canParse(v) && /^https?:/.test(v), 'an http(s) URL');

/** "kid:base64key,kid2:base64key" or a JSON object {kid: base64key}; keys of at least 32 bytes. */
const signingKeys = z.string().transform((raw, ctx) => {
  let entries: Array<[string, string]>;
  try {
    entries = raw.trim().startsWith('{')
      ? Object.entries(JSON.parse(raw) as Record<string, string>)
      : raw.split(',').map((pair) => {
          const at = pair.indexOf(':');
          return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] as [string, string];
        });
  } catch {
    ctx.addIssue({ code: 'custom', message: 'a JSON object or "kid:base64key,..." list' });
    return z.NEVER;
  }
  const keys = entries.map(([kid, key]) => ({ kid, key: Buffer.from(key, 'base64') }));
  if (keys.length === 0 || keys.some((k) => k.kid === '' || k.key.length < 32)) {
    ctx.addIssue({ code: 'custom', message: 'at least one "kid:base64key" pair, each key at least 32 bytes' });
    return z.NEVER;
  }
  return keys;
});

/*
 * Storage (AzureWebJobsStorage or AzureWebJobsStorage__*) and Service Bus
 * (PIM_SERVICEBUS_CONNECTION or PIM_SERVICEBUS_CONNECTION__*) are read in connections.ts,
 * as the Functions host reads them; their problems join the list below.
 */
const schema = z.object({
  /** Durable Functions task hub (host.json refers to it). */
  DURABLE_TASK_HUB: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/, '3-45 letters or digits, starting with a letter')
    .default('PimHub'),
  /** Entra tenant id the tokens must carry (tid). */
  PIM_TENANT_ID: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a GUID'),
  /** OpenID issuer whose JWKS signs the tokens (Entra: https://login.microsoftonline.com/{tenant}/v2.0). */
  PIM_OIDC_ISSUER: url,
  /** Audience the tokens must be for (the API's app id URI or client id). */
  PIM_OIDC_AUDIENCE: z.string().min(1, 'the API audience'),
  /**
   * Audiences the ARM surface (Azure resource roles) accepts, comma-separated: Azure Resource
   * Manager's, each also with or without its trailing slash, as ARM accepts them. A sovereign
   * cloud's are e.g. https://management.usgovcloudapi.net/,https://management.core.usgovcloudapi.net/.
   */
  PIM_ARM_AUDIENCE: z
    .string()
    .default('https://management.azure.com/,https://management.core.windows.net/')
    .transform((v) => v.split(',').map((a) => a.trim()).filter((a) => a !== ''))
    .refine((list) => list.length > 0, 'one or more audiences, comma-separated'),
  /**
   * One more issuer the ARM surface accepts. Entra issues tokens for Azure Resource Manager in
   * its v1 form (https://sts.windows.net/{tenant}/), signed with the same keys as PIM_OIDC_ISSUER's.
   */
  PIM_ARM_ISSUER: url.optional(),
  /**
   * The portal's app registration in Entra (a single-page application whose redirect URI is
   * `<PIM_PUBLIC_BASE_URL>/portal/redirect`). Set, the portal signs in through MSAL; unset, it
   * signs in only under devhost (its demo users).
   */
  PIM_PORTAL_CLIENT_ID: z.string().min(1, 'the client id of the portal\'s app registration').optional(),
  /**
   * Where the portal signs in (MSAL's authority), e.g. https://login.microsoftonline.com/{tenant}.
   * Default: PIM_OIDC_ISSUER without its /v2.0. Its origin is the one the portal's CSP lets it reach.
   */
  // Why https only: MSAL refuses any other authority, so an http one would fail only in the browser.
  PIM_PORTAL_AUTHORITY: z.string().refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'an https URL').optional(),
  /**
   * The delegated scope the portal asks a token for. Default: PIM_OIDC_AUDIENCE + "/access_as_user",
   * so the token's audience is the one the API accepts.
   */
  PIM_PORTAL_API_SCOPE: z.string().regex(/^\S+\/[^\s/]+$/, 'a scope like api://pim/access_as_user').optional(),
  /** Set by devhost (npm start); never in Azure. The portal then offers devhost's demo users. */
  PIM_DEVHOST: z
    .enum(['true', 'false'], { message: 'true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  /** App role that grants admin powers. */
  PIM_ADMIN_ROLE: z.string().min(1).default('PIM.Admin'),
  /** App role that grants read access to audit and all schedules. */
  PIM_AUDITOR_ROLE: z.string().min(1).default('PIM.Auditor'),
  /**
   * Microsoft Graph endpoint: https://graph.microsoft.com, a national cloud's
   * (https://graph.microsoft.us, https://dod-graph.microsoft.us,
   * https://microsoftgraph.chinacloudapi.cn), or devhost's stand-in on a loopback http URL.
   */
  PIM_GRAPH_BASE_URL: z
    .string()
    // Why: the app sends its managed identity's Graph token to this host; never in clear text.
    .refine((v) => URL.canParse(v) && (new URL(v).protocol === 'https:' || isLoopbackHttp(v)), 'an https URL (http only on a loopback address, for devhost\'s Graph stand-in)')
    .default('https://graph.microsoft.com'),
  /**
   * Client id of the user-assigned managed identity the app gets Graph and ARM tokens with
   * (mail included). Unset: the system-assigned identity.
   */
  AZURE_CLIENT_ID: z.string().regex(GUID, 'the client id (a GUID) of the user-assigned managed identity').optional(),
  /** Seconds one Microsoft Graph call may take (its retries included) before it counts as failed. */
  PIM_GRAPH_TIMEOUT_SECONDS: z.coerce.number().min(1).max(300).default(30),
  /**
   * Azure Resource Manager endpoint (Azure resource roles): https://management.azure.com, a
   * national cloud's (https://management.usgovcloudapi.net, https://management.chinacloudapi.cn),
   * or devhost's stand-in on a loopback http URL.
   */
  PIM_ARM_BASE_URL: z
    .string()
    // Why: the app sends its managed identity's ARM token to this host; never in clear text.
    .refine((v) => URL.canParse(v) && (new URL(v).protocol === 'https:' || isLoopbackHttp(v)), 'an https URL (http only on a loopback address, for devhost\'s ARM stand-in)')
    .default('https://management.azure.com'),
  /** Seconds one Azure Resource Manager call may take (its retries and Retry-After waits included) before it counts as failed. */
  PIM_ARM_TIMEOUT_SECONDS: z.coerce.number().min(1).max(300).default(30),
  /** Topic the domain events go to (subscriptions "mail" and "webhooks" read it). */
  PIM_EVENTS_TOPIC: z.string().min(1).default('pim-events'),
  /**
   * The audit retention policy: records older than this many days move from the live chain to the
   * AuditArchive table (still verified and exported). Unset: every record stays live, indefinitely.
   */
  PIM_AUDIT_ARCHIVE_AFTER_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  /**
   * The audit seal passes (functions/timers/auditSeal.ts): the newest records that always stay in
   * the chain's live partition, and how old (minutes) a record must be before it leaves it.
   */
  PIM_AUDIT_SEAL_KEEP_LIVE: z.coerce.number().int().min(100).max(1_000_000).default(1_000),
  PIM_AUDIT_SEAL_MIN_AGE_MINUTES: z.coerce.number().int().min(10).max(525_600).default(60),
  /** When the outbox relay publishes events a crashed or cut-off writer left behind. */
  PIM_OUTBOX_SCHEDULE: z.string().regex(NCRONTAB_6, 'a 6-field NCRONTAB expression').default('*/15 * * * * *'),
  /** Minutes before an activation ends that its holder is told it is expiring. */
  PIM_EXPIRY_NOTICE_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** Days before an eligibility or assignment made by an admin ends that its holder and admins are told. */
  PIM_ELIGIBILITY_EXPIRY_NOTICE_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  /** Keys that sign JSON webhooks, by name ("name:base64key,..."); policies refer to them by name. */
  PIM_WEBHOOK_KEYS: signingKeys.optional(),
  /** Delivery attempts per webhook before it is dead-lettered. */
  PIM_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** Seconds before a failed webhook is tried again (doubling each time, at most an hour). */
  PIM_WEBHOOK_FIRST_RETRY_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
  /** When the reconcile timer runs (6-field NCRONTAB, seconds first). */
  PIM_RECONCILE_SCHEDULE: z.string().regex(NCRONTAB_6, 'a 6-field NCRONTAB expression').default('0 */1 * * * *'),
  /** When the access-review timer runs: instances start, reminders go out, instances end (6-field NCRONTAB). */
  PIM_ACCESS_REVIEWS_SCHEDULE: z.string().regex(NCRONTAB_6, 'a 6-field NCRONTAB expression').default('0 */5 * * * *'),
  /** When the audit seal pass runs (functions/timers/auditSeal.ts). */
  PIM_AUDIT_SEAL_SCHEDULE: z.string().regex(NCRONTAB_6, 'a 6-field NCRONTAB expression').default('0 */5 * * * *'),
  /** When PIM's security alerts are scanned (roles assigned outside PIM, too many Global Administrators, stale accounts, ...). */
  PIM_ALERTS_SCHEDULE: z.string().regex(NCRONTAB_6, 'a 6-field NCRONTAB expression').default('0 */5 * * * *'),
  /** When the sign-in logs are polled for break-glass sign-ins: every minute, so an incident is raised within one. */
  PIM_BREAK_GLASS_WATCH_SCHEDULE: z.string().regex(NCRONTAB_6, 'a 6-field NCRONTAB expression').default('0 */1 * * * *'),
  /**
   * Emergency access (break-glass) accounts, by object id, comma-separated: PIM never removes,
   * expires or revokes their access, leaves them out of alert counts and watches their sign-ins.
   * Admins may add more through the API (/pim/breakGlassAccounts).
   */
  PIM_BREAK_GLASS_ACCOUNTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((a) => a.trim().toLowerCase()).filter((a) => a !== ''))
    .refine((list) => list.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)), 'object ids (GUIDs), comma-separated'),
  /** Mailbox notifications are sent from (Graph sendMail). */
  PIM_MAIL_SENDER: z.email('an email address'),
  /** Keys that sign approval links, by key id (the first signs; all verify). */
  PIM_APPROVAL_LINK_KEYS: signingKeys,
  /**
   * Whether acting on an emailed approval link also needs the approver signed in (App Service
   * authentication). On by default in production; devhost's sample turns it off.
   */
  PIM_APPROVAL_SIGNIN_REQUIRED: z
    .enum(['true', 'false'], { message: 'true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  /** Public base URL of this service, used in emailed links. */
  PIM_PUBLIC_BASE_URL: url,
  /** What runs Durable Functions; devhost sets it, under Azure the default holds. */
  PIM_DURABLE_BACKEND: z.string().min(1).default('Durable Functions extension (Azure Storage provider)'),
  /** Prefix of the app's table names. */
  PIM_TABLE_PREFIX: z.string().regex(NAME, 'letters and digits, starting with a letter').default('Pim'),
});

/**
 * Every setting the schema above reads (the connections' settings are read in connections.ts).
 * test/infra/ holds infra/main.bicep to this list: each is set there or left to the operator.
 */
export const settingNames: readonly string[] = Object.keys(schema.shape);

export type AppConfig = Readonly<
  z.output<typeof schema> & {
    /** The app's tables: from AzureWebJobsStorage or AzureWebJobsStorage__* (see connections.ts). */
    tables: TableConnection;
    /** Service Bus: from PIM_SERVICEBUS_CONNECTION or PIM_SERVICEBUS_CONNECTION__* (see connections.ts). */
    serviceBus: BusConnection;
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(input);
  const tables = tableConnection(input);
  const serviceBus = busConnection(input);
  const problems = [
    ...tables.problems,
    ...(result.error?.issues ?? []).map((issue) => {
      const key = issue.path.join('.') || '(root)';
      const missing = issue.code === 'invalid_type' && input[key] === undefined;
      return missing ? `${key} is missing (must be ${expectation(key)})` : `${key} must be ${issue.message}`;
    }),
    ...serviceBus.problems,
  ];
  // Why: were the Graph surface's audience one of ARM's, a token for either surface would work on both.
  if (result.success && result.data.PIM_ARM_AUDIENCE.some((a) => a.replace(/\/+$/, '') === result.data.PIM_OIDC_AUDIENCE.replace(/\/+$/, ''))) {
    problems.push(`PIM_OIDC_AUDIENCE must differ from the ARM audiences in PIM_ARM_AUDIENCE (${result.data.PIM_ARM_AUDIENCE.join(', ')})`);
  }
  if (result.success && result.data.PIM_PORTAL_CLIENT_ID && !portalAuthority(result.data).startsWith('https:')) {
    problems.push(`PIM_PORTAL_AUTHORITY must be set to an https URL: the portal signs in through MSAL, which refuses the default taken from PIM_OIDC_ISSUER (${result.data.PIM_OIDC_ISSUER})`);
  }
  if (!result.success || !tables.value || !serviceBus.value || problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...result.data, tables: tables.value, serviceBus: serviceBus.value });
}

/**
 * What a setting expects, for the message about a missing one: zod reports a missing key only as
 * "expected string", so ask the key's own schema what it says about an empty value (empty counts
 * as missing anyway), which keeps each expectation written once, next to its rule.
 */
function expectation(key: string): string {
  const field = (schema.shape as Record<string, z.ZodType | undefined>)[key];
  const issue = field?.safeParse('').error?.issues[0];
  return issue?.message ?? 'set';
}

/**
 * What the platform says about where the app runs, read apart from the app's own settings so it
 * is known even while those are incomplete (at start-up): App Service and Functions in Azure set
 * WEBSITE_SITE_NAME (the app's name), and WEBSITE_AUTH_ENABLED=True while App Service
 * authentication is on. Neither is an app setting an operator sets.
 */
export function hostingFacts(env: Record<string, string | undefined> = process.env): HostingFacts {
  return { inAzure: Boolean(env.WEBSITE_SITE_NAME), appServiceAuthEnabled: env.WEBSITE_AUTH_ENABLED?.toLowerCase() === 'true' };
}

/** The portal's sign-in authority: PIM_PORTAL_AUTHORITY, else the issuer without Entra's /v2.0. */
export function portalAuthority(cfg: Pick<AppConfig, 'PIM_PORTAL_AUTHORITY' | 'PIM_OIDC_ISSUER'>): string {
  return (cfg.PIM_PORTAL_AUTHORITY ?? cfg.PIM_OIDC_ISSUER.replace(/\/v2\.0\/?$/, '')).replace(/\/+$/, '');
}

/** The scope the portal asks a token for: PIM_PORTAL_API_SCOPE, else the API's audience + /access_as_user. */
export function portalApiScope(cfg: Pick<AppConfig, 'PIM_PORTAL_API_SCOPE' | 'PIM_OIDC_AUDIENCE'>): string {
  return cfg.PIM_PORTAL_API_SCOPE ?? `${cfg.PIM_OIDC_AUDIENCE.replace(/\/+$/, '')}/access_as_user`;
}

let cached: AppConfig | undefined;

/** The app's settings, parsed on first use and then kept. */
export function config(): AppConfig {
  cached ??= loadConfig();
  return cached;
}
