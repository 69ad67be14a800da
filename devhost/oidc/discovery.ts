/** Where the issuer of one tenant lives, with the paths Entra ID's v2 endpoint uses. */
export interface IssuerUrls {
  issuer: string;
  jwksUri: string;
  tenantBase: string;
}

export function issuerUrls(baseUrl: string, tenantId: string): IssuerUrls {
  const tenantBase = `${baseUrl}/${tenantId}`;
  return { issuer: `${tenantBase}/v2.0`, jwksUri: `${tenantBase}/discovery/v2.0/keys`, tenantBase };
}

/**
 * The OpenID configuration in the shape of Entra ID's v2 document
 * (login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration), so a client that
 * reads Entra's reads this one. The authorize, token, device code and logout endpoints are named
 * where Entra has them; devhost does not serve them (yet).
 */
export function openIdConfiguration(urls: IssuerUrls): Record<string, unknown> {
  const oauth = `${urls.tenantBase}/oauth2/v2.0`;
  return {
    token_endpoint: `${oauth}/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: urls.jwksUri,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: urls.issuer,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${oauth}/authorize`,
    device_authorization_endpoint: `${oauth}/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${oauth}/logout`,
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
  };
}
