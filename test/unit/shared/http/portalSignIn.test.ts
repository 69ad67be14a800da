import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../../shared/config';
import { portalHeaders, portalSignIn } from '../../../../shared/http/portalSignIn';
import { minimalSettings } from '../../../fixtures/settings';

const PORTAL_APP = '0c7a9f3e-2b5d-4e61-8a1f-6d3c2b9e7f40';
const TENANT = minimalSettings.PIM_TENANT_ID;

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("the portal's sign-in settings", () => {
  it('signs in at Entra, taken from the issuer, for the API audience\'s scope when only the client id is set', () => {
    expect(portalSignIn(loadConfig({ ...minimalSettings, PIM_PORTAL_CLIENT_ID: PORTAL_APP }))).toEqual({
      signIn: 'entra',
      clientId: PORTAL_APP,
      authority: `https://login.microsoftonline.com/${TENANT}`,
      knownAuthorities: ['login.microsoftonline.com'],
      scopes: ['api://pim/access_as_user'],
    });
  });

  it('takes another authority and scope when they are set (a national cloud, the API by its client id)', () => {
    const config = loadConfig({ ...minimalSettings, PIM_PORTAL_CLIENT_ID: PORTAL_APP, PIM_PORTAL_AUTHORITY: `https://login.microsoftonline.us/${TENANT}/`, PIM_PORTAL_API_SCOPE: 'b2f1c7d4-0000-4000-8000-000000000001/access_as_user' });
    expect(portalSignIn(config)).toMatchObject({ authority: `https://login.microsoftonline.us/${TENANT}`, knownAuthorities: ['login.microsoftonline.us'], scopes: ['b2f1c7d4-0000-4000-8000-000000000001/access_as_user'] });
  });

  it('refuses an authority MSAL would refuse, naming the setting', () => {
    expect(problemsOf({ ...minimalSettings, PIM_PORTAL_CLIENT_ID: PORTAL_APP, PIM_PORTAL_AUTHORITY: 'http://login.contoso.test/t' })).toEqual(['PIM_PORTAL_AUTHORITY must be an https URL']);
    // devhost's issuer is http: with a client id, the authority must then be given.
    const devhostIssuer = { ...minimalSettings, PIM_OIDC_ISSUER: `http://localhost:7071/${TENANT}/v2.0`, PIM_PORTAL_CLIENT_ID: PORTAL_APP };
    expect(problemsOf(devhostIssuer)).toEqual([expect.stringMatching(/^PIM_PORTAL_AUTHORITY must be set to an https URL/)]);
    expect(problemsOf({ ...minimalSettings, PIM_PORTAL_API_SCOPE: 'access_as_user' })).toEqual(['PIM_PORTAL_API_SCOPE must be a scope like api://pim/access_as_user']);
  });

  it('offers the demo users under devhost, and says what to set elsewhere', () => {
    expect(portalSignIn(loadConfig({ ...minimalSettings, PIM_DEVHOST: 'true' }))).toEqual({ signIn: 'devhost' });
    const none = portalSignIn(loadConfig(minimalSettings));
    expect(none).toMatchObject({ signIn: 'none', message: expect.stringContaining('PIM_PORTAL_CLIENT_ID') });
  });

  it("opens the CSP to the authority's origin only, and only with Entra sign-in", () => {
    const entra = portalHeaders(portalSignIn(loadConfig({ ...minimalSettings, PIM_PORTAL_CLIENT_ID: PORTAL_APP })))['Content-Security-Policy'];
    expect(entra).toContain("connect-src 'self' https://login.microsoftonline.com;");
    expect(entra).toContain("frame-src 'self' https://login.microsoftonline.com;");
    expect(entra).toContain("frame-ancestors 'none'");
    const devhost = portalHeaders({ signIn: 'devhost' })['Content-Security-Policy'];
    expect(devhost).toContain("connect-src 'self';");
    expect(devhost).toContain("frame-src 'self';");
    expect(portalHeaders({ signIn: 'devhost' }, 'redirect')['Content-Security-Policy']).toContain("frame-ancestors 'self'");
  });
});
