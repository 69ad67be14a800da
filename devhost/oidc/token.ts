import { createHash, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './keys';

/** Claims about the user; anything else given is copied into the token as is. */
export interface TokenClaims {
  /** The user's object id: what the app keys users on. */
  oid: string;
  name?: string;
  preferred_username?: string;
  /** App roles assigned to the user; left out of the token when empty, as Entra does. */
  roles?: string[];
  /** Authentication methods, e.g. ["pwd", "mfa"]. */
  amr?: string[];
  /** Authentication contexts satisfied, e.g. ["c1"]. */
  acrs?: string[];
  [claim: string]: unknown;
}

export interface TokenOptions {
  /** Lifetime from `notBefore` (default 3600, like Entra's default access token lifetime). */
  expiresInSeconds?: number;
  /** When the token becomes valid (default: now). */
  notBefore?: Date;
  /** The API the token is for (default: the issuer's audience). */
  audience?: string;
  /** Which published key signs it (default 'current'); 'next' needs the issuer's nextKey option. */
  signingKey?: 'current' | 'next';
}

export interface TokenIssuer {
  issuer: string;
  tenantId: string;
  audience: string;
}

/**
 * The client devhost's tokens name as the app that asked for them (azp): Azure CLI's well-known
 * public client id, as if `az account get-access-token` had been used.
 */
const DEV_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/** Delegated (user) tokens from Entra always carry the scopes granted; this is the usual one. */
const DEFAULT_SCOPE = 'access_as_user';

/** Signs an access token shaped like an Entra ID v2 delegated token for the user in `claims`. */
export async function signAccessToken(
  key: SigningKey,
  issuer: TokenIssuer,
  claims: TokenClaims,
  options: TokenOptions,
  now: Date,
): Promise<string> {
  if (typeof claims.oid !== 'string' || claims.oid === '') throw new TypeError("A token needs the user's oid.");
  const audience = options.audience ?? issuer.audience;
  const iat = Math.floor(now.getTime() / 1000);
  const nbf = options.notBefore ? Math.floor(options.notBefore.getTime() / 1000) : iat;
  const { roles, ...rest } = claims;
  const payload: Record<string, unknown> = {
    azp: DEV_CLIENT_ID,
    azpacr: '0',
    scp: DEFAULT_SCOPE,
    // Entra's sub is pairwise (per user and application) and differs from oid; so does this one,
    // which keeps code that wrongly keys users on sub from working here and failing in Azure.
    sub: pairwiseSubject(issuer.tenantId, audience, claims.oid),
    tid: issuer.tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '2.0',
    ...(roles && roles.length > 0 ? { roles } : {}),
    ...rest,
  };
  // An app-only token (idtyp "app") has no delegated scopes: a claim given as undefined is left out.
  return signJwt(key, payload, { issuer: issuer.issuer, audience, iat, nbf, exp: nbf + (options.expiresInSeconds ?? 3600) });
}

/** Signs `payload` (claims given as undefined left out) with its issuer, audience and times. */
function signJwt(key: SigningKey, payload: Record<string, unknown>, registered: { issuer: string; audience: string; iat: number; nbf: number; exp: number }): Promise<string> {
  for (const [claim, value] of Object.entries(payload)) if (value === undefined) delete payload[claim];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .setIssuer(registered.issuer)
    .setAudience(registered.audience)
    .setIssuedAt(registered.iat)
    .setNotBefore(registered.nbf)
    .setExpirationTime(registered.exp)
    .sign(key.privateKey);
}

function pairwiseSubject(tenantId: string, audience: string, oid: string): string {
  return createHash('sha256').update(`${tenantId}|${audience}|${oid}`).digest('base64url');
}

/** Claims of an ID token: who signed in, for which client, bound to the sign-in request by its nonce. */
export interface IdTokenClaims {
  oid: string;
  name?: string;
  preferred_username?: string;
  nonce?: string;
  /** When the user signed in (seconds since the epoch). */
  auth_time: number;
}

/** Signs an ID token shaped like Entra ID's v2 one (aud is the client that signed the user in). */
export async function signIdToken(key: SigningKey, issuer: TokenIssuer, clientId: string, claims: IdTokenClaims, now: Date): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  const payload: Record<string, unknown> = {
    ...claims,
    sub: pairwiseSubject(issuer.tenantId, clientId, claims.oid),
    tid: issuer.tenantId,
    ver: '2.0',
  };
  return signJwt(key, payload, { issuer: issuer.issuer, audience: clientId, iat, nbf: iat, exp: iat + 3600 });
}
