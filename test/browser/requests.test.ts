import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';
import { eventually } from '../devhost/helpers';
import { type AppHost, TENANT_ID } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/, which git ignores). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/portal-requests');
const DIR = '/v1.0/roleManagement/directory';
const REQUESTS = `${DIR}/roleAssignmentScheduleRequests`;

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

/** As admin: activating `role` needs bob's approval, and alice is eligible for it. */
async function needsBobsApproval(role: string): Promise<void> {
  const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${role}/rules/Approval_EndUser_Assignment`;
  expect((await app.api('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] } })).status).toBe(204);
  expect((await app.api('admin', 'POST', `${DIR}/roleEligibilityScheduleRequests`, {
    action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: role, directoryScopeId: '/', justification: 'Lab: approval walk',
    scheduleInfo: { expiration: { type: 'noExpiration' } },
  })).status).toBe(201);
}

async function signIn(page: Page, name: string): Promise<void> {
  await page.goto(`${app.url}/`);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
}

/** Follows a page link, and checks the link is marked current and focus is on the new heading. */
async function goTo(page: Page, title: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Pages' });
  await nav.getByRole('link', { name: title }).click();
  const heading = page.getByRole('heading', { name: title, level: 1 });
  await heading.waitFor();
  expect(await nav.getByRole('link', { name: title }).getAttribute('aria-current')).toBe('page');
  expect(await heading.evaluate((h) => h === h.ownerDocument.activeElement)).toBe(true);
}

const GROUPS = '/v1.0/identityGovernance/privilegedAccess/group';

/** As admin: membership of the demo group `name` needs bob's approval, and alice is eligible for it. */
async function groupNeedsBobsApproval(name: string): Promise<string> {
  const directory = (await (await fetch(`${app.url}/.devhost/directory`)).json()) as { groups: Array<{ id: string; displayName: string }> };
  const groupId = directory.groups.find((g) => g.displayName === name)?.id ?? '';
  const assignments = await app.api('admin', 'GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${groupId}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`);
  const policyId = String((assignments.body.value as Array<{ policyId: string }>)[0]?.policyId);
  expect((await app.api('admin', 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Approval_EndUser_Assignment`, {
    '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule', id: 'Approval_EndUser_Assignment',
    setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] },
  })).status).toBe(204);
  expect((await app.api('admin', 'POST', `${GROUPS}/eligibilityScheduleRequests`, {
    action: 'adminAssign', principalId: USERS.alice, groupId, accessId: 'member', justification: 'Lab: approval walk',
    scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'P30D' } },
  })).status).toBe(201);
  return groupId;
}

const statusOf = async (path: string) => String((await app.api('alice', 'GET', path)).body.status);

describe('My requests and Approve requests, two users in two browsers', () => {
  it('alice asks, bob approves in his browser, alice sees it active; alice cancels another; bob denies several (roles and a group) at once', async () => {
    for (const role of [ROLES.userAdmin, ROLES.security, ROLES.exchange, ROLES.globalReader, ROLES.appAdmin]) await needsBobsApproval(role);
    const finance = await groupNeedsBobsApproval('Finance Approvers');

    const alice = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    const bob = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(alice, 'Alice Anders');
    await signIn(bob, 'Bob Baker');

    // Alice activates User Administrator from My roles: the status view waits for approval.
    await alice.getByRole('button', { name: 'Activate User Administrator' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Activate User Administrator' });
    await dialog.getByLabel(/Reason/).fill('Reset the CFO password');
    await dialog.getByRole('button', { name: 'Activate' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Approval pending' }).waitFor();
    await alice.screenshot({ path: join(SHOTS, '1-alice-approval-pending.png'), fullPage: true });

    // Bob opens Approve requests and sees alice's request with her justification.
    await goTo(bob, 'Approve requests');
    const card = bob.getByRole('article', { name: 'Alice Anders requests User Administrator' });
    await card.waitFor();
    expect(await card.textContent()).toContain('Reset the CFO password');
    expect(await card.textContent()).toContain('Directory');
    expect(await card.textContent()).toContain('None yet (1 approval needed)');
    await expectAccessible(bob, 'Approve requests');
    await bob.screenshot({ path: join(SHOTS, '2-bob-approve-requests.png'), fullPage: true });

    // Deciding without a justification is refused by the page before anything is sent.
    await card.getByRole('checkbox').check();
    await bob.getByRole('button', { name: 'Approve selected' }).click();
    await bob.getByRole('alert').filter({ hasText: 'Give a justification' }).waitFor();
    await bob.getByLabel(/Justification for your decision/).fill('Verified with the service desk');
    await bob.getByRole('button', { name: 'Approve selected' }).click();
    await bob.getByRole('status').filter({ hasText: 'You approved 1 request.' }).waitFor();
    await bob.getByText('No requests await your decision.').waitFor();
    await bob.screenshot({ path: join(SHOTS, '3-bob-approved.png'), fullPage: true });

    // Alice's status view reaches active on its own.
    await dialog.getByRole('status').filter({ hasText: 'Active: ready to use' }).waitFor({ timeout: 20_000 });
    await alice.screenshot({ path: join(SHOTS, '4-alice-active.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A second request, then canceled from My requests: it moves to past requests as Canceled.
    await alice.getByRole('button', { name: 'Activate Security Administrator' }).click();
    const second = alice.getByRole('dialog', { name: 'Activate Security Administrator' });
    await second.getByLabel(/Reason/).fill('Review the sign-in alerts');
    await second.getByRole('button', { name: 'Activate' }).click();
    await second.getByRole('status').filter({ hasText: 'Approval pending' }).waitFor();
    await second.getByRole('button', { name: 'Close' }).click();
    await goTo(alice, 'My requests');
    const pending = alice.getByRole('region', { name: 'Pending requests' });
    const row = pending.getByRole('row').filter({ hasText: 'Security Administrator' });
    await row.waitFor();
    expect(await row.textContent()).toContain('PendingApproval');
    expect(await row.textContent()).toContain('Review the sign-in alerts');
    const past = alice.getByRole('region', { name: 'Past requests' });
    expect(await past.getByRole('row').filter({ hasText: 'User Administrator' }).filter({ hasText: 'Activate' }).filter({ hasText: 'Provisioned' }).count()).toBe(1);
    // The eligibility the admin gave her is one of her requests too.
    expect(await past.getByRole('row').filter({ hasText: 'Assign (eligibility)' }).count()).toBeGreaterThan(0);
    await expectAccessible(alice, 'My requests');
    await alice.screenshot({ path: join(SHOTS, '5-alice-my-requests.png'), fullPage: true });
    await alice.getByRole('button', { name: 'Cancel request for Security Administrator' }).click();
    await alice.getByRole('status').filter({ hasText: 'Your request for Security Administrator was canceled.' }).waitFor();
    await past.getByRole('row').filter({ hasText: 'Security Administrator' }).filter({ hasText: 'Canceled' }).waitFor();
    expect(await alice.getByText('You have no pending requests.').count()).toBe(1);
    await alice.screenshot({ path: join(SHOTS, '6-alice-canceled.png'), fullPage: true });

    // Two more role requests and a group's, made through the API; bob denies all three at once.
    const urls: string[] = [];
    for (const role of [ROLES.exchange, ROLES.globalReader]) {
      const created = await app.api('alice', 'POST', REQUESTS, {
        action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: role, directoryScopeId: '/', justification: 'Quarterly review',
        ticketInfo: { ticketNumber: 'CHG-7', ticketSystem: 'ServiceNow' }, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } },
      });
      expect(created.body.status).toBe('PendingApproval');
      urls.push(`${REQUESTS}/${String(created.body.id)}`);
    }
    const member = await app.api('alice', 'POST', `${GROUPS}/assignmentScheduleRequests`, {
      action: 'selfActivate', principalId: USERS.alice, groupId: finance, accessId: 'member', justification: 'Sign the invoices',
      scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(member.body.status).toBe('PendingApproval');
    urls.push(`${GROUPS}/assignmentScheduleRequests/${String(member.body.id)}`);

    await bob.getByRole('button', { name: 'Refresh' }).click();
    const cards = bob.getByRole('article');
    await cards.filter({ hasText: 'Global Reader' }).waitFor();
    expect(await cards.count()).toBe(3);
    const reader = cards.filter({ hasText: 'Global Reader' });
    expect(await reader.textContent()).toContain('ServiceNow CHG-7');
    expect(await reader.textContent()).toContain('2 hours');
    const group = bob.getByRole('article', { name: 'Alice Anders requests Finance Approvers (Member)' });
    expect(await group.textContent()).toContain('Sign the invoices');
    expect(await group.textContent()).toContain('Group');
    for (const c of await cards.all()) await c.getByRole('checkbox').check();
    expect(await bob.getByText('3 selected').count()).toBe(1);
    await bob.getByLabel(/Justification for your decision/).fill('Not during the change freeze');
    await bob.screenshot({ path: join(SHOTS, '7-bob-deny-several.png'), fullPage: true });
    await bob.getByRole('button', { name: 'Deny selected' }).click();
    await bob.getByRole('status').filter({ hasText: 'You denied 3 requests.' }).waitFor();
    await bob.getByText('No requests await your decision.').waitFor();
    for (const url of urls) await eventually(async () => ((await statusOf(url)) === 'Denied' ? true : undefined));

    // Alice sees both denied in My requests.
    await alice.getByRole('button', { name: 'Refresh' }).click();
    await past.getByRole('row').filter({ hasText: 'Global Reader' }).filter({ hasText: 'Denied' }).waitFor();
    expect(await past.getByRole('row').filter({ hasText: 'Exchange Administrator' }).filter({ hasText: 'Denied' }).count()).toBe(1);
    expect(await past.getByRole('row').filter({ hasText: 'Finance Approvers (Member)' }).filter({ hasText: 'Denied' }).count()).toBe(1);

    // A request canceled while bob's page still shows it: the API's refusal is shown in an alert, by name.
    const late = await app.api('alice', 'POST', REQUESTS, {
      action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.appAdmin, directoryScopeId: '/', justification: 'Register the payroll app',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    await bob.getByRole('button', { name: 'Refresh' }).click();
    const lateCard = bob.getByRole('article', { name: 'Alice Anders requests Application Administrator' });
    await lateCard.getByRole('checkbox').check();
    // Why hold bob's list reads: the page refreshes itself every few seconds; held, it still shows
    // the canceled request, as it does between two refreshes. Decisions (PATCH) go through.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const listReads = (url: URL) => url.pathname.includes('filterByCurrentUser');
    await bob.route(listReads, async (route) => {
      await held;
      await route.continue();
    });
    expect((await app.api('alice', 'POST', `${REQUESTS}/${String(late.body.id)}/cancel`)).status).toBe(204);
    await bob.getByLabel(/Justification for your decision/).fill('Fine by me');
    await bob.getByRole('button', { name: 'Approve selected' }).click();
    const refused = bob.getByRole('alert').filter({ hasText: 'Alice Anders – Application Administrator:' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('no longer waiting for a decision: it was canceled or its approval timed out. (ApprovalStepNotInProgress)');
    release();
    await bob.getByText('No requests await your decision.').waitFor();
    // Reads still in flight finish on their own: their handler continues them.
    await bob.unrouteAll({ behavior: 'ignoreErrors' });
    await bob.screenshot({ path: join(SHOTS, '8-bob-api-error.png'), fullPage: true });
    expect(await statusOf(`${REQUESTS}/${String(late.body.id)}`)).toBe('Canceled');

    // At phone width both pages fit the screen; the tables scroll inside their own region.
    for (const page of [alice, bob]) {
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    }
    await expectAccessible(alice, 'My requests at phone width');
    await alice.screenshot({ path: join(SHOTS, '9-phone-my-requests.png'), fullPage: true });
    await bob.screenshot({ path: join(SHOTS, '10-phone-approve-requests.png'), fullPage: true });
    await alice.context().close();
    await bob.context().close();
    // Why 180 s: two browsers walk three pages; on a loaded 2-core runner this outlasts the 30 s default.
  }, 180_000);
});
