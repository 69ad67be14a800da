import { decodeJwt } from 'jose';
import type { Caller } from '../../domain/caller';
import type { TokenValidator } from '../auth';
import { HttpError } from '../graphErrors';

/** What the ARM surface accepts as `aud`, and the tenant its challenges point at. */
export interface ArmAuthSettings {
  audiences: readonly string[];
  tenantId: string;
}

/** The audiences ARM itself accepts, with and without the trailing slash. */
export function withSlashVariants(audiences: readonly string[]): string[] {
  const out = new Set<string>();
  for (const a of audiences) {
    const bare = a.replace(/\/+$/, '');
    out.add(bare);
    out.add(`${bare}/`);
  }
  return [...out];
}

/**
 * Authenticates callers of the ARM surface: the same validation as the Graph surface (issuer,
 * signature, tenant, lifetime, roles) with ARM's audience, and ARM's 401 codes, so clients that
 * branch on them (e.g. to refresh an expired token) do here what they do against Azure.
 * The codes are worked out only after validation failed, from the unverified claims.
 */
export function armAuthenticator(validator: TokenValidator, settings: ArmAuthSettings) {
  // Why: the message may quote the token's own (unverified) audience; a header takes only
  // printable ASCII without quotes or backslashes.
  const challenge = (description: string) => ({
    'WWW-Authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${settings.tenantId}", error="invalid_token", error_description="${description.replace(/[^\x20-\x7e]|["\\]/g, '?').slice(0, 300)}"`,
  });
  const fail = (code: string, message: string) => new HttpError(code, message, 401, challenge(message));

  return async (authorization: string | null | undefined): Promise<Caller> => {
    if (!authorization) throw fail('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) throw fail('AuthenticationFailedInvalidHeader', "Authentication failed. The 'Authorization' header is provided in an invalid format.");
    try {
      return await validator.authenticate(authorization);
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 401) throw error;
      throw explain(token, settings.audiences, fail);
    }
  };
}

function explain(token: string, audiences: readonly string[], fail: (code: string, message: string) => HttpError): HttpError {
  let claims: { aud?: unknown; exp?: unknown };
  try {
    claims = decodeJwt(token);
  } catch {
    return fail('InvalidAuthenticationToken', 'The access token is invalid.');
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => typeof a === 'string' && audiences.includes(a))) {
    return fail(
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${aud.filter((a) => typeof a === 'string').join(',')}'. It should exactly match with one of the allowed audiences '${audiences.join("','")}'.`,
    );
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
    return fail(
      'ExpiredAuthenticationToken',
      `The access token expiry UTC time '${new Date(claims.exp * 1000).toISOString()}' is earlier than current UTC time '${new Date().toISOString()}'.`,
    );
  }
  return fail('InvalidAuthenticationToken', 'The access token is invalid.');
}
