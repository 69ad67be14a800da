import { serviceUrl } from '../api';
import { isArmScope, listOption, type ParsedCommand, UsageError, stringOption } from '../args';
import { readLogin, removeLogin, type StoredLogin, writeLogin } from '../config';
import { CliError } from '../errors';
import type { Output } from '../output';

/** `pim login --dev <user>` / `--dev --service-principal <name>` / `pim login` (Entra device code). */
export async function login(cmd: ParsedCommand, out: Output): Promise<void> {
  const url = serviceUrl(cmd.global.url);
  const signedIn = cmd.options.dev ? await devLogin(url, cmd) : await entraLogin(url, cmd);
  // ARM scopes given at sign-in are where 'pim roles' lists Azure roles from then on.
  const scopes = listOption(cmd.options, 'scope').filter(isArmScope);
  const stored: StoredLogin = { ...signedIn, ...(scopes.length > 0 ? { scopes } : {}) };
  writeLogin(stored);
  out.result(
    { url: stored.url, account: stored.account, expiresOn: stored.expiresOn },
    `Signed in to ${stored.url} as ${stored.account.name} (${stored.account.kind === 'servicePrincipal' ? 'service principal' : 'user'}), until ${stored.expiresOn}.`,
  );
}

export async function logout(_cmd: ParsedCommand, out: Output): Promise<void> {
  removeLogin();
  out.result({ signedIn: false }, 'Signed out.');
}

export async function whoami(_cmd: ParsedCommand, out: Output): Promise<void> {
  const stored = readLogin();
  if (!stored) throw new CliError("You are not signed in: run 'pim login'.");
  out.result({ url: stored.url, account: stored.account, expiresOn: stored.expiresOn }, `${stored.account.name} (${stored.account.oid}) at ${stored.url}, until ${stored.expiresOn}`);
}

/** devhost's issuer signs tokens for its demo users and service principals; no password involved. */
async function devLogin(url: string, cmd: ParsedCommand): Promise<StoredLogin> {
  const servicePrincipal = stringOption(cmd.options, 'service-principal');
  const user = cmd.args[0];
  if (!servicePrincipal && !user) throw new UsageError("Name a demo user, e.g. 'pim login --dev alice', or '--service-principal deploy-pipeline'.");
  // A dev user signs in as if with MFA, so role settings that ask for it can be tried locally.
  const body = servicePrincipal ? { servicePrincipal } : { user, mfa: true };
  const token = async (audience?: string): Promise<string> => {
    let res: Response;
    try {
      res = await fetch(`${url}/.devhost/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, ...(audience ? { audience } : {}) }) });
    } catch (error) {
      throw new CliError(`Cannot reach devhost at ${url} (${error instanceof Error ? error.message : String(error)}). Start it with 'npm start', or pass --url.`);
    }
    const answer = (await res.json().catch(() => ({}))) as { access_token?: string; error?: { message?: string } };
    if (!res.ok || !answer.access_token) {
      const hint = res.status === 404 && !answer.error ? ' Is this a devhost? Production sign-in is plain \'pim login\'.' : '';
      throw new CliError(`${answer.error?.message ?? `devhost answered ${res.status}.`}${hint}`);
    }
    return answer.access_token;
  };
  const signedIn = stored(url, await token(), 'dev');
  // The ARM surface (Azure resource roles) takes tokens for ARM's audience only.
  const arm = await token('arm').catch(() => undefined);
  return { ...signedIn, ...(arm ? { armAccessToken: arm } : {}) };
}

/**
 * Entra ID's device code flow (a browser on any device, no secret on this one) for the API's
 * delegated scope. The access token is stored; when it expires, sign in again.
 */
async function entraLogin(url: string, cmd: ParsedCommand): Promise<StoredLogin> {
  const tenantId = stringOption(cmd.options, 'tenant') ?? process.env.PIM_TENANT_ID;
  const clientId = stringOption(cmd.options, 'client-id') ?? process.env.PIM_CLIENT_ID;
  // --scope is the API's scope; ARM scopes among them are where Azure roles are listed.
  const scope = listOption(cmd.options, 'scope').find((s) => !isArmScope(s)) ?? process.env.PIM_SCOPE;
  if (!tenantId || !clientId || !scope) {
    throw new UsageError('Signing in to Entra ID needs --tenant (PIM_TENANT_ID), --client-id (PIM_CLIENT_ID: a public client app registration) and --scope (PIM_SCOPE, e.g. api://pim/access_as_user).');
  }
  // Loaded only here: the SDK is large and no other command needs it.
  const { DeviceCodeCredential } = await import('@azure/identity');
  const credential = new DeviceCodeCredential({ tenantId, clientId, userPromptCallback: (info) => process.stderr.write(`${info.message}\n`) });
  const token = await credential.getToken(scope);
  if (!token) throw new CliError('Entra ID gave no token. Try again.');
  // The same credential, signed in once, asks ARM's audience for Azure resource roles (no second prompt: MSAL's cache).
  const arm = await credential.getToken(ARM_SCOPE).catch((error: unknown) => {
    process.stderr.write(`No token for Azure resource roles (${error instanceof Error ? error.message : String(error)}); directory roles and groups work.\n`);
    return null;
  });
  return { ...stored(url, token.token, 'entra'), ...(arm ? { armAccessToken: arm.token } : {}) };
}

/** Azure Resource Manager's scope; the ARM surface accepts ARM's audience (PIM_ARM_AUDIENCE). */
const ARM_SCOPE = process.env.PIM_ARM_SCOPE ?? 'https://management.azure.com/.default';

function stored(url: string, accessToken: string, method: StoredLogin['method']): StoredLogin {
  const claims = decodeClaims(accessToken);
  const isApp = claims.idtyp === 'app' || typeof claims.scp !== 'string';
  const oid = String(claims.oid ?? '');
  const name = typeof claims.name === 'string' ? claims.name : typeof claims.preferred_username === 'string' ? claims.preferred_username : oid;
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now() + 3_600_000;
  return { url, accessToken, expiresOn: new Date(exp).toISOString(), account: { kind: isApp ? 'servicePrincipal' : 'user', oid, name }, method };
}

/** The token's claims, read (not verified: the service verifies) to show who signed in. */
export function decodeClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
