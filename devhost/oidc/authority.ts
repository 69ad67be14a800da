import { createHash, randomBytes } from 'node:crypto';
import type { RawRequest, RawResponse } from '../core/extension';
import type { DemoUser } from '../graph/demoDirectory';
import { openIdConfiguration } from './discovery';
import type { OidcIssuerExtension } from './index';
import { authorityPage, type PageParams } from './authorityPage';

/** An app registration the authority signs people in to: a public client (SPA) and its redirect URIs. */
export interface PublicClient {
  clientId: string;
  redirectUris: string[];
}

/** An authorization code waiting to be redeemed, or a refresh token: whose, for what. */
interface Grant {
  clientId: string;
  user: DemoUser;
  /** Authentication contexts satisfied in this sign-in session (a step-up adds them). */
  acrs: string[];
  authTime: number;
}

interface PendingCode extends Grant {
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  nonce?: string;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 5 * 60_000;
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/**
 * A sign-in authority for browser apps in the shape of Entra ID's v2 endpoints, enough for MSAL:
 * discovery, /authorize (a page that lists the demo users; the `claims` parameter of a step-up
 * is shown and granted), /token (authorization code with PKCE S256, refresh tokens), /logout.
 * Tokens come from devhost's issuer, so the app validates them as it validates every token.
 * It answers only over https (MSAL refuses other authorities): see SignInAuthorityExtension.
 */
export class SignInAuthority {
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, Grant>();

  constructor(
    private readonly issuer: OidcIssuerExtension,
    private readonly users: readonly DemoUser[],
    private readonly clients: readonly PublicClient[],
  ) {}

  /** Serves a request that reached the authority at `origin` (e.g. https://127.0.0.1:7443). */
  async handle(req: RawRequest, origin: string): Promise<RawResponse> {
    const tenant = this.issuer.tenantId.toLowerCase();
    const path = req.url.pathname.toLowerCase();
    const base = `${origin}/${this.issuer.tenantId}`;
    if (path === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      return json(200, { ...openIdConfiguration({ issuer: `${base}/v2.0`, jwksUri: `${base}/discovery/v2.0/keys`, tenantBase: base }), tenant_region_scope: null }, { 'Access-Control-Allow-Origin': '*' });
    }
    if (path === `/${tenant}/discovery/v2.0/keys`) return json(200, this.issuer.jwks(), { 'Access-Control-Allow-Origin': '*' });
    if (path === `/${tenant}/oauth2/v2.0/authorize`) return this.authorize(req);
    if (path === `/${tenant}/oauth2/v2.0/token`) return this.token(req);
    if (path === `/${tenant}/oauth2/v2.0/logout`) return this.logout(req);
    return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not an endpoint of devhost\'s sign-in authority.' };
  }

  /** GET: the sign-in page. POST (its form): the chosen user is signed in and sent back with a code. */
  private async authorize(req: RawRequest): Promise<RawResponse> {
    if (req.method !== 'GET' && req.method !== 'POST') return { status: 405, headers: { Allow: 'GET, POST' } };
    const params = req.method === 'POST' ? new URLSearchParams(req.body.toString('utf8')) : req.url.searchParams;
    const client = this.clients.find((c) => c.clientId === params.get('client_id'));
    const redirectUri = params.get('redirect_uri') ?? '';
    // Why a page and not a redirect: an unknown client or redirect URI must never receive anything.
    if (!client) return errorPage(400, `AADSTS700016: Application with identifier '${params.get('client_id') ?? ''}' was not found in the directory.`);
    if (!client.redirectUris.includes(redirectUri)) {
      return errorPage(400, `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${client.clientId}'.`);
    }
    const back = (answer: Record<string, string>) => redirectBack(redirectUri, params.get('response_mode'), { ...answer, ...(params.get('state') ? { state: params.get('state') ?? '' } : {}) });
    if (params.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', error_description: 'AADSTS700054: Only response_type=code is supported here.' });
    if (!params.get('code_challenge') || params.get('code_challenge_method') !== 'S256') {
      return back({ error: 'invalid_request', error_description: 'AADSTS9002325: Proof Key for Code Exchange (S256) is required for cross-origin authorization code redemption.' });
    }
    const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
    const scopeProblem = this.resourceOf(scopes).problem;
    if (scopeProblem) return back({ error: 'invalid_resource', error_description: scopeProblem });
    const asked = askedContexts(params.get('claims'));
    if (asked === undefined) return back({ error: 'invalid_request', error_description: 'AADSTS90014: The claims parameter is not valid JSON.' });
    // devhost keeps no sign-in session at the authority, so a sign-in without the user cannot happen.
    if (params.get('prompt') === 'none') return back({ error: 'login_required', error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.' });
    if (req.method === 'GET') {
      const page: PageParams = { params: [...params.entries()], users: this.users, asked, loginHint: params.get('login_hint') ?? undefined };
      return authorityPage(page, new URL(redirectUri).origin);
    }
    if (params.get('cancel')) return back({ error: 'access_denied', error_description: 'AADSTS65004: The user declined to sign in.' });
    const user = this.users.find((u) => u.alias === params.get('user'));
    if (!user) return errorPage(400, 'Choose one of the demo users.');
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri,
      codeChallenge: params.get('code_challenge') ?? '',
      scopes,
      nonce: params.get('nonce') ?? undefined,
      user,
      acrs: asked,
      authTime: Math.floor(Date.now() / 1000),
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    return back({ code, client_info: this.clientInfo(user) });
  }

  /** The token endpoint, called by the browser app itself (CORS, as Entra allows SPA redirect origins). */
  private async token(req: RawRequest): Promise<RawResponse> {
    const cors = this.cors(req.headers.origin);
    if (req.method === 'OPTIONS') {
      return { status: 204, headers: { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': String(req.headers['access-control-request-headers'] ?? 'content-type'), 'Access-Control-Max-Age': '600' } };
    }
    if (req.method !== 'POST') return { status: 405, headers: { Allow: 'POST, OPTIONS' } };
    const form = new URLSearchParams(req.body.toString('utf8'));
    const fail = (error: string, description: string) => json(400, { error, error_description: description }, cors);
    const grantType = form.get('grant_type');
    let grant: Grant;
    let scopes: string[];
    let nonce: string | undefined;
    if (grantType === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      // Why delete before checking: a code is good for one attempt, so a stolen one cannot be tried twice.
      this.codes.delete(form.get('code') ?? '');
      if (!code || code.expiresAt < Date.now()) return fail('invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired or was already redeemed.');
      if (code.clientId !== form.get('client_id') || code.redirectUri !== form.get('redirect_uri')) {
        return fail('invalid_grant', 'AADSTS70000: The code was issued to another client or redirect URI.');
      }
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge) {
        return fail('invalid_grant', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
      ({ scopes, nonce } = code);
      grant = code;
    } else if (grantType === 'refresh_token') {
      const refresh = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!refresh || refresh.clientId !== form.get('client_id')) return fail('invalid_grant', 'AADSTS9002313: The refresh token is not valid for this client.');
      // A refresh token is used once; the answer carries the next one.
      this.refreshTokens.delete(form.get('refresh_token') ?? '');
      const asked = askedContexts(form.get('claims')) ?? [];
      // Why: a session that has not satisfied an asked authentication context needs the user again.
      if (asked.some((acr) => !refresh.acrs.includes(acr))) {
        this.refreshTokens.set(form.get('refresh_token') ?? '', refresh);
        return json(400, { error: 'interaction_required', error_description: 'AADSTS50076: The user must satisfy the requested authentication context.', suberror: 'basic_action' }, cors);
      }
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      grant = refresh;
    } else {
      return fail('unsupported_grant_type', 'AADSTS70003: Use authorization_code or refresh_token.');
    }
    const { resource, resourceScopes, problem } = this.resourceOf(scopes);
    if (problem || !resource) return fail('invalid_resource', problem ?? 'No resource.');
    const { user } = grant;
    const accessToken = await this.issuer.issueToken(
      {
        oid: user.id,
        name: user.displayName,
        preferred_username: user.userPrincipalName,
        roles: user.appRoles,
        // Every demo user signs in with MFA, as on devhost's demo sign-in page.
        amr: ['pwd', 'mfa'],
        ...(grant.acrs.length ? { acrs: grant.acrs } : {}),
        azp: grant.clientId,
        scp: resourceScopes.map((s) => s.slice(resource.length + 1)).join(' '),
      },
      { audience: resource },
    );
    const refreshToken = randomBytes(32).toString('base64url');
    this.refreshTokens.set(refreshToken, { clientId: grant.clientId, user, acrs: grant.acrs, authTime: grant.authTime });
    const idToken = scopes.includes('openid')
      ? await this.issuer.issueIdToken(grant.clientId, { oid: user.id, name: user.displayName, preferred_username: user.userPrincipalName, nonce, auth_time: grant.authTime })
      : undefined;
    return json(200, {
      token_type: 'Bearer',
      scope: resourceScopes.join(' '),
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: accessToken,
      refresh_token: refreshToken,
      ...(idToken ? { id_token: idToken } : {}),
      client_info: this.clientInfo(user),
    }, cors);
  }

  /** Ends the session: the user's refresh tokens stop working; back to the app if it is a registered one. */
  private logout(req: RawRequest): RawResponse {
    const hint = req.url.searchParams.get('logout_hint');
    for (const [token, grant] of this.refreshTokens) if (!hint || grant.user.userPrincipalName === hint) this.refreshTokens.delete(token);
    const target = req.url.searchParams.get('post_logout_redirect_uri');
    const registered = this.clients.some((c) => c.redirectUris.some((uri) => target && new URL(uri).origin === originOf(target)));
    if (target && registered) {
      const state = req.url.searchParams.get('state');
      return { status: 302, headers: { Location: state ? `${target}${target.includes('?') ? '&' : '?'}state=${encodeURIComponent(state)}` : target } };
    }
    return errorPage(200, 'You have signed out of devhost\'s sign-in authority.');
  }

  /** The one resource (API) the resource scopes are for; only the app's own API is known here. */
  private resourceOf(scopes: string[]): { resource?: string; resourceScopes: string[]; problem?: string } {
    const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s));
    const resources = new Set(resourceScopes.map((s) => s.slice(0, s.lastIndexOf('/'))));
    const [resource] = resources;
    const known = this.issuer.audience.replace(/\/+$/, '');
    if (resources.size !== 1 || !resource) return { resourceScopes, problem: "AADSTS28000: Ask for scopes of exactly one resource: the app's API." };
    if (resource.replace(/\/+$/, '') !== known) {
      return { resourceScopes, problem: `AADSTS500011: The resource principal named ${resource} was not found in the tenant. devhost knows the app's API, ${known}.` };
    }
    return { resource, resourceScopes };
  }

  /** Entra's client_info: the user's home account (uid.utid), which MSAL keys its cache on. */
  private clientInfo(user: DemoUser): string {
    return Buffer.from(JSON.stringify({ uid: user.id, utid: this.issuer.tenantId })).toString('base64url');
  }

  /** CORS for the token endpoint: only the origins of registered redirect URIs, as Entra does for SPAs. */
  private cors(origin: string | string[] | undefined): Record<string, string> {
    const allowed = typeof origin === 'string' && this.clients.some((c) => c.redirectUris.some((uri) => new URL(uri).origin === origin));
    return allowed ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : { Vary: 'Origin' };
  }
}

/** The authentication contexts a `claims` request asks for; undefined when it is not JSON. */
function askedContexts(claims: string | null): string[] | undefined {
  if (!claims) return [];
  try {
    const acrs = (JSON.parse(claims) as { access_token?: { acrs?: { value?: unknown; values?: unknown } } }).access_token?.acrs;
    const values = [acrs?.value, ...(Array.isArray(acrs?.values) ? acrs.values : [])];
    return values.filter((v): v is string => typeof v === 'string');
  } catch {
    return undefined;
  }
}

function redirectBack(redirectUri: string, responseMode: string | null, answer: Record<string, string>): RawResponse {
  const query = new URLSearchParams(answer).toString();
  // MSAL asks for the fragment (the default); the query works too.
  const location = responseMode === 'query' ? `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query}` : `${redirectUri}#${query}`;
  return { status: 302, headers: { Location: location, 'Cache-Control': 'no-store' } };
}

function originOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).origin : undefined;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): RawResponse {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers }, body: JSON.stringify(body) };
}

function errorPage(status: number, message: string): RawResponse {
  return authorityPage({ message }, undefined, status);
}
