import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';
import { ALERTS, alertId, assignOutsidePim } from '../e2e/alertApi';
import { type AppHost } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/, which git ignores). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/portal-security-alerts');
const OUTSIDE_PIM = 'Roles are being assigned outside of Privileged Identity Management';
const STALE = 'Potential stale accounts in a privileged role';

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

let carolsAssignment: string;
beforeAll(async () => {
  // Someone gave Dave and Carol Exchange Administrator straight in the directory, bypassing PIM.
  await assignOutsidePim(app, USERS.dave, ROLES.exchange);
  carolsAssignment = await assignOutsidePim(app, USERS.carol, ROLES.exchange);
}, 120_000);

async function signIn(page: Page, name: string): Promise<void> {
  await page.goto(`${app.url}/`);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
}

const table = (page: Page, title: string) => page.getByRole('region', { name: title }).last();
const alertRow = (page: Page, title: string, alert: string) => table(page, title).getByRole('row').filter({ has: page.getByRole('rowheader', { name: alert }) });
const configuration = async (name: string) => (await app.api('admin', 'GET', `${ALERTS}/alertConfigurations/${alertId(name)}`)).body;

describe('Security alerts (admins and auditors)', () => {
  it('scans, shows an alert with its remediation and incidents, saves a threshold, dismisses; passes axe at desktop and phone width', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(page, 'Adele Admin');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Security alerts' }).click();
    await page.getByRole('heading', { name: 'Security alerts', level: 1 }).waitFor();

    // Nothing was scanned yet (tests run the alerts timer only when asked): the empty state says so.
    await page.getByText('No alert has been scanned yet: Refresh scans now (PIM also scans on a schedule).').waitFor();

    // Refresh scans (202, an operation polled to its end), then the list shows what was found.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('status').filter({ hasText: 'Scanned every alert at' }).waitFor();
    const row = alertRow(page, 'Active alerts', OUTSIDE_PIM);
    await row.waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual(['High', '2', expect.stringMatching(/\d/)]);
    await expectAccessible(page, 'Security alerts');
    await page.screenshot({ path: join(SHOTS, '1-admin-desktop.png'), fullPage: true });

    // Opening it shows what it means, what to do, and the assignments made outside PIM.
    await row.getByRole('link', { name: OUTSIDE_PIM }).click();
    const details = page.getByRole('region', { name: OUTSIDE_PIM });
    await details.getByRole('heading', { name: OUTSIDE_PIM, level: 2 }).waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('alert-title');
    await details.getByText('Privileged roles are being assigned outside of PIM. 2 assignments were found.').waitFor();
    const incidentRows = table(page, 'Incidents').getByRole('row');
    expect(await incidentRows.count()).toBe(3);

    // Remediating Carol's asks first, then removes her assignment from the directory.
    await details.getByRole('button', { name: 'Remediate Carol Chen (carol@contoso.test)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remediate Carol Chen (carol@contoso.test)?' });
    await dialog.getByText('remediation removes the assignment from the directory').waitFor();
    await expectAccessible(page, 'Security alerts, remediation dialog');
    await page.screenshot({ path: join(SHOTS, '2-admin-remediate-dialog.png') });
    await dialog.getByRole('button', { name: 'Remediate' }).click();
    await page.getByRole('status').filter({ hasText: `Remediated Carol Chen (carol@contoso.test) (“${OUTSIDE_PIM}”).` }).waitFor();
    expect((await app.graph.listAssignments()).some((a) => a.id === carolsAssignment)).toBe(false);
    await table(page, 'Incidents').getByRole('rowheader', { name: /Carol Chen/ }).waitFor({ state: 'detached' });
    expect(await incidentRows.count()).toBe(2);
    expect(await page.evaluate('document.activeElement.id')).toBe('alert-title');
    const text = await details.textContent();
    expect(text).toContain('Privileged roles are being assigned outside of PIM. 1 assignments were found.');
    expect(text).toContain('Review the users in the list and remove them from privileged roles assigned outside of PIM');
    expect(text).toContain('Investigate where users are being assigned privileged roles outside of PIM');
    const incident = table(page, 'Incidents').getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Dave Diaz (dave@contoso.test)' }) });
    expect(await incident.getByRole('cell').allTextContents()).toEqual(['Exchange Administrator', '—', 'Remediate']);
    await expectAccessible(page, 'Security alerts with an alert open');
    await page.screenshot({ path: join(SHOTS, '3-admin-alert-open.png'), fullPage: true });

    // A threshold out of range: the API's message next to the form, nothing saved.
    await page.locator('summary').filter({ hasText: STALE }).click();
    const form = page.getByRole('form', { name: `Settings of ${STALE}` });
    await form.getByLabel('Days without a sign-in').fill('400');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByRole('alert').filter({ hasText: 'duration must be whole days from 1 to 365 (P1D to P365D). (InvalidAlertConfiguration)' }).waitFor();
    expect((await configuration('StaleSignInAlert')).duration).toBe('P30D');
    await expectAccessible(page, 'Security alerts with a refused setting');
    await page.screenshot({ path: join(SHOTS, '4-admin-setting-refused.png'), fullPage: true });

    // In range, and turned off: saved, and the summary shows the saved values.
    await form.getByLabel('Days without a sign-in').fill('45');
    await form.getByLabel('Enabled: scan for this alert and raise it').uncheck();
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved: off; days without a sign-in 45.' }).waitFor();
    expect(await form.getByRole('alert').count()).toBe(0);
    expect(await configuration('StaleSignInAlert')).toMatchObject({ duration: 'P45D', isEnabled: false });
    await page.getByText('Off · Days without a sign-in: 45').waitFor();

    // Dismissing says what happened; the alert leaves the active list for the dismissed one.
    await details.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('status').filter({ hasText: `Dismissed “${OUTSIDE_PIM}”: it left the active alerts` }).waitFor();
    await alertRow(page, 'Dismissed alerts', OUTSIDE_PIM).waitFor();
    expect(await alertRow(page, 'Active alerts', OUTSIDE_PIM).count()).toBe(0);
    await page.getByText('No active alerts: the last scan found nothing that needs attention.').waitFor();
    expect(await details.getByRole('button', { name: 'Dismiss' }).count()).toBe(0);
    expect((await app.api('admin', 'GET', `${ALERTS}/alerts/${alertId('RolesAssignedOutsidePimAlert')}`)).body.isActive).toBe(false);

    // At phone width the page still works and passes axe.
    await page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible(page, 'Security alerts at phone width');
    await page.screenshot({ path: join(SHOTS, '5-admin-phone.png'), fullPage: true });
  }, 150_000);

  it('shows auditors the same without the buttons that change anything, and is not offered to other users', async () => {
    const auditor = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(auditor, 'Erin Evans');
    // A shared link opens the alert.
    await auditor.goto(`${app.url}/#/alerts/${alertId('RolesAssignedOutsidePimAlert')}`);
    const details = auditor.getByRole('region', { name: OUTSIDE_PIM });
    await table(auditor, 'Incidents').getByRole('rowheader', { name: 'Dave Diaz (dave@contoso.test)' }).waitFor();
    expect(await details.textContent()).toContain('Dismissed');
    expect(await auditor.getByRole('button', { name: 'Dismiss' }).count()).toBe(0);
    expect(await auditor.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
    expect(await auditor.getByRole('button', { name: /^Remediate/ }).count()).toBe(0);
    await auditor.getByRole('button', { name: 'Refresh' }).click();
    await auditor.getByRole('status').filter({ hasText: 'Reloaded the alerts.' }).waitFor();
    await expectAccessible(auditor, 'Security alerts (auditor)');

    const user = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await signIn(user, 'Alice Anders');
    expect(await user.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Security alerts' }).count()).toBe(0);
    await user.goto(`${app.url}/#/alerts`);
    await user.getByText('Security alerts are managed by PIM administrators (PIM.Admin) and read by auditors (PIM.Auditor).').waitFor();
  }, 60_000);
});
