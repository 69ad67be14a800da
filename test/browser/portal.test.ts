import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';
import { eventually } from '../devhost/helpers';
import { type AppHost, TENANT_ID } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/, which git ignores). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/portal');
const DIR = '/v1.0/roleManagement/directory';

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

describe('the portal at /', () => {
  it('is served with a strict CSP, and does not shadow the API or its Graph-shaped 404', async () => {
    const index = await fetch(`${app.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    const asset = /src="(\/portal\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
    const js = await fetch(`${app.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${app.url}/portal/assets/..%2Findex.html`)).status).toBe(404);
    const unknown = await fetch(`${app.url}/v1.0/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('ResourceNotFound');
    expect((await fetch(`${app.url}/healthz`)).headers.get('content-type')).toContain('json');
  });

  it("the seeds' lab walk: alice activates User Administrator from My roles, sees it active, and deactivates it", async () => {
    // As admin, through the API: alice permanently eligible, if the role's settings allow it.
    const policy = await app.api('admin', 'GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${ROLES.userAdmin}'&$expand=policy($expand=rules)`);
    const rules = (policy.body.value as Array<{ policy: { rules: Array<{ id: string; isExpirationRequired?: boolean; maximumDuration?: string }> } }>)[0]?.policy.rules ?? [];
    expect(rules.find((r) => r.id === 'Expiration_Admin_Eligibility')?.isExpirationRequired).toBe(false);
    expect(rules.find((r) => r.id === 'Expiration_EndUser_Assignment')?.maximumDuration).toBe('PT8H');
    const eligible = await app.api('admin', 'POST', `${DIR}/roleEligibilityScheduleRequests`, {
      action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.userAdmin, directoryScopeId: '/', justification: 'Lab: help desk lead',
      scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    expect(eligible.status).toBe(201);

    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });

    await page.goto(`${app.url}/`);
    await page.getByRole('heading', { name: 'Sign in (devhost)' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.screenshot({ path: join(SHOTS, '1-sign-in.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign in as Alice Anders' }).click();

    await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
    const eligibleTable = page.getByRole('region', { name: 'Eligible assignments' });
    await eligibleTable.getByRole('rowheader', { name: 'User Administrator' }).waitFor();
    const eligibleRow = eligibleTable.getByRole('row').filter({ hasText: 'User Administrator' });
    expect(await eligibleRow.textContent()).toContain('Direct');
    expect(await eligibleRow.textContent()).toContain('Permanent');
    expect(await page.getByRole('region', { name: 'Active assignments' }).getByRole('rowheader', { name: 'User Administrator' }).count()).toBe(0);
    await expectAccessible(page, 'My roles');
    await page.screenshot({ path: join(SHOTS, '2-my-roles-eligible.png'), fullPage: true });

    // The token is kept for the tab: a reload keeps alice signed in.
    await page.reload();
    await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();

    const activateButton = page.getByRole('button', { name: 'Activate User Administrator' });
    await activateButton.click();
    const dialog = page.getByRole('dialog', { name: 'Activate User Administrator' });
    await dialog.getByText('Maximum: 8 hours').waitFor();
    expect(await page.evaluate("document.activeElement?.closest('dialog') !== null")).toBe(true);
    await dialog.getByLabel('Duration').selectOption({ label: '8 hours' });
    await dialog.getByLabel(/Reason/).fill('Reset the CFO password');
    expect(await dialog.getByText('22/500 characters').count()).toBe(1);
    await expectAccessible(page, 'the activation panel');
    await page.screenshot({ path: join(SHOTS, '3-activate-panel.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Activate' }).click();

    // The status view: stages until active.
    await dialog.getByRole('status').filter({ hasText: 'Active: ready to use' }).waitFor({ timeout: 20_000 });
    expect(await dialog.locator('.stages li.done').count()).toBe(4);
    expect(await dialog.getByText('Approval: not required').count()).toBe(1);
    await expectAccessible(page, 'the activation status');
    await page.screenshot({ path: join(SHOTS, '4-activated.png'), fullPage: true });
    const request = (await app.api('alice', 'GET', `${DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`)).body.value as Array<{ action: string; justification: string; scheduleInfo: { expiration: { duration?: string; endDateTime?: string } }; status: string }>;
    const activation = request.find((r) => r.action === 'selfActivate');
    expect(activation?.justification).toBe('Reset the CFO password');
    expect(activation?.status).toBe('Provisioned');

    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Focus goes back to the button that opened the panel.
    expect(await activateButton.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
    const activeTable = page.getByRole('region', { name: 'Active assignments' });
    await activeTable.getByRole('rowheader', { name: 'User Administrator' }).waitFor();
    await page.screenshot({ path: join(SHOTS, '5-my-roles-active.png'), fullPage: true });

    // Within its first 5 minutes an activation cannot be deactivated: the portal says why.
    await page.getByRole('button', { name: 'Deactivate User Administrator' }).click();
    await page.getByRole('alert').filter({ hasText: 'ActiveDurationTooShort' }).waitFor();
    // Six minutes later (the app's clock), it can.
    await app.later(6 * 60_000, async () => {
      await page.getByRole('button', { name: 'Deactivate User Administrator' }).click();
      await page.getByRole('status').filter({ hasText: 'User Administrator was deactivated.' }).waitFor({ timeout: 20_000 });
    });
    await eventually(async () => ((await app.graph.listAssignments()).some((a) => a.principalId === USERS.alice && a.roleDefinitionId === ROLES.userAdmin) ? undefined : true));
    await eventually(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await page.getByRole('region', { name: 'Active assignments' }).getByRole('rowheader', { name: 'User Administrator' }).count()) === 0 ? true : undefined;
    });
    await eligibleTable.getByRole('rowheader', { name: 'User Administrator' }).waitFor();
    await page.screenshot({ path: join(SHOTS, '6-deactivated.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
    await context.close();
    // Why 90 s: it waits on a durable activation and a deactivation; a loaded 2-core runner outlasts 30 s.
  }, 90_000);

  it('at phone width: the ticket fields the policy asks for, and a step-up when the API answers insufficient_claims', async () => {
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.helpdesk}/rules/Enablement_EndUser_Assignment`;
    const patched = await app.api('admin', 'PATCH', rule, { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification', 'Ticketing'] });
    expect(patched.status).toBe(204);
    expect((await app.api('admin', 'POST', `${DIR}/roleEligibilityScheduleRequests`, {
      action: 'adminAssign', principalId: USERS.bob, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'Lab: service desk',
      scheduleInfo: { expiration: { type: 'noExpiration' } },
    })).status).toBe(201);

    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${app.url}/`);
    // Bob's tab holds a token signed in without MFA; activating Helpdesk Administrator needs MFA.
    const weak = await app.token('bob', { mfa: false });
    const session = { user: { alias: 'bob', id: USERS.bob, displayName: 'Bob Baker', userPrincipalName: 'bob@contoso.test' }, token: weak };
    await page.evaluate(`sessionStorage.setItem('pim.portal.session', ${JSON.stringify(JSON.stringify(session))})`);
    await page.reload();
    await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Activate Helpdesk Administrator' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'My roles at phone width');
    await page.screenshot({ path: join(SHOTS, '7-phone-my-roles.png'), fullPage: true });

    await page.getByRole('button', { name: 'Activate Helpdesk Administrator' }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate Helpdesk Administrator' });
    await dialog.getByLabel('Ticket number').fill('INC-42');
    await dialog.getByLabel('Ticket system').fill('ServiceNow');
    await dialog.getByLabel(/Reason/).fill('Unlock a locked-out user');
    await expectAccessible(page, 'the activation panel at phone width');
    await page.screenshot({ path: join(SHOTS, '8-phone-panel.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Activate' }).click();
    await page.getByText(/needs a stronger sign-in \(multifactor authentication\)/).waitFor();
    await dialog.getByRole('status').filter({ hasText: 'Active: ready to use' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, '9-phone-active.png'), fullPage: true });
    const requests = (await app.api('bob', 'GET', `${DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`)).body.value as Array<{ ticketInfo?: { ticketNumber?: string; ticketSystem?: string } }>;
    expect(requests.some((r) => r.ticketInfo?.ticketNumber === 'INC-42' && r.ticketInfo.ticketSystem === 'ServiceNow')).toBe(true);
    await context.close();
  });
});
