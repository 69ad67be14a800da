/**
 * The app's connections to Table Storage and Service Bus, read from the settings the way the
 * Functions host reads them, so the app and the host's own triggers always use the same one:
 *
 * - a non-empty plain setting (`AzureWebJobsStorage`, `PIM_SERVICEBUS_CONNECTION`) is a
 *   connection string, and wins;
 * - otherwise the identity-based form: `<name>__tableServiceUri` (or `__accountName`),
 *   `<name>__fullyQualifiedNamespace`, signed in with `<name>__credential=managedidentity`
 *   and, for a user-assigned identity, its client id in `<name>__clientId`.
 *
 * Each function returns the connection or the problems with it, named by setting, so config.ts
 * can list them with every other bad setting in one error.
 */

/** How an identity-based connection signs in. */
export interface Identity {
  /**
   * 'managedidentity': the app's managed identity and nothing else (production). Unset: the
   * SDK's default chain (environment, managed identity, developer sign-in), as the host does.
   */
  credential?: 'managedidentity';
  /** Client id of the user-assigned identity; unset means the system-assigned one. */
  clientId?: string;
}

export type TableConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableServiceUri: string; identity: Identity };

export type BusConnection =
  | { kind: 'connectionString'; connectionString: string }
  /** devhost's in-process bus over HTTP (local runs and tests only). */
  | { kind: 'devhost'; url: string }
  | { kind: 'identity'; fullyQualifiedNamespace: string; identity: Identity };

export type Parsed<T> = { value: T; problems: [] } | { value?: undefined; problems: string[] };

type Env = Record<string, string | undefined>;

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const NAMESPACE_HOST = /^[a-z0-9][a-z0-9-]*\.servicebus\.[a-z0-9.-]+[a-z]$/i;

const STORAGE = 'AzureWebJobsStorage';
export const SERVICE_BUS = 'PIM_SERVICEBUS_CONNECTION';

/** Storage for the app's tables (Durable Functions uses the same account through the host). */
export function tableConnection(env: Env): Parsed<TableConnection> {
  const plain = env[STORAGE];
  if (plain) return { value: { kind: 'connectionString', connectionString: plain }, problems: [] };
  const problems: string[] = [];
  const uri = env[`${STORAGE}__tableServiceUri`];
  const account = env[`${STORAGE}__accountName`];
  let tableServiceUri: string | undefined;
  if (uri) {
    // Why: the token is a bearer credential to the whole account; never send it in clear text.
    if (URL.canParse(uri) && new URL(uri).protocol === 'https:') tableServiceUri = uri.replace(/\/+$/, '');
    else problems.push(`${STORAGE}__tableServiceUri must be an https URL, e.g. https://<account>.table.core.windows.net`);
  } else if (account) {
    if (ACCOUNT_NAME.test(account)) tableServiceUri = `https://${account}.table.core.windows.net`;
    else problems.push(`${STORAGE}__accountName must be a storage account name (3-24 lowercase letters and digits)`);
  } else {
    problems.push(
      `${STORAGE} is missing (set ${STORAGE} to a storage connection string, or for a managed identity ` +
        `${STORAGE}__tableServiceUri (or ${STORAGE}__accountName) with ${STORAGE}__credential=managedidentity ` +
        `and ${STORAGE}__clientId for a user-assigned identity)`,
    );
  }
  const identity = identityOf(env, STORAGE, problems);
  if (problems.length > 0 || !tableServiceUri || !identity) return { problems };
  return { value: { kind: 'identity', tableServiceUri, identity }, problems: [] };
}

/** Service Bus for publishing events and queueing webhook retries (the triggers read the same setting). */
export function busConnection(env: Env): Parsed<BusConnection> {
  const plain = env[SERVICE_BUS];
  if (plain) return plainBusConnection(plain);
  const problems: string[] = [];
  const namespace = env[`${SERVICE_BUS}__fullyQualifiedNamespace`];
  if (!namespace) {
    problems.push(
      `${SERVICE_BUS} is missing (set ${SERVICE_BUS}__fullyQualifiedNamespace to the namespace host name, ` +
        `e.g. contoso.servicebus.windows.net, with ${SERVICE_BUS}__credential=managedidentity and ${SERVICE_BUS}__clientId ` +
        `for a user-assigned identity; or ${SERVICE_BUS} to a connection string or devhost's bus URL)`,
    );
  } else if (!NAMESPACE_HOST.test(namespace)) {
    problems.push(`${SERVICE_BUS}__fullyQualifiedNamespace must be a namespace host name, e.g. contoso.servicebus.windows.net`);
  }
  const identity = identityOf(env, SERVICE_BUS, problems);
  if (problems.length > 0 || !namespace || !identity) return { problems };
  return { value: { kind: 'identity', fullyQualifiedNamespace: namespace.toLowerCase(), identity }, problems: [] };
}

function plainBusConnection(value: string): Parsed<BusConnection> {
  if (/Endpoint=sb:\/\//i.test(value)) return { value: { kind: 'connectionString', connectionString: value }, problems: [] };
  if (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) {
    return { value: { kind: 'devhost', url: value.replace(/\/+$/, '') }, problems: [] };
  }
  const host = value.replace(/^sb:\/\//i, '').replace(/\/+$/, '');
  if (NAMESPACE_HOST.test(host)) {
    // Why: the Service Bus extension reads a non-empty plain setting as a connection string;
    // a host name there fails to parse and every Service Bus trigger of the app stays down.
    return {
      problems: [
        `${SERVICE_BUS} must not be a namespace host name: the Functions host reads ${SERVICE_BUS} as a connection string, ` +
          `so its Service Bus triggers would not start. Set ${SERVICE_BUS}__fullyQualifiedNamespace=${host} ` +
          `(with ${SERVICE_BUS}__credential=managedidentity and ${SERVICE_BUS}__clientId) and leave ${SERVICE_BUS} empty`,
      ],
    };
  }
  return { problems: [`${SERVICE_BUS} must be a Service Bus connection string (Endpoint=sb://...) or the http URL of devhost's bus`] };
}

function identityOf(env: Env, name: string, problems: string[]): Identity | undefined {
  const credential = env[`${name}__credential`];
  const clientId = env[`${name}__clientId`];
  const identity: Identity = {};
  let ok = true;
  if (credential !== undefined) {
    if (credential.toLowerCase() === 'managedidentity') identity.credential = 'managedidentity';
    else {
      problems.push(`${name}__credential must be managedidentity (or unset for the SDK's default sign-in)`);
      ok = false;
    }
  }
  if (clientId !== undefined) {
    if (GUID.test(clientId)) identity.clientId = clientId;
    else {
      problems.push(`${name}__clientId must be the client id (a GUID) of the user-assigned managed identity`);
      ok = false;
    }
  }
  return ok ? identity : undefined;
}

/**
 * True for a plain-http URL on this machine (localhost, 127.0.0.0/8, ::1): devhost's local
 * stand-ins, which need no token. Anything else is a real service.
 */
export function isLoopbackHttp(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && (hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]');
}
