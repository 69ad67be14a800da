import { type AppConfig, portalApiScope, portalAuthority } from '../config';

/**
 * How the portal signs people in, as `GET /portal/config.json` tells it at run time (the bundle
 * is built once and must work in every deployment):
 * - `entra`: MSAL against the authority (authorization code with PKCE), asking for `scopes`;
 * - `devhost`: devhost's demo users (POST /.devhost/token);
 * - `none`: nothing is configured; `message` says what to set.
 */
export type PortalSignIn =
  | { signIn: 'entra'; clientId: string; authority: string; knownAuthorities: string[]; scopes: string[] }
  | { signIn: 'devhost' }
  | { signIn: 'none'; message: string };

type SignInSettings = Pick<AppConfig, 'PIM_PORTAL_CLIENT_ID' | 'PIM_PORTAL_AUTHORITY' | 'PIM_PORTAL_API_SCOPE' | 'PIM_OIDC_ISSUER' | 'PIM_OIDC_AUDIENCE' | 'PIM_DEVHOST'>;

export function portalSignIn(cfg: SignInSettings): PortalSignIn {
  if (cfg.PIM_PORTAL_CLIENT_ID) {
    const authority = portalAuthority(cfg);
    return {
      signIn: 'entra',
      clientId: cfg.PIM_PORTAL_CLIENT_ID,
      authority,
      // Why: MSAL trusts this host without asking Entra's instance discovery (one less origin for
      // the CSP), and it lets a non-Microsoft authority (devhost's, in tests) be used at all.
      knownAuthorities: [new URL(authority).host],
      scopes: [portalApiScope(cfg)],
    };
  }
  if (cfg.PIM_DEVHOST) return { signIn: 'devhost' };
  return {
    signIn: 'none',
    message: 'Sign-in to this portal is not configured: set PIM_PORTAL_CLIENT_ID to the client id of its Entra app registration. Meanwhile, use the pim CLI.',
  };
}

/**
 * The portal's security headers. Why: the bundle is all the page runs; no inline script or
 * style, no framing by other sites, and the browser must not guess types. The one other origin
 * the page may reach is the sign-in authority's: MSAL reads its metadata and redeems codes and
 * refresh tokens there (connect-src), and renews tokens in a hidden frame when a refresh token
 * has expired (frame-src). Nothing else is opened up.
 */
export function portalHeaders(signIn: PortalSignIn, page: 'app' | 'redirect' = 'app'): Record<string, string> {
  const authority = signIn.signIn === 'entra' ? ` ${new URL(signIn.authority).origin}` : '';
  // The redirect page is loaded into MSAL's hidden frame by the portal itself when it renews a token.
  const ancestors = page === 'redirect' ? "'self'" : "'none'";
  return {
    'Content-Security-Policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'${authority}; frame-src 'self'${authority}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ${ancestors}`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
