import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHost, AUDIENCE, startAppHost, TENANT_ID } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';
import { expectAccessible } from './accessibility';
import { launchDebianChromium } from './debianChromium';
import { selfSignedTls } from './selfSignedTls';

/**
 * The portal's production sign-in, for real: the bundled MSAL (authorization code with PKCE)
 * in Debian's chromium against devhost's https sign-in authority, which stands in for Entra
 * on another origin, so the CSP and CORS are exercised as in Azure.
 */

const SHOTS = resolve(__dirname, '../../test-results/screenshots/msal-sign-in');
const CLIENT_ID = '5d2b6f0e-7c1a-4e0b-9a52-3f8d1c4e6a71';
const DIR = '/v1.0/roleManagement/directory';

let app: AppHost;
let browser: Browser;
let tls: { cert: string; key: string };
let authority: string;

beforeAll(async () => {
  if (!existsSync(resolve(__dirname, '../../portal/dist/redirect.html'))) throw new Error('The portal is not built: run `npm run build:portal`.');
  mkdirSync(SHOTS, { recursive: true });
  tls = selfSignedTls();
  app = await startAppHost({
    signInAuthority: { clients: (host) => [{ clientId: CLIENT_ID, redirectUris: [`${host.baseUrl}/portal/redirect`] }], tls },
  });
  authority = app.authority?.authority ?? '';
  // Read by the app on first use, as app settings are in Azure.
  process.env.PIM_PORTAL_CLIENT_ID = CLIENT_ID;
  process.env.PIM_PORTAL_AUTHORITY = authority;
  browser = await launchDebianChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.host.stop();
});

/** A request to the https authority, trusting its certificate (and nothing else). */
function authorityCall(method: string, url: string, form?: Record<string, string>): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((done, fail) => {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const req = request(url, { method, ca: tls.cert, headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => done({ status: res.statusCode ?? 0, location: res.headers.location, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

describe("the portal's sign-in through MSAL", () => {
  it('learns at run time to sign in at the configured authority for the scope the API accepts, and its CSP opens only that origin', async () => {
    const config = await fetch(`${app.url}/portal/config.json`);
    expect(config.status).toBe(200);
    expect(config.headers.get('cache-control')).toBe('no-store');
    const origin = new URL(authority).origin;
    expect(await config.json()).toEqual({
      signIn: 'entra',
      clientId: CLIENT_ID,
      authority,
      knownAuthorities: [new URL(authority).host],
      scopes: [`${AUDIENCE}/access_as_user`],
    });

    const csp = (await fetch(`${app.url}/`)).headers.get('content-security-policy') ?? '';
    const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `));
    expect(directive('connect-src')).toBe(`connect-src 'self' ${origin}`);
    expect(directive('frame-src')).toBe(`frame-src 'self' ${origin}`);
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('form-action')).toBe("form-action 'self'");
    expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https:(?!\/\/)/);

    // The page the authority returns to: never cached (its URL carries the code), framable only by the portal.
    const redirect = await fetch(`${app.url}/portal/redirect`);
    expect(redirect.status).toBe(200);
    expect(redirect.headers.get('cache-control')).toBe('no-store');
    expect(redirect.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(await redirect.text()).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });

  it("devhost's authority redeems a code once, only with its PKCE verifier, for the registered client and redirect URI; the token opens the API", async () => {
    const redirectUri = `${app.url}/portal/redirect`;
    const verifier = randomBytes(32).toString('base64url');
    const signIn = async (overrides: Record<string, string> = {}) =>
      authorityCall('POST', `${authority}/oauth2/v2.0/authorize`, {
        client_id: CLIENT_ID, redirect_uri: redirectUri, response_type: 'code', response_mode: 'fragment', state: 's1', nonce: 'n1',
        scope: `${AUDIENCE}/access_as_user openid profile offline_access`,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', user: 'alice', ...overrides,
      });
    const codeOf = (location: string | undefined) => new URLSearchParams(new URL(location ?? 'x:').hash.slice(1)).get('code') ?? '';
    const redeem = (code: string, codeVerifier: string) =>
      authorityCall('POST', `${authority}/oauth2/v2.0/token`, { grant_type: 'authorization_code', client_id: CLIENT_ID, redirect_uri: redirectUri, code, code_verifier: codeVerifier });

    // An unregistered redirect URI gets an error page, never the code.
    const foreign = await signIn({ redirect_uri: 'https://evil.example/cb' });
    expect(foreign.status).toBe(400);
    expect(foreign.location).toBeUndefined();
    expect(foreign.body).toContain('AADSTS50011');
    // A scope for another API is refused back to the app.
    const otherApi = await signIn({ scope: 'api://someone-else/access_as_user openid' });
    expect(new URLSearchParams(new URL(otherApi.location ?? 'x:').hash.slice(1)).get('error')).toBe('invalid_resource');

    const first = await signIn();
    expect(first.status).toBe(302);
    expect(first.location?.startsWith(`${redirectUri}#`)).toBe(true);
    expect(new URLSearchParams(new URL(first.location ?? 'x:').hash.slice(1)).get('state')).toBe('s1');
    const wrong = await redeem(codeOf(first.location), randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body)).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('AADSTS501481') });
    // That attempt used the code up: the right verifier is too late for it.
    expect((await redeem(codeOf(first.location), verifier)).status).toBe(400);

    const second = await signIn();
    const tokens = await redeem(codeOf(second.location), verifier);
    expect(tokens.status).toBe(200);
    const answer = JSON.parse(tokens.body) as { access_token: string; id_token: string; refresh_token: string; scope: string };
    expect(answer.scope).toBe(`${AUDIENCE}/access_as_user`);
    const idClaims = JSON.parse(Buffer.from(answer.id_token.split('.')[1] ?? '', 'base64url').toString()) as { aud: string; nonce: string; oid: string };
    expect(idClaims).toMatchObject({ aud: CLIENT_ID, nonce: 'n1', oid: USERS.alice });
    const mine = await fetch(`${app.url}${DIR}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`, { headers: { authorization: `Bearer ${answer.access_token}` } });
    expect(mine.status).toBe(200);

    // The refresh token: once, for this client; a session without c1 cannot silently get a token with it.
    const refresh = (token: string, extra: Record<string, string> = {}) =>
      authorityCall('POST', `${authority}/oauth2/v2.0/token`, { grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: token, scope: `${AUDIENCE}/access_as_user openid`, ...extra });
    const stepUp = await refresh(answer.refresh_token, { claims: JSON.stringify({ access_token: { acrs: { essential: true, value: 'c1' } } }) });
    expect(stepUp.status).toBe(400);
    expect(JSON.parse(stepUp.body)).toMatchObject({ error: 'interaction_required' });
    const renewed = await refresh(answer.refresh_token);
    expect(renewed.status).toBe(200);
    expect((await refresh(answer.refresh_token)).status).toBe(400);
    const next = JSON.parse(renewed.body) as { access_token: string };
    expect((await fetch(`${app.url}${DIR}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`, { headers: { authorization: `Bearer ${next.access_token}` } })).status).toBe(200);
  });

  it('signs alice in with MSAL, shows My roles, steps up to authentication context c1 in a pop-up and retries the activation, and signs out', async () => {
    // Exchange Administrator asks for authentication context c1 (instead of plain MFA), and alice is eligible for it.
    const rule = (id: string) => `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.exchange}/rules/${id}`;
    const target = { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] };
    expect((await app.api('admin', 'PATCH', rule('Enablement_EndUser_Assignment'), { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification'], target })).status).toBe(204);
    expect((await app.api('admin', 'PATCH', rule('AuthenticationContext_EndUser_Assignment'), { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule', id: 'AuthenticationContext_EndUser_Assignment', isEnabled: true, claimValue: 'c1', target })).status).toBe(204);
    expect((await app.api('admin', 'POST', `${DIR}/roleEligibilityScheduleRequests`, {
      action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.exchange, directoryScopeId: '/', justification: 'Mail admin on call',
      scheduleInfo: { expiration: { type: 'noExpiration' } },
    })).status).toBe(201);

    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const problems: string[] = [];
    const watch = (p: typeof page) => p.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    watch(page);
    context.on('page', watch);

    await page.goto(`${app.url}/`);
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await expectAccessible(page, 'the sign-in page');
    await page.screenshot({ path: join(SHOTS, '1-sign-in.png'), fullPage: true });
    // Cancelled at the authority: back on the sign-in page, with the reason and the button to try again.
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in did not complete: access_denied' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('AADSTS65004');
    expect(new URL(page.url()).origin).toBe(app.url);
    await expectAccessible(page, 'the sign-in page after a cancelled sign-in');
    await page.screenshot({ path: join(SHOTS, '1b-sign-in-cancelled.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();

    // At the authority (another origin): MSAL sent a PKCE challenge and asked for the API's scope.
    await page.waitForURL((url) => url.href.startsWith(`${authority}/oauth2/v2.0/authorize`));
    const asked = new URL(page.url()).searchParams;
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('scope')?.split(' ')).toContain(`${AUDIENCE}/access_as_user`);
    expect(asked.get('redirect_uri')).toBe(`${app.url}/portal/redirect`);
    await page.getByRole('heading', { name: 'Sign in to devhost' }).waitFor();
    await expectAccessible(page, "devhost's sign-in authority page");
    await page.screenshot({ path: join(SHOTS, '2-authority.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign in as Alice Anders' }).click();

    // Back in the portal, signed in: My roles as alice.
    await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
    expect(new URL(page.url()).origin).toBe(app.url);
    await page.getByRole('banner').getByText('Alice Anders').waitFor();
    const eligible = page.getByRole('region', { name: 'Eligible assignments' });
    await eligible.getByRole('rowheader', { name: 'Exchange Administrator' }).waitFor();
    await expectAccessible(page, 'My roles after MSAL sign-in');
    await page.screenshot({ path: join(SHOTS, '3-my-roles.png'), fullPage: true });

    // A reload keeps alice signed in (MSAL's cache for the tab), without visiting the authority.
    await page.reload();
    await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
    expect(new URL(page.url()).origin).toBe(app.url);

    // Activating asks for c1: the API answers insufficient_claims, the portal steps up in a pop-up and retries.
    await page.getByRole('button', { name: 'Activate Exchange Administrator' }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate Exchange Administrator' });
    await dialog.getByLabel(/Reason/).fill('Mailbox migration');
    const popupOpened = page.waitForEvent('popup');
    await dialog.getByRole('button', { name: 'Activate' }).click();
    const popup = await popupOpened;
    await popup.waitForURL((url) => url.href.startsWith(`${authority}/oauth2/v2.0/authorize`));
    // The API's claims challenge, passed on as MSAL's `claims` request parameter (MSAL adds its own id_token hints).
    expect(JSON.parse(new URL(popup.url()).searchParams.get('claims') ?? '{}')).toMatchObject({ access_token: { acrs: { essential: true, value: 'c1' } } });
    await popup.getByText('authentication context c1').waitFor();
    await page.getByRole('status').filter({ hasText: 'needs a stronger sign-in (authentication context c1)' }).waitFor();
    await popup.screenshot({ path: join(SHOTS, '4-step-up-popup.png'), fullPage: true });
    // Alice, the account MSAL named in login_hint, comes first.
    const closed = popup.waitForEvent('close', { timeout: 15_000 });
    await popup.getByRole('button').first().click();
    // The redirect bridge hands the code to the portal and closes the pop-up.
    await closed;

    await dialog.getByRole('status').filter({ hasText: 'Active: ready to use' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, '5-activated-after-step-up.png'), fullPage: true });
    const requests = (await app.api('alice', 'GET', `${DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`)).body.value as Array<{ action: string; roleDefinitionId: string; justification: string; status: string }>;
    const activations = requests.filter((r) => r.action === 'selfActivate' && r.roleDefinitionId === ROLES.exchange);
    // Retried once: one activation, made with the stepped-up token.
    expect(activations).toMatchObject([{ justification: 'Mailbox migration', status: 'Provisioned' }]);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Sign-out goes through the authority and comes back signed out; a reload stays signed out.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    expect(new URL(page.url()).origin).toBe(app.url);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await page.evaluate('Object.keys(sessionStorage).filter((k) => /accesstoken|refreshtoken/i.test(k)).length')).toBe(0);

    await page.setViewportSize({ width: 390, height: 800 });
    await page.screenshot({ path: join(SHOTS, '6-sign-in-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
