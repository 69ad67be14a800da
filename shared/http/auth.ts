import { createRemoteJWKSet, errors as joseErrors, type JWTPayload, jwtVerify } from 'jose';
import type { Caller } from '../domain/caller';
import { HttpError } from './graphErrors';

export type { Caller } from '../domain/caller';

export interface AuthSettings {
  /** The OpenID issuer whose discovery document names the signing keys; tokens must carry it (or one of `otherIssuers`). */
  issuer: string;
  /** Other issuers whose tokens are signed with the same keys (Entra's v1 form, https://sts.windows.net/{tenant}/). */
  otherIssuers?: readonly string[];
  /** The audience the tokens must be for, or the audiences one of which they must be for. */
  audience: string | readonly string[];
  tenantId: string;
  adminRole: string;
  auditorRole: string;
}

export interface TokenValidator {
  /** Validates `Authorization: Bearer ...`; throws HttpError 401 when it is not acceptable. */
  authenticate(authorization: string | null | undefined): Promise<Caller>;
}

const unauthorized = (message: string, description = message) =>
  new HttpError('InvalidAuthenticationToken', message, 401, {
    'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
  });

/**
 * Validates Entra ID (v2) access tokens against the issuer's published keys: RS256 only
 * (so `alg: none` and HMAC tokens signed with the public key are refused), issuer, audience,
 * expiry and not-before (60 s of clock skew), and the tenant.
 */
export function createTokenValidator(settings: AuthSettings): TokenValidator {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keys = async () => {
    if (!jwks) {
      const discovery = `${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(discovery);
      if (!res.ok) throw new Error(`OpenID discovery at ${discovery} answered ${res.status}`);
      const doc = (await res.json()) as { jwks_uri?: string };
      if (!doc.jwks_uri) throw new Error(`OpenID discovery at ${discovery} names no jwks_uri`);
      jwks = createRemoteJWKSet(new URL(doc.jwks_uri), { cooldownDuration: 30_000 });
    }
    return jwks;
  };

  return {
    async authenticate(authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      if (!authorization) throw unauthorized('Access token is empty.');
      if (!match?.[1]) throw unauthorized('Access token must be sent as "Authorization: Bearer <token>".');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1], await keys(), {
          issuer: [settings.issuer, ...(settings.otherIssuers ?? [])],
          audience: typeof settings.audience === 'string' ? settings.audience : [...settings.audience],
          algorithms: ['RS256'],
          requiredClaims: ['exp', 'iat', 'oid', 'tid'],
          clockTolerance: 60,
        }));
      } catch (error) {
        throw unauthorized('Access token validation failure. Invalid audience, issuer, signature or lifetime.', describe(error));
      }
      if (payload.tid !== settings.tenantId) throw unauthorized('Access token is for another tenant.');
      const roles = stringList(payload.roles);
      const isApp = isAppOnly(payload);
      return {
        oid: String(payload.oid),
        tenantId: String(payload.tid),
        name: typeof payload.name === 'string' ? payload.name : undefined,
        // v2 tokens name the user in preferred_username, v1 tokens (Entra's for ARM) in upn.
        upn: typeof payload.preferred_username === 'string' ? payload.preferred_username : typeof payload.upn === 'string' ? payload.upn : undefined,
        roles,
        isAdmin: roles.includes(settings.adminRole),
        isAuditor: roles.includes(settings.auditorRole),
        amr: stringList(payload.amr),
        acrs: stringList(payload.acrs),
        ...(isApp ? { isApp } : {}),
      };
    },
  };
}

/**
 * An app-only token (client credentials): Entra marks it `idtyp: app` when that optional claim
 * is configured, and it never carries `scp` (delegated scopes), which every user token does.
 * Its `oid` is the service principal's object id, so the caller is keyed on it as a user is.
 */
function isAppOnly(payload: JWTPayload): boolean {
  if (payload.idtyp === 'app') return true;
  if (payload.idtyp === 'user') return false;
  return typeof payload.scp !== 'string' || payload.scp === '';
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token is expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `Claim '${error.claim}' is not valid (${error.reason}).`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'Only RS256 tokens are accepted.';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'No signing key matches the token.';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The signature is not valid.';
  // Why: jose's messages can quote the token's own header; this text goes into WWW-Authenticate,
  // so only printable ASCII without quotes or backslashes may pass.
  const message = error instanceof Error ? error.message : 'The token is not valid.';
  return message.replace(/[^\x20-\x7e]|["\\]/g, '?').slice(0, 200);
}
