import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';
import { eventually } from '../devhost/helpers';
import { type AppHost, TENANT_ID } from '../e2e/appHost';
import { AZURE_ROLE, demoSubscriptions, roleAssignmentsOf } from '../e2e/armStandIn';
import { ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/, which git ignores). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/portal-my-roles');
const DIR = '/v1.0/roleManagement/directory';
const DAY = 86_400_000;

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

const standIn = () => {
  const base = process.env.PIM_ARM_BASE_URL;
  if (!base) throw new Error('PIM_ARM_BASE_URL is not set: the app host has no ARM stand-in.');
  return base;
};

/** As admin, through the API: `user` eligible for directory role `role`, until `end` (or permanently). */
async function eligibleFor(user: keyof typeof USERS, role: string, end?: Date): Promise<void> {
  const created = await app.api('admin', 'POST', `${DIR}/roleEligibilityScheduleRequests`, {
    action: 'adminAssign', principalId: USERS[user], roleDefinitionId: role, directoryScopeId: '/', justification: 'My roles test',
    scheduleInfo: { startDateTime: new Date().toISOString(), expiration: end ? { type: 'afterDateTime', endDateTime: end.toISOString() } : { type: 'noExpiration' } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

/** As admin, through the ARM surface: `user` eligible for an Azure role at `scope` for 30 days. */
async function azureEligibleFor(user: keyof typeof USERS, scope: string, roleGuid: string): Promise<void> {
  const res = await fetch(`${app.url}${scope}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/${randomUUID()}?api-version=2020-10-01`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await app.token('admin', { mfa: true, audience: 'arm' })}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      properties: {
        principalId: USERS[user], roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`, requestType: 'AdminAssign', justification: 'My roles test',
        scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P30D' } },
      },
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

async function signIn(page: Page, name: string): Promise<void> {
  await page.goto(`${app.url}/`);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
}

const region = (page: Page, name: string) => page.getByRole('region', { name });
const rowOf = (page: Page, table: string, role: string) => region(page, table).getByRole('row').filter({ has: page.getByRole('rowheader', { name: role, exact: true }) });

describe('My roles: Azure resource roles, several at once, expired assignments, extend, custom start', () => {
  it('erin activates a directory role and an Azure role in one go, deactivates the Azure one, and finds it under expired assignments', async () => {
    const [tree] = await demoSubscriptions(standIn());
    await eligibleFor('erin', ROLES.globalReader);
    await azureEligibleFor('erin', tree.sub, AZURE_ROLE.reader);

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(page, 'Erin Evans');
    // The Azure role is listed with the directory role, at its scope, held directly.
    const azureRow = rowOf(page, 'Eligible assignments', 'Reader');
    await azureRow.waitFor();
    expect(await azureRow.textContent()).toMatch(/Subscription .*Direct/);
    // A time-bound eligibility far from its end says when it can be extended.
    expect(await azureRow.textContent()).toMatch(/Can be extended from .* \(its last 14 days\)/);
    expect(await rowOf(page, 'Eligible assignments', 'Global Reader').textContent()).toContain('Permanent: nothing to extend.');

    // Pick both rows: one form, one request each.
    await page.getByRole('checkbox', { name: /^Select Global Reader/ }).check();
    await page.getByRole('checkbox', { name: /^Select Reader/ }).check();
    expect(await page.getByText('2 selected').count()).toBe(1);
    await page.getByRole('button', { name: 'Activate selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate 2 roles' });
    await dialog.getByLabel('Duration').waitFor();
    await dialog.getByLabel(/Reason/).fill('Audit the subscription and the directory');
    if (await dialog.getByLabel('Ticket number').count()) {
      await dialog.getByLabel('Ticket number').fill('AUD-1');
      await dialog.getByLabel('Ticket system').fill('Jira');
    }
    await expectAccessible(page, 'the activation panel for two roles');
    await page.screenshot({ path: join(SHOTS, '1-activate-two.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Activate 2 roles' }).click();
    for (const name of ['Global Reader', 'Reader']) {
      await dialog.getByRole('region', { name: `Status of ${name}` }).getByRole('status').filter({ hasText: 'Active: ready to use' }).waitFor({ timeout: 30_000 });
    }
    await page.screenshot({ path: join(SHOTS, '2-two-active.png'), fullPage: true });

    // Two requests, each its own: one on the Graph surface, one on the ARM surface, in Azure too.
    const mine = (await app.api('erin', 'GET', `${DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`)).body.value as Array<{ action: string; roleDefinitionId: string; justification: string }>;
    expect(mine.filter((r) => r.action === 'selfActivate').map((r) => [r.roleDefinitionId, r.justification])).toEqual([[ROLES.globalReader, 'Audit the subscription and the directory']]);
    await eventually(async () => ((await roleAssignmentsOf(standIn(), USERS.erin, tree.sub)).some((a) => a.role === AZURE_ROLE.reader) ? true : undefined));

    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await rowOf(page, 'Active assignments', 'Reader').waitFor();
    expect(await rowOf(page, 'Active assignments', 'Reader').textContent()).toContain('An activation is not extended');
    expect(await page.getByText('0 selected').count()).toBe(1);

    // After its first 5 minutes (the app's clock), the Azure activation is ended from the same page.
    await app.later(6 * 60_000, async () => {
      await page.getByRole('button', { name: 'Deactivate Reader', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Reader was deactivated.' }).waitFor({ timeout: 20_000 });
    });
    await eventually(async () => ((await roleAssignmentsOf(standIn(), USERS.erin, tree.sub)).some((a) => a.role === AZURE_ROLE.reader) ? undefined : true), 20_000, 200);
    await eventually(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await rowOf(page, 'Expired assignments', 'Reader').count()) > 0 ? true : undefined;
    });
    const ended = rowOf(page, 'Expired assignments', 'Reader');
    expect(await ended.textContent()).toContain('Deactivated by you (active assignment)');
    expect(await ended.textContent()).toMatch(/Subscription /);
    await expectAccessible(page, 'My roles with Azure, active and expired rows');
    await page.screenshot({ path: join(SHOTS, '3-my-roles-three-sections.png'), fullPage: true });

    // At phone width the page fits; the tables scroll inside their own regions.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'My roles at phone width');
    await page.screenshot({ path: join(SHOTS, '4-phone-my-roles.png'), fullPage: true });
    await page.context().close();
  }, 180_000);

  it('seen from a resource group, a role eligible at its subscription is Inherited, and activates at the resource group only', async () => {
    const [tree] = await demoSubscriptions(standIn());
    await azureEligibleFor('carol', tree.sub, AZURE_ROLE.contributor);
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
    await signIn(page, 'Carol Chen');
    expect(await rowOf(page, 'Eligible assignments', 'Contributor').textContent()).toContain('Direct');

    await page.getByLabel('Azure resource roles seen from scope (optional)').fill(tree.rg);
    await page.getByRole('button', { name: 'Show' }).click();
    const inherited = rowOf(page, 'Eligible assignments', 'Contributor').filter({ hasText: 'Inherited' });
    await inherited.waitFor();
    expect(await inherited.textContent()).toMatch(/Resource group \S+ \(inherited from Subscription /);
    expect(await inherited.textContent()).toContain('Held through a scope above; extend it there.');
    await expectAccessible(page, 'My roles seen from a resource group, at phone width');
    await page.screenshot({ path: join(SHOTS, '11-phone-inherited.png'), fullPage: true });

    await page.getByRole('button', { name: 'Activate Contributor', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Activate Contributor' });
    await dialog.getByLabel(/Reason/).fill('Deploy the hotfix to one resource group');
    if (await dialog.getByLabel('Ticket number').count()) {
      await dialog.getByLabel('Ticket number').fill('CHG-9');
      await dialog.getByLabel('Ticket system').fill('Jira');
    }
    await dialog.getByRole('button', { name: 'Activate', exact: true }).click();
    await dialog.getByRole('status').filter({ hasText: 'Active: ready to use' }).waitFor({ timeout: 30_000 });
    // Azure holds the role at the resource group, not at the subscription it was eligible at.
    const inAzure = await roleAssignmentsOf(standIn(), USERS.carol, tree.sub);
    expect(inAzure.filter((a) => a.role === AZURE_ROLE.contributor).map((a) => a.scope)).toEqual([tree.rg.toLowerCase()]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'All scopes' }).click();
    await rowOf(page, 'Active assignments', 'Contributor').filter({ hasText: 'Resource group' }).waitFor();
    await page.context().close();
  }, 180_000);

  it('an assignment that reached its end is listed as expired; an eligibility near its end is extended; an activation starts later', async () => {
    // Carol: active Exchange Administrator for one hour, which then runs out (the app's clock, and its reconcile).
    const assigned = await app.api('admin', 'POST', `${DIR}/roleAssignmentScheduleRequests`, {
      action: 'adminAssign', principalId: USERS.carol, roleDefinitionId: ROLES.exchange, directoryScopeId: '/', justification: 'Mailbox migration',
      scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);
    await app.later(2 * 3_600_000, () => app.reconcile());

    const carol = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(carol, 'Carol Chen');
    const expired = rowOf(carol, 'Expired assignments', 'Exchange Administrator');
    await expired.waitFor();
    expect(await expired.textContent()).toContain('Expired at its end time (active assignment)');
    expect(await rowOf(carol, 'Active assignments', 'Exchange Administrator').count()).toBe(0);
    await carol.screenshot({ path: join(SHOTS, '5-expired.png'), fullPage: true });
    await carol.context().close();

    // Dave: eligible for Security Administrator until 10 days from now (extendable), Helpdesk for 60 (not yet).
    await eligibleFor('dave', ROLES.security, new Date(Date.now() + 10 * DAY));
    await eligibleFor('dave', ROLES.helpdesk, new Date(Date.now() + 60 * DAY));
    const dave = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(dave, 'Dave Diaz');
    await rowOf(dave, 'Eligible assignments', 'Helpdesk Administrator').filter({ hasText: 'Can be extended from' }).waitFor();
    const extendButton = dave.getByRole('button', { name: 'Extend Security Administrator' });
    await extendButton.click();
    const extendDialog = dave.getByRole('dialog', { name: 'Extend Security Administrator' });
    await extendDialog.getByLabel(/Reason/).fill('The security review runs another quarter');
    await expectAccessible(dave, 'the extend panel');
    await dave.screenshot({ path: join(SHOTS, '6-extend.png'), fullPage: true });
    await extendDialog.getByRole('button', { name: 'Request extension' }).click();
    await dave.getByRole('status').filter({ hasText: 'Your request to extend Security Administrator was sent (waiting for an administrator).' }).waitFor();
    expect(await extendButton.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
    const asks = (await app.api('dave', 'GET', `${DIR}/roleEligibilityScheduleRequests/filterByCurrentUser(on='principal')`)).body.value as Array<{ action: string; status: string; roleDefinitionId: string; justification: string }>;
    expect(asks.filter((r) => r.action === 'selfExtend')).toEqual([expect.objectContaining({ status: 'PendingAdminDecision', roleDefinitionId: ROLES.security, justification: 'The security review runs another quarter' })]);

    // A custom start: Security Administrator from two hours from now. The request is granted now,
    // the role is held from its start, and until then it is not among the active assignments.
    await dave.getByRole('button', { name: 'Activate Security Administrator' }).click();
    const panel = dave.getByRole('dialog', { name: 'Activate Security Administrator' });
    await panel.getByLabel('Start at a later time (custom start)').check();
    const start = new Date(Date.now() + 2 * 3_600_000);
    start.setSeconds(0, 0);
    const pad = (n: number) => String(n).padStart(2, '0');
    await panel.getByLabel('Start time (your local time)').fill(`${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}T${pad(start.getHours())}:${pad(start.getMinutes())}`);
    await panel.getByLabel(/Reason/).fill('Change window tonight');
    await expectAccessible(dave, 'the activation panel with a custom start');
    await panel.getByRole('button', { name: 'Activate', exact: true }).click();
    await panel.getByRole('status').filter({ hasText: 'Scheduled: active from' }).waitFor({ timeout: 20_000 });
    await dave.screenshot({ path: join(SHOTS, '7-scheduled.png'), fullPage: true });
    const activation = ((await app.api('dave', 'GET', `${DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`)).body.value as Array<{ action: string; status: string; scheduleInfo: { startDateTime: string } }>).find((r) => r.action === 'selfActivate');
    expect(activation?.status).toBe('Granted');
    expect(Date.parse(activation?.scheduleInfo.startDateTime ?? '')).toBe(start.getTime());
    await panel.getByRole('button', { name: 'Close' }).click();
    await dave.getByRole('button', { name: 'Refresh' }).click();
    await rowOf(dave, 'Eligible assignments', 'Security Administrator').waitFor();
    expect(await rowOf(dave, 'Active assignments', 'Security Administrator').count()).toBe(0);
    // Until it starts, My requests lists it as pending, and dave can withdraw it.
    await dave.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'My requests' }).click();
    const scheduled = dave.getByRole('region', { name: 'Pending requests' }).getByRole('row').filter({ hasText: 'Security Administrator' }).filter({ hasText: 'Granted' });
    await scheduled.waitFor();
    await scheduled.getByRole('button', { name: 'Cancel request for Security Administrator' }).click();
    await dave.getByRole('status').filter({ hasText: 'Your request for Security Administrator was canceled.' }).waitFor();
    await dave.getByRole('region', { name: 'Past requests' }).getByRole('row').filter({ hasText: 'Security Administrator' }).filter({ hasText: 'Canceled' }).waitFor();
    // The ask to extend still waits for an administrator.
    expect(await dave.getByRole('region', { name: 'Pending requests' }).getByRole('row').filter({ hasText: 'Extend (eligibility)' }).filter({ hasText: 'PendingAdminDecision' }).count()).toBe(1);
    await dave.context().close();
  }, 180_000);

  it('the approval stage names who can approve, and the approver sees the request arrive without reloading', async () => {
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.userAdmin}/rules/Approval_EndUser_Assignment`;
    expect((await app.api('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] } })).status).toBe(204);
    await eligibleFor('alice', ROLES.userAdmin);
    await eligibleFor('alice', ROLES.appAdmin);
    const appRule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.appAdmin}/rules/Approval_EndUser_Assignment`;
    expect((await app.api('admin', 'PATCH', appRule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] } })).status).toBe(204);

    // Bob's Approve requests page is open before alice asks.
    const bob = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(bob, 'Bob Baker');
    await bob.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Approve requests' }).click();
    await bob.getByText('No requests await your decision.').waitFor();

    const alice = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(alice, 'Alice Anders');
    await alice.getByRole('button', { name: 'Activate User Administrator' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Activate User Administrator' });
    await dialog.getByLabel(/Reason/).fill('Reset the CFO password');
    await dialog.getByRole('button', { name: 'Activate', exact: true }).click();
    await dialog.getByRole('status').filter({ hasText: 'Approval pending (can approve: Bob Baker)' }).waitFor({ timeout: 20_000 });
    await expectAccessible(alice, 'the approval-pending stage');
    await alice.screenshot({ path: join(SHOTS, '8-approval-pending-approver.png'), fullPage: true });

    // Bob's page picks the request up on its own (no reload, no Refresh).
    const card = bob.getByRole('article', { name: 'Alice Anders requests User Administrator' });
    await card.waitFor({ timeout: 30_000 });
    // Bob starts deciding; a refresh that brings a second request keeps his selection, text and focus.
    await card.getByRole('checkbox').check();
    const reason = bob.getByLabel(/Justification for your decision/);
    await reason.fill('Checked with the service desk');
    await reason.focus();
    const second = await app.api('alice', 'POST', `${DIR}/roleAssignmentScheduleRequests`, {
      action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.appAdmin, directoryScopeId: '/', justification: 'Register the payroll app',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(second.body.status).toBe('PendingApproval');
    await bob.getByRole('article', { name: 'Alice Anders requests Application Administrator' }).waitFor({ timeout: 30_000 });
    expect(await reason.evaluate((t) => t === t.ownerDocument.activeElement)).toBe(true);
    expect(await reason.inputValue()).toBe('Checked with the service desk');
    expect(await card.getByRole('checkbox').isChecked()).toBe(true);
    expect(await bob.getByText('1 selected').count()).toBe(1);
    await expectAccessible(bob, 'Approve requests after a refresh');
    await bob.screenshot({ path: join(SHOTS, '9-approver-picked-up.png'), fullPage: true });

    await bob.getByRole('button', { name: 'Approve selected' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Active: ready to use' }).waitFor({ timeout: 30_000 });

    // Bob picks the other request; alice withdraws it; his page's next refresh tells him so.
    await bob.getByRole('article', { name: 'Alice Anders requests Application Administrator' }).getByRole('checkbox').check();
    expect((await app.api('alice', 'POST', `${DIR}/roleAssignmentScheduleRequests/${String(second.body.id)}/cancel`)).status).toBe(204);
    await bob.getByRole('status').filter({ hasText: 'No longer waiting for your decision (canceled, decided by another approver, or timed out): Alice Anders – Application Administrator.' }).waitFor({ timeout: 30_000 });
    await bob.getByText('No requests await your decision.').waitFor();
    await bob.setViewportSize({ width: 390, height: 844 });
    expect(await bob.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await bob.screenshot({ path: join(SHOTS, '10-phone-approve.png'), fullPage: true });
    await alice.context().close();
    await bob.context().close();
  }, 180_000);
});
