import { join } from 'node:path';
import type { JWK } from 'jose';
import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';
import { type IssuerUrls, issuerUrls, openIdConfiguration } from './discovery';
import { loadOrCreateSigningKey, type SigningKey } from './keys';
import { type IdTokenClaims, signAccessToken, signIdToken, type TokenClaims, type TokenOptions } from './token';

export type { IdTokenClaims, TokenClaims, TokenOptions } from './token';

export interface OidcOptions {
  /** Folder for the signing keys, so tokens stay valid across restarts; in memory when omitted. */
  keyDir?: string;
  tenantId: string;
  /** The audience (aud) of issued tokens unless a token asks for another. */
  audience: string;
  /**
   * Also publish a second ("next") key, as Entra publishes keys before signing with them, so
   * clients can be seen to pick up a key they have not used yet. Tokens are signed with the
   * current key unless TokenOptions.signingKey says 'next'.
   */
  nextKey?: boolean;
}

interface KeyRing {
  current: SigningKey;
  next?: SigningKey;
}

/**
 * A local OpenID issuer shaped like Entra ID's v2 endpoint, served on devhost's own port:
 * the discovery document, the JWKS (public keys only) and RS256 access tokens for local users
 * (issueToken), so the app validates devhost's tokens with the same code as Entra's.
 */
export class OidcIssuerExtension implements HostExtension {
  readonly name = 'oidc';
  private urls?: IssuerUrls;
  private keys?: KeyRing;

  constructor(private readonly options: OidcOptions) {
    // Why: the tenant id becomes a path segment of the issuer; one that is not a plain segment
    // would make an issuer the app can never match.
    if (!/^[A-Za-z0-9._-]+$/.test(options.tenantId)) {
      throw new Error(`The OpenID issuer's tenantId '${options.tenantId}' must be a plain path segment (e.g. a GUID).`);
    }
  }

  /** e.g. http://localhost:7071/{tenantId}/v2.0, the `iss` of every token. */
  get issuer(): string {
    return this.started().urls.issuer;
  }

  get jwksUri(): string {
    return this.started().urls.jwksUri;
  }

  async start(host: HostContext): Promise<void> {
    this.urls = issuerUrls(host.baseUrl, this.options.tenantId);
    // A restart of the same instance keeps its keys even without a key folder.
    this.keys ??= await this.loadKeys();
  }

  async stop(): Promise<void> {}

  describe(): Record<string, string> {
    return { identity: `devhost OpenID issuer ${this.urls?.issuer ?? '(not started)'}` };
  }

  async handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    const path = req.url.pathname;
    // Tenant ids in Entra's paths are case-insensitive.
    const tenant = `/${this.options.tenantId}`.toLowerCase();
    const lower = path.toLowerCase();
    let body: unknown;
    if (path === '/.well-known/openid-configuration' || lower === `${tenant}/v2.0/.well-known/openid-configuration`) {
      body = this.discovery();
    } else if (path === '/.devhost/keys' || lower === `${tenant}/discovery/v2.0/keys`) {
      body = this.jwks();
    } else {
      return undefined;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: { Allow: 'GET, HEAD' } };
    return {
      status: 200,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        // Public documents, fetched by browser apps from other origins too (Entra allows any).
        'Access-Control-Allow-Origin': '*',
        // A fresh key folder means new keys: clients should not keep an old key set.
        'Cache-Control': 'no-store',
      },
      body: JSON.stringify(body),
    };
  }

  discovery(): Record<string, unknown> {
    return openIdConfiguration(this.started().urls);
  }

  /** The published key set: the current key, then the next one when there is one. */
  jwks(): { keys: JWK[] } {
    const { keys } = this.started();
    return { keys: [keys.current, ...(keys.next ? [keys.next] : [])].map((k) => ({ ...k.publicJwk })) };
  }

  /** Signs an Entra-shaped v2 access token for a local user (see signAccessToken for the claims). */
  async issueToken(claims: TokenClaims, options: TokenOptions = {}): Promise<string> {
    const { urls, keys } = this.started();
    const key = options.signingKey === 'next' ? keys.next : keys.current;
    if (!key) throw new Error("There is no next key: create the issuer with { nextKey: true } to sign with one.");
    return signAccessToken(
      key,
      { issuer: urls.issuer, tenantId: this.options.tenantId, audience: this.options.audience },
      claims,
      options,
      new Date(),
    );
  }

  /** Signs an Entra-shaped v2 ID token for a user signed in to `clientId` (devhost's sign-in authority). */
  async issueIdToken(clientId: string, claims: IdTokenClaims): Promise<string> {
    const { urls, keys } = this.started();
    return signIdToken(keys.current, { issuer: urls.issuer, tenantId: this.options.tenantId, audience: this.options.audience }, clientId, claims, new Date());
  }

  /** The tenant the issuer signs for. */
  get tenantId(): string {
    return this.options.tenantId;
  }

  /** The audience of access tokens unless one is asked for: the app's API. */
  get audience(): string {
    return this.options.audience;
  }

  private async loadKeys(): Promise<KeyRing> {
    const file = (name: string) => (this.options.keyDir ? join(this.options.keyDir, name) : undefined);
    const current = await loadOrCreateSigningKey(file('signing-key.json'));
    const next = this.options.nextKey ? await loadOrCreateSigningKey(file('next-signing-key.json')) : undefined;
    return { current, ...(next ? { next } : {}) };
  }

  private started(): { urls: IssuerUrls; keys: KeyRing } {
    if (!this.urls || !this.keys) throw new Error('The OpenID issuer is not started.');
    return { urls: this.urls, keys: this.keys };
  }
}
