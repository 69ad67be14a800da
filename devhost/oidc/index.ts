import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';

export interface OidcOptions {
  /** Folder for the signing key, so tokens stay valid across restarts; in memory when omitted. */
  keyDir?: string;
  tenantId: string;
  audience: string;
}

export interface TokenClaims {
  oid: string;
  name?: string;
  preferred_username?: string;
  roles?: string[];
  amr?: string[];
  acrs?: string[];
  [claim: string]: unknown;
}

export interface TokenOptions {
  expiresInSeconds?: number;
  notBefore?: Date;
  audience?: string;
}

interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The client id devhost's tokens name as the calling app (azp). */
const DEV_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/**
 * A local OpenID issuer shaped like Entra ID's v2 endpoint: discovery document, JWKS and
 * RS256 access tokens for local users, so the app validates tokens exactly as in production.
 */
export class OidcIssuerExtension implements HostExtension {
  readonly name = 'oidc';
  private baseUrl = '';
  private key?: SigningKey;

  constructor(private readonly options: OidcOptions) {}

  get issuer(): string {
    return `${this.baseUrl}/${this.options.tenantId}/v2.0`;
  }

  get jwksUri(): string {
    return `${this.baseUrl}/${this.options.tenantId}/discovery/v2.0/keys`;
  }

  async start(host: HostContext): Promise<void> {
    this.baseUrl = host.baseUrl;
    this.key = await this.loadOrCreateKey();
  }

  async stop(): Promise<void> {}

  describe(): Record<string, string> {
    return { identity: `devhost OpenID issuer ${this.issuer}` };
  }

  async handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    if (req.method !== 'GET') return undefined;
    const path = req.url.pathname;
    const tenant = this.options.tenantId;
    if (path === '/.well-known/openid-configuration' || path === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      return json(this.discovery());
    }
    if (path === `/${tenant}/discovery/v2.0/keys` || path === '/.devhost/keys') return json(this.jwks());
    return undefined;
  }

  discovery(): Record<string, unknown> {
    const tenantBase = `${this.baseUrl}/${this.options.tenantId}`;
    return {
      issuer: this.issuer,
      authorization_endpoint: `${tenantBase}/oauth2/v2.0/authorize`,
      token_endpoint: `${tenantBase}/oauth2/v2.0/token`,
      jwks_uri: this.jwksUri,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'nbf',
        'name',
        'oid',
        'tid',
        'preferred_username',
        'roles',
        'amr',
        'acrs',
      ],
      tenant_region_scope: 'EU',
    };
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.key ? [this.key.publicJwk] : [] };
  }

  /** Signs an Entra-shaped v2 access token for a local user. */
  async issueToken(claims: TokenClaims, options: TokenOptions = {}): Promise<string> {
    const key = this.key;
    if (!key) throw new Error('The OpenID issuer is not started.');
    const now = Math.floor(Date.now() / 1000);
    const nbf = options.notBefore ? Math.floor(options.notBefore.getTime() / 1000) : now;
    const privateKey = await importJWK(key.privateJwk, 'RS256');
    return new SignJWT({
      tid: this.options.tenantId,
      azp: DEV_CLIENT_ID,
      azpacr: '0',
      uti: randomUUID().replace(/-/g, ''),
      ver: '2.0',
      ...claims,
      sub: typeof claims.sub === 'string' ? claims.sub : claims.oid,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
      .setIssuer(this.issuer)
      .setAudience(options.audience ?? this.options.audience)
      .setIssuedAt(now)
      .setNotBefore(nbf)
      .setExpirationTime(nbf + (options.expiresInSeconds ?? 3600))
      .sign(privateKey);
  }

  private async loadOrCreateKey(): Promise<SigningKey> {
    const file = this.options.keyDir ? join(this.options.keyDir, 'signing-key.json') : undefined;
    if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SigningKey;
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256' };
    const key = { kid, privateJwk, publicJwk };
    if (file && this.options.keyDir) {
      mkdirSync(this.options.keyDir, { recursive: true });
      writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
    }
    return key;
  }
}

function json(body: unknown): RawResponse {
  return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}
