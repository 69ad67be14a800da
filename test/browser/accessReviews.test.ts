import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';
import { eventually } from '../devhost/helpers';
import type { AppHost } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/, which git ignores). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/access-reviews');
const REVIEWS = '/v1.0/identityGovernance/accessReviews';
const DESKTOP = { width: 1200, height: 900 };
const PHONE = { width: 390, height: 844 };

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

/** Runs the access review timer now: it starts the instances that are due (and mails their reviewers). */
const runReviewTimer = () => app.runAccessReviews();

async function makeEligible(principalId: string, roleDefinitionId: string): Promise<void> {
  const res = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
    action: 'adminAssign', principalId, roleDefinitionId, directoryScopeId: '/', justification: 'Lab: reviews', scheduleInfo: { expiration: { type: 'noExpiration' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function isEligible(principalId: string, roleDefinitionId: string): Promise<boolean> {
  const res = await app.api('admin', 'GET', `/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.value as Array<{ roleDefinitionId: string }>).some((i) => i.roleDefinitionId === roleDefinitionId);
}

async function signIn(page: Page, url: string, name: string, landing: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await page.getByRole('heading', { name: landing, level: 1 }).waitFor();
}

const card = (page: Page, who: string) => page.getByRole('article').filter({ has: page.getByRole('checkbox', { name: new RegExp(`^${who} – `) }) });

describe('Review access (reviewers)', () => {
  let definitionId: string;

  beforeAll(async () => {
    await makeEligible(USERS.alice, ROLES.helpdesk);
    await makeEligible(USERS.carol, ROLES.helpdesk);
    const created = await app.api('admin', 'POST', `${REVIEWS}/definitions`, {
      displayName: 'Helpdesk access, quarterly',
      descriptionForReviewers: 'Keep only who still works the help desk.',
      scope: { '@odata.type': '#microsoft.graph.accessReviewQueryScope', queryType: 'MicrosoftGraph', query: `/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '${ROLES.helpdesk}')` },
      reviewers: [{ query: `/users/${USERS.bob}`, queryType: 'MicrosoftGraph' }],
      settings: { mailNotificationsEnabled: true, reminderNotificationsEnabled: true, justificationRequiredOnApproval: true, recommendationsEnabled: true, instanceDurationInDays: 14, defaultDecisionEnabled: false, autoApplyDecisionsEnabled: false, recurrence: null },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    definitionId = String(created.body.id);
    await runReviewTimer();
  }, 120_000);

  it('bob follows the link in his mail, sees recommendations, approves one item with a justification and sees it recorded', async () => {
    const mail = await eventually(async () => (await app.mailTo('bob@contoso.test')).find((m) => m.links.some((l) => l.includes('#/review-access/'))), 20_000, 200);
    const link = mail.links.find((l) => l.includes('#/review-access/')) ?? '';
    expect(link).toContain(`#/review-access/${definitionId}/`);

    // As a reviewer would: his mailbox (devhost's), the mail's link, then the portal's sign-in.
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await page.goto(`${app.url}/.devhost/mail?to=${encodeURIComponent('bob@contoso.test')}`);
    await page.screenshot({ path: join(SHOTS, '0-mailbox.png'), fullPage: true });
    await page.getByRole('link', { name: 'Review access' }).first().click();
    await page.waitForURL(link);
    await page.getByRole('button', { name: 'Sign in as Bob Baker' }).click();
    await page.getByRole('heading', { name: 'Review access', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Helpdesk access, quarterly', level: 2 }).waitFor();
    const alice = card(page, 'Alice Anders');
    await alice.waitFor();
    expect(await alice.textContent()).toContain('Helpdesk Administrator');
    // Neither has activated the role: Deny is recommended, with the reason, and no activation shown.
    expect(await alice.textContent()).toMatch(/Deny: Not activated in the last 30 days/);
    expect(await alice.textContent()).toContain('Never activated');
    expect(await card(page, 'Carol Chen').textContent()).toContain('Not reviewed yet');
    await expectAccessible(page, 'Review access, one review');
    await page.screenshot({ path: join(SHOTS, '1-review-desktop.png'), fullPage: true });

    // The review asks for a justification on approval: without one, nothing is recorded.
    await alice.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await page.getByRole('alert').filter({ hasText: 'justification on approval' }).waitFor();

    await page.getByLabel(/^Justification/).fill('Alice covers the night shift');
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await page.getByRole('status').filter({ hasText: 'You approved 1 item.' }).waitFor();
    await alice.filter({ hasText: 'Approved by Bob Baker' }).waitFor();
    expect(await alice.textContent()).toContain('“Alice covers the night shift”');
    await page.getByText('1 of 2 decided.').waitFor();

    // The API holds the same decision.
    const instances = await app.api('admin', 'GET', `${REVIEWS}/definitions/${definitionId}/instances`);
    const instanceId = (instances.body.value as Array<{ id: string }>)[0]?.id ?? '';
    const decisions = await app.api('admin', 'GET', `${REVIEWS}/definitions/${definitionId}/instances/${instanceId}/decisions`);
    const decided = (decisions.body.value as Array<{ principal: { id: string }; decision: string; justification: string; reviewedBy: { id: string } }>).find((d) => d.principal.id === USERS.alice);
    expect(decided).toMatchObject({ decision: 'Approve', justification: 'Alice covers the night shift', reviewedBy: { id: USERS.bob } });

    await page.setViewportSize(PHONE);
    await expectAccessible(page, 'Review access, one review, at phone width');
    await page.screenshot({ path: join(SHOTS, '2-review-decided-phone.png'), fullPage: true });

    // The list of his reviews shows what is left.
    await page.getByRole('link', { name: 'All my reviews' }).click();
    const listed = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Helpdesk access, quarterly' }) });
    await listed.filter({ hasText: '1 of 2' }).waitFor();
    await expectAccessible(page, 'Review access, the list, at phone width');
    await page.screenshot({ path: join(SHOTS, '3-reviews-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: join(SHOTS, '4-reviews-desktop.png'), fullPage: true });
  }, 120_000);

  it('tells someone who reviews nothing so', async () => {
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await signIn(page, `${app.url}/#/review-access`, 'Dave Diaz', 'Review access');
    await page.getByText('You have nothing to review.').waitFor();
    await expectAccessible(page, 'Review access, nothing to review');
  }, 60_000);
});

describe('Admin: Access reviews', () => {
  it('an admin creates a quarterly review from the page, sees its progress, exports the results as CSV, stops it and applies its decisions', async () => {
    await makeEligible(USERS.dave, ROLES.exchange);
    const page = await (await browser.newContext({ viewport: DESKTOP, acceptDownloads: true })).newPage();
    await signIn(page, `${app.url}/`, 'Adele Admin', 'My roles');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Admin: Access reviews' }).click();
    await page.getByRole('heading', { name: 'Admin: Access reviews', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New access review' }).click();
    await page.getByLabel('Kind').selectOption({ label: 'Directory role' });
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Exchange Administrator' });
    await page.getByRole('button', { name: 'Review this' }).click();
    await page.getByRole('heading', { name: 'New access review of Exchange Administrator' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Exchange admins, quarterly');
    await page.getByLabel('Assignments to review').selectOption({ label: 'Eligible assignments' });
    await page.getByRole('group', { name: 'Named reviewers' }).getByLabel(/Bob Baker/).check();
    await page.getByLabel('Recurrence').selectOption({ label: 'Quarterly' });
    await page.getByLabel("If reviewers don't respond").selectOption({ label: 'Remove access (Deny)' });
    await expectAccessible(page, 'Admin: Access reviews, the new review form');
    await page.screenshot({ path: join(SHOTS, '5-admin-new-desktop.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create access review' }).click();
    await page.getByRole('status').filter({ hasText: 'Created the access review Exchange admins, quarterly.' }).waitFor();

    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Exchange admins, quarterly' }) });
    await row.waitFor();
    expect(await row.textContent()).toContain('Exchange Administrator: eligible');
    const definition = ((await app.api('admin', 'GET', `${REVIEWS}/definitions`)).body.value as Array<{ id: string; displayName: string; settings: { recurrence: { pattern: { type: string; interval: number } } } }>).find((d) => d.displayName === 'Exchange admins, quarterly');
    expect(definition?.settings.recurrence.pattern).toMatchObject({ type: 'absoluteMonthly', interval: 3 });

    // Once the timer starts it, the row shows its progress; bob decides, and the results say so.
    await runReviewTimer();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row.filter({ hasText: '0 / 1 decided' }).waitFor();
    const instance = ((await app.api('admin', 'GET', `${REVIEWS}/definitions/${definition?.id}/instances`)).body.value as Array<{ id: string }>)[0];
    const item = ((await app.api('bob', 'GET', `${REVIEWS}/definitions/${definition?.id}/instances/${instance?.id}/decisions/filterByCurrentUser(on='reviewer')`)).body.value as Array<{ id: string }>)[0];
    expect((await app.api('bob', 'PATCH', `${REVIEWS}/definitions/${definition?.id}/instances/${instance?.id}/decisions/${item?.id}`, { decision: 'Deny', justification: 'Moved to finance, "no longer" needed' })).status).toBe(204);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row.filter({ hasText: '1 / 1 decided' }).waitFor();
    await page.getByRole('button', { name: 'Results of Exchange admins, quarterly' }).click();
    const results = page.getByRole('region', { name: 'Decisions' });
    await results.getByRole('row').filter({ hasText: 'Dave Diaz' }).filter({ hasText: 'Denied' }).waitFor();
    await expectAccessible(page, 'Admin: Access reviews with results');
    await page.screenshot({ path: join(SHOTS, '6-admin-results-desktop.png'), fullPage: true });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync((await (await download).path()) ?? '', 'utf8').split('\r\n');
    expect(csv[0]).toBe('principal,resource,decision,reviewedBy,reviewedDateTime,justification,applyResult');
    expect(csv[1]).toMatch(/^Dave Diaz,"Exchange Administrator \(directory role, eligible\)",Denied,Bob Baker,\d{4}-.+,"Moved to finance, ""no longer"" needed",New$/);

    // Stopping ends the review (nothing auto-applies here); applying the decisions removes dave's eligibility.
    await page.getByRole('button', { name: 'Stop Exchange admins, quarterly' }).click();
    await page.getByRole('status').filter({ hasText: 'Stopped Exchange admins, quarterly.' }).waitFor();
    await row.filter({ hasText: 'Completed' }).waitFor();
    expect(await isEligible(USERS.dave, ROLES.exchange)).toBe(true);
    await page.getByRole('button', { name: 'Apply the decisions of Exchange admins, quarterly' }).click();
    await page.getByRole('status').filter({ hasText: 'Applied the decisions of Exchange admins, quarterly.' }).waitFor();
    await results.getByRole('row').filter({ hasText: 'Dave Diaz' }).filter({ hasText: 'AppliedSuccessfully' }).waitFor();
    expect(await page.getByRole('button', { name: 'Apply the decisions of Exchange admins, quarterly' }).count()).toBe(0);
    await eventually(async () => ((await isEligible(USERS.dave, ROLES.exchange)) ? undefined : true));

    await page.setViewportSize(PHONE);
    await expectAccessible(page, 'Admin: Access reviews at phone width');
    await page.screenshot({ path: join(SHOTS, '7-admin-phone.png'), fullPage: true });
  }, 150_000);

  it('shows auditors the reviews without the buttons that change them', async () => {
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await signIn(page, `${app.url}/#/admin-reviews`, 'Erin Evans', 'Admin: Access reviews');
    await page.getByRole('rowheader', { name: 'Exchange admins, quarterly' }).waitFor();
    expect(await page.getByRole('button', { name: 'New access review' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Stop / }).count()).toBe(0);
  }, 60_000);
});
