import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';
import { type AppHost } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/, which git ignores). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/portal-audit-history');
const ELIGIBILITY = '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests';
const ASSIGNED = 'Add eligible member to role in PIM completed (permanent)';
/** More records than the page's first page (50), so "Load more" has something to load. */
const ASSIGNMENTS: Array<[string, string]> = Object.values(USERS).flatMap((user) => Object.values(ROLES).map((role): [string, string] => [user, role]));

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

beforeAll(async () => {
  for (const [user, role] of ASSIGNMENTS) {
    const res = await app.api('admin', 'POST', ELIGIBILITY, { action: 'adminAssign', principalId: user, roleDefinitionId: role, directoryScopeId: '/', justification: `Lab: audit ${user.slice(0, 4)}`, scheduleInfo: { expiration: { type: 'noExpiration' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  for (const role of [ROLES.exchange, ROLES.security]) {
    const removed = await app.api('admin', 'POST', ELIGIBILITY, { action: 'adminRemove', principalId: USERS.carol, roleDefinitionId: role, directoryScopeId: '/', justification: 'Lab: no longer needed' });
    expect(removed.status, JSON.stringify(removed.body)).toBe(201);
  }
  const res = await app.api('alice', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
    action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'Reset the CFO password',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}, 300_000);

async function signIn(page: Page, name: string): Promise<void> {
  await page.goto(`${app.url}/`);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
}

const rows = (page: Page) => page.getByRole('region', { name: 'Audit records (newest first)' }).getByRole('row');

describe('Audit history (admins and auditors)', () => {
  it('shows what was done, newest first; filters by activity; loads more; passes axe at desktop and phone width', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(page, 'Adele Admin');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Audit history' }).click();
    await page.getByRole('heading', { name: 'Audit history', level: 1 }).waitFor();

    // The newest records are alice's activation (her request, with her reason), above the admin's assignments.
    const activation = rows(page).filter({ has: page.getByRole('rowheader', { name: 'Add member to role requested (PIM activation)' }) });
    await activation.waitFor();
    expect(await activation.textContent()).toContain('Alice Anders');
    expect(await activation.textContent()).toContain('Reset the CFO password');
    const texts = await rows(page).allTextContents();
    const activationAt = texts.findIndex((t) => t.includes('Reset the CFO password'));
    expect(activationAt).toBeGreaterThan(0);
    expect(activationAt).toBeLessThan(texts.findIndex((t) => t.includes(ASSIGNED)));
    await page.getByRole('status').filter({ hasText: '50 records shown; more are available.' }).waitFor();
    await expectAccessible(page, 'Audit history');
    await page.screenshot({ path: join(SHOTS, '1-admin-desktop.png'), fullPage: false });

    // Load more appends the next page below the first.
    const total = (await app.api('admin', 'GET', '/v1.0/auditLogs/directoryAudits?$top=999')).body.value as unknown[];
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByRole('status').filter({ hasText: `${total.length} records shown.` }).waitFor();
    expect(await rows(page).count()).toBe(total.length + 1);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    // Filtering by activity (and the principal as target) narrows to the admin's assignments of bob.
    await page.getByLabel('Activity').fill(ASSIGNED);
    await page.getByLabel('Principal is').selectOption('target');
    await page.getByLabel(/Principal \(user/).fill(USERS.bob);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('status').filter({ hasText: '8 records shown.' }).waitFor();
    const shown = await rows(page).allTextContents();
    expect(shown.slice(1).every((text) => text.includes(ASSIGNED) && text.includes('Bob Baker') && text.includes('Adele Admin'))).toBe(true);
    await page.screenshot({ path: join(SHOTS, '2-admin-filtered.png'), fullPage: true });

    // A filter nothing matches says so.
    await page.getByLabel('Result').selectOption('failure');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No audit records match these filters.').waitFor();

    // At phone width the page still works and passes axe.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('status').filter({ hasText: '50 records shown; more are available.' }).waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible(page, 'Audit history at phone width');
    await page.screenshot({ path: join(SHOTS, '3-admin-phone.png'), fullPage: true });
  }, 150_000);

  it('is offered to auditors, and not to other users (whom the API refuses anyway)', async () => {
    const auditor = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(auditor, 'Erin Evans');
    await auditor.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Audit history' }).click();
    await rows(auditor).nth(1).waitFor();

    const user = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(user, 'Alice Anders');
    expect(await user.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Audit history' }).count()).toBe(0);
    // Typing the page's address shows the API's refusal, and no records.
    await user.goto(`${app.url}/#/audit`);
    await user.getByRole('alert').filter({ hasText: 'PIM.Admin or PIM.Auditor' }).waitFor();
    expect(await user.getByRole('region', { name: 'Audit records (newest first)' }).count()).toBe(0);
  }, 60_000);
});
