import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';
import { eventually } from '../devhost/helpers';
import { type AppHost, TENANT_ID } from '../e2e/appHost';
import { GROUPS, ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/, which git ignores). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/admin-assignments');
const DIR = '/v1.0/roleManagement/directory';
const GRP = '/v1.0/identityGovernance/privilegedAccess/group';
const ADMIN_PAGE = 'Admin: Assignments';
const DAY = 86_400_000;
/** devhost's Azure demo (devhost/arm/demo-azure.json): the Corp Production subscription, and Azure's built-in Reader. */
const CORP_PRODUCTION = '8d2f5a1c-6e4b-4c9a-b7d3-0e5f8a2c4b97';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

/** What the browser reported as blocked by the portal's CSP, in the current test. */
let cspViolations: string[] = [];
afterEach(() => {
  expect(cspViolations).toEqual([]);
  cspViolations = [];
});

async function signIn(context: BrowserContext, name: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${app.url}/`);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
  return page;
}

async function openAdminPage(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: ADMIN_PAGE }).click();
  await page.getByRole('heading', { name: ADMIN_PAGE, level: 1 }).waitFor();
}

/** Chooses a target in the picker and waits for its lists. */
async function showRole(page: Page, role: string): Promise<void> {
  await page.getByLabel('Kind').selectOption({ label: 'Directory role' });
  await page.getByLabel('Role', { exact: true }).selectOption({ label: role });
  await page.getByRole('button', { name: 'Show assignments' }).click();
  await page.getByRole('heading', { name: `Assignments of ${role}` }).waitFor();
}

async function showGroup(page: Page, group: string, access: 'Member' | 'Owner'): Promise<void> {
  await page.getByLabel('Kind').selectOption({ label: 'Group (PIM for Groups)' });
  await page.getByLabel('Group').selectOption({ label: group });
  await page.getByLabel('Access').selectOption({ label: access });
  await page.getByRole('button', { name: 'Show assignments' }).click();
  await page.getByRole('heading', { name: `Assignments of ${group} (${access})` }).waitFor();
}

const table = (page: Page, title: string) => page.getByRole('region', { name: title });
const rowOf = (page: Page, title: string, principal: string): Locator => table(page, title).getByRole('row').filter({ has: page.getByRole('rowheader', { name: principal }) });

/** A datetime-local value for an instant, in the browser's (and this machine's) time zone. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

interface RawSchedule {
  principalId: string;
  status: string;
  scheduleInfo: { startDateTime: string; expiration: { type: string; endDateTime: string | null } };
}

async function schedules(path: string, filter: string): Promise<RawSchedule[]> {
  const answer = await app.api('admin', 'GET', `${path}?$filter=${encodeURIComponent(filter)}`);
  expect(answer.status).toBe(200);
  return answer.body.value as RawSchedule[];
}

async function groupMembers(groupId: string): Promise<string[]> {
  const res = await fetch(`${app.url}/.devhost/graph/v1.0/groups/${groupId}/members`);
  return ((await res.json()) as { value: Array<{ id: string }> }).value.map((m) => m.id);
}

describe('Admin → Assignments', () => {
  it("the seeds' lab walk: admin makes alice permanently eligible for User Administrator; alice activates it, sees it active, and deactivates it", async () => {
    const adminContext = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const admin = await signIn(adminContext, 'Adele Admin');
    await openAdminPage(admin);
    await showRole(admin, 'User Administrator');
    await admin.getByText('No one is eligible.').waitFor();

    await admin.getByRole('button', { name: 'Add assignment' }).click();
    const add = admin.getByRole('dialog', { name: 'Add assignment' });
    expect(await add.getByLabel(/^Eligible/).isChecked()).toBe(true);
    await add.getByLabel('Principal').selectOption({ label: 'Alice Anders (alice@contoso.test)' });
    // Directory roles allow permanent eligibility by default: offered and chosen.
    expect(await add.getByLabel('Permanent').isEnabled()).toBe(true);
    expect(await add.getByLabel('Permanent').isChecked()).toBe(true);
    await add.getByLabel(/Reason/).fill('Lab: help desk lead');
    await expectAccessible(admin, 'the add assignment dialog');
    await admin.screenshot({ path: join(SHOTS, '1-add-eligible.png'), fullPage: true });
    await add.getByRole('button', { name: 'Assign' }).click();
    await add.waitFor({ state: 'detached' });

    await admin.getByRole('status').filter({ hasText: 'Alice Anders now has an eligible assignment of User Administrator.' }).waitFor();
    // Focus goes back to the button that opened the dialog.
    expect(await admin.getByRole('button', { name: 'Add assignment' }).evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
    const aliceRow = rowOf(admin, 'Eligible assignments', 'Alice Anders');
    await aliceRow.waitFor();
    expect(await aliceRow.textContent()).toContain('Permanent');
    expect(await aliceRow.textContent()).toContain('Direct');
    const made = await schedules(`${DIR}/roleEligibilitySchedules`, `principalId eq '${USERS.alice}' and roleDefinitionId eq '${ROLES.userAdmin}'`);
    expect(made.map((s) => s.scheduleInfo.expiration.type)).toEqual(['noExpiration']);
    await expectAccessible(admin, 'Admin → Assignments');
    await admin.screenshot({ path: join(SHOTS, '2-eligible-listed.png'), fullPage: true });

    // Alice, in her own browser: no Admin page, and the role waiting in My roles.
    const aliceContext = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const alice = await signIn(aliceContext, 'Alice Anders');
    expect(await alice.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: ADMIN_PAGE }).count()).toBe(0);
    const eligibleTable = table(alice, 'Eligible assignments');
    await eligibleTable.getByRole('rowheader', { name: 'User Administrator' }).waitFor();
    expect(await eligibleTable.getByRole('row').filter({ hasText: 'User Administrator' }).textContent()).toContain('Permanent');

    await alice.getByRole('button', { name: 'Activate User Administrator' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Activate User Administrator' });
    await dialog.getByText('Maximum: 8 hours').waitFor();
    await dialog.getByLabel('Duration').selectOption({ label: '8 hours' });
    await dialog.getByLabel(/Reason/).fill('Reset the CFO password');
    await dialog.getByRole('button', { name: 'Activate' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Active: ready to use' }).waitFor({ timeout: 20_000 });
    expect(await dialog.locator('.stages li.done').count()).toBe(4);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await table(alice, 'Active assignments').getByRole('rowheader', { name: 'User Administrator' }).waitFor();
    expect((await app.graph.listAssignments()).some((a) => a.principalId === USERS.alice && a.roleDefinitionId === ROLES.userAdmin)).toBe(true);

    // The admin sees the activation among the active assignments, and cannot change it (it ends by itself).
    await admin.getByRole('button', { name: 'Refresh' }).click();
    const activated = rowOf(admin, 'Active assignments', 'Alice Anders');
    await activated.waitFor();
    expect(await activated.textContent()).toContain('Active (activated)');
    expect(await activated.getByRole('button').count()).toBe(0);

    await app.later(6 * 60_000, async () => {
      await alice.getByRole('button', { name: 'Deactivate User Administrator' }).click();
      await alice.getByRole('status').filter({ hasText: 'User Administrator was deactivated.' }).waitFor({ timeout: 20_000 });
    });
    await eventually(async () => ((await app.graph.listAssignments()).some((a) => a.principalId === USERS.alice && a.roleDefinitionId === ROLES.userAdmin) ? undefined : true));
    await eligibleTable.getByRole('rowheader', { name: 'User Administrator' }).waitFor();
    await aliceContext.close();
    await adminContext.close();
  }, 120_000);

  it('a group: admin adds an active time-bound membership (no permanent: the policy forbids it), extends it near its end, and removes it', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const admin = await signIn(context, 'Adele Admin');
    await openAdminPage(admin);
    await showGroup(admin, 'DB Owners', 'Member');

    await admin.getByRole('button', { name: 'Add assignment' }).click();
    const add = admin.getByRole('dialog', { name: 'Add assignment' });
    await add.getByLabel(/^Active/).check();
    await add.getByLabel('Principal').selectOption({ label: 'Bob Baker (bob@contoso.test)' });
    expect(await add.getByLabel('Permanent').isDisabled()).toBe(true);
    expect(await add.getByText('This role’s settings require active assignments to end within 180 days.').count()).toBe(1);
    const firstEnd = Date.now() + 7 * DAY;
    await add.getByLabel('End', { exact: true }).fill(localInput(firstEnd));
    await add.getByLabel(/Reason/).fill('Database migration this week');
    await add.getByRole('button', { name: 'Assign' }).click();
    await add.waitFor({ state: 'detached' });
    const bobRow = rowOf(admin, 'Active assignments', 'Bob Baker');
    await bobRow.waitFor();
    expect(await bobRow.textContent()).toContain('Active (assigned)');
    expect(await bobRow.textContent()).toContain(new Date(localInput(firstEnd)).toLocaleDateString('en-US'));
    await eventually(async () => ((await groupMembers(GROUPS.dbOwners)).includes(USERS.bob) ? true : undefined));
    await admin.screenshot({ path: join(SHOTS, '3-group-active.png'), fullPage: true });

    // It ends within 14 days, so it can be extended.
    await bobRow.getByRole('button', { name: 'Extend active assignment of Bob Baker' }).click();
    const extend = admin.getByRole('dialog', { name: 'Extend assignment' });
    const laterEnd = Date.now() + 60 * DAY;
    await extend.getByLabel('End', { exact: true }).fill(localInput(laterEnd));
    await extend.getByLabel(/Reason/).fill('The migration slipped');
    await expectAccessible(admin, 'the extend dialog');
    await extend.getByRole('button', { name: 'Extend' }).click();
    await admin.getByRole('status').filter({ hasText: "Bob Baker's active assignment of DB Owners (Member) was extended." }).waitFor();
    const [extended] = await schedules(`${GRP}/assignmentSchedules`, `groupId eq '${GROUPS.dbOwners}' and principalId eq '${USERS.bob}'`);
    expect(Date.parse(extended?.scheduleInfo.expiration.endDateTime ?? '')).toBe(Date.parse(new Date(localInput(laterEnd)).toISOString()));
    // Two months out, it is no longer in its extension window.
    await eventually(async () => ((await bobRow.getByRole('button', { name: /^Extend/ }).count()) === 0 ? true : undefined));

    await bobRow.getByRole('button', { name: 'Remove active assignment of Bob Baker' }).click();
    const remove = admin.getByRole('dialog', { name: 'Remove assignment' });
    await remove.getByRole('button', { name: 'Remove' }).click();
    await admin.getByRole('status').filter({ hasText: "Bob Baker's active assignment of DB Owners (Member) was removed." }).waitFor();
    await admin.getByText('No one holds it actively.').waitFor();
    // The Remove button left with its row: focus is on the lists' heading, not lost.
    const listsHeading = admin.getByRole('heading', { name: 'Assignments of DB Owners (Member)' });
    await eventually(async () => ((await listsHeading.evaluate((h) => h === h.ownerDocument.activeElement)) ? true : undefined));
    await eventually(async () => ((await groupMembers(GROUPS.dbOwners)).includes(USERS.bob) ? undefined : true));
    expect(await schedules(`${GRP}/assignmentSchedules`, `groupId eq '${GROUPS.dbOwners}' and principalId eq '${USERS.bob}'`)).toEqual([]);
    await context.close();
  }, 90_000);

  it('an Azure resource role at a subscription, through the ARM surface: admin adds a time-bound eligibility, moves its end, and removes it', async () => {
    const scope = `/subscriptions/${CORP_PRODUCTION}`;
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const admin = await signIn(context, 'Adele Admin');
    await openAdminPage(admin);
    await admin.getByLabel('Kind').selectOption({ label: 'Azure resource role' });
    await admin.getByLabel('Azure scope').fill(scope);
    await admin.getByRole('button', { name: 'Find roles at this scope' }).click();
    await admin.getByLabel('Azure role').selectOption({ label: 'Reader' });
    await admin.getByRole('button', { name: 'Show assignments' }).click();
    await admin.getByRole('heading', { name: `Assignments of Reader at ${scope}` }).waitFor();
    await admin.getByText('No one is eligible.').waitFor();

    await admin.getByRole('button', { name: 'Add assignment' }).click();
    const add = admin.getByRole('dialog', { name: 'Add assignment' });
    await add.getByLabel('Principal').selectOption({ label: 'Alice Anders (alice@contoso.test)' });
    // Azure's defaults: no permanent eligibility, at most 365 days.
    expect(await add.getByLabel('Permanent').isDisabled()).toBe(true);
    await add.getByText('This role’s settings require eligible assignments to end within 365 days.').waitFor();
    const end = Date.now() + 30 * DAY;
    await add.getByLabel('End', { exact: true }).fill(localInput(end));
    await add.getByLabel(/Reason/).fill('Read the production estate during the audit');
    await add.getByRole('button', { name: 'Assign' }).click();
    await add.waitFor({ state: 'detached' });
    const row = rowOf(admin, 'Eligible assignments', 'Alice Anders');
    await row.waitFor();
    expect(await row.textContent()).toContain('Direct');
    await expectAccessible(admin, 'Admin → Assignments for an Azure role');
    await admin.screenshot({ path: join(SHOTS, '7-azure-eligible.png'), fullPage: true });
    const armToken = await app.token('admin', { mfa: true, audience: 'arm' });
    const listed = async () => {
      const res = await fetch(`${app.url}${scope}/providers/Microsoft.Authorization/roleEligibilitySchedules?api-version=2020-10-01&$filter=${encodeURIComponent(`principalId eq '${USERS.alice}'`)}`, { headers: { authorization: `Bearer ${armToken}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { value: Array<{ properties: { roleDefinitionId: string; endDateTime: string | null; status: string } }> }).value.filter((v) => v.properties.roleDefinitionId.endsWith(READER) && v.properties.status === 'Provisioned');
    };
    expect((await listed()).map((v) => Date.parse(v.properties.endDateTime ?? ''))).toEqual([Date.parse(new Date(localInput(end)).toISOString())]);

    // Update: a later end (the form starts from the current one).
    await row.getByRole('button', { name: 'Update eligible assignment of Alice Anders' }).click();
    const update = admin.getByRole('dialog', { name: 'Update assignment' });
    expect(await update.getByLabel('End', { exact: true }).inputValue()).toBe(localInput(end));
    const later = Date.now() + 90 * DAY;
    await update.getByLabel('End', { exact: true }).fill(localInput(later));
    await update.getByLabel(/Reason/).fill('The audit runs longer');
    await update.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('status').filter({ hasText: `Alice Anders's eligible assignment of Reader at ${scope} was updated.` }).waitFor();
    expect((await listed()).map((v) => Date.parse(v.properties.endDateTime ?? ''))).toEqual([Date.parse(new Date(localInput(later)).toISOString())]);
    // The note comes first; the lists follow when they are read again.
    await row.filter({ hasText: new Date(localInput(later)).toLocaleDateString('en-US') }).waitFor();

    await row.getByRole('button', { name: 'Remove eligible assignment of Alice Anders' }).click();
    await admin.getByRole('dialog', { name: 'Remove assignment' }).getByRole('button', { name: 'Remove' }).click();
    await admin.getByRole('status').filter({ hasText: `Alice Anders's eligible assignment of Reader at ${scope} was removed.` }).waitFor();
    await admin.getByText('No one is eligible.').waitFor();
    expect(await listed()).toEqual([]);
    await context.close();
  }, 90_000);

  it('renews an eligibility that has expired', async () => {
    const assigned = await app.api('admin', 'POST', `${GRP}/eligibilityScheduleRequests`, {
      action: 'adminAssign', principalId: USERS.dave, groupId: GROUPS.approvers, accessId: 'owner', justification: 'Cover for a week',
      scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'P1D' } },
    });
    expect(assigned.status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const admin = await signIn(context, 'Adele Admin');
    await openAdminPage(admin);
    await app.later(2 * DAY, async () => {
      await app.reconcile();
      await showGroup(admin, 'PIM Approvers', 'Owner');
      const expired = rowOf(admin, 'Expired assignments', 'Dave Diaz');
      await expired.waitFor();
      expect(await rowOf(admin, 'Eligible assignments', 'Dave Diaz').count()).toBe(0);
      await admin.screenshot({ path: join(SHOTS, '4-expired.png'), fullPage: true });
      await expired.getByRole('button', { name: 'Renew eligible assignment of Dave Diaz' }).click();
      const renew = admin.getByRole('dialog', { name: 'Renew assignment' });
      await renew.getByLabel('End', { exact: true }).fill(localInput(Date.now() + 30 * DAY));
      await renew.getByLabel(/Reason/).fill('Another week of cover');
      await renew.getByRole('button', { name: 'Renew' }).click();
      await admin.getByRole('status').filter({ hasText: "Dave Diaz's eligible assignment of PIM Approvers (Owner) was renewed." }).waitFor();
      await rowOf(admin, 'Eligible assignments', 'Dave Diaz').waitFor();
      expect(await rowOf(admin, 'Expired assignments', 'Dave Diaz').count()).toBe(0);
    });
    const live = await schedules(`${GRP}/eligibilitySchedules`, `groupId eq '${GROUPS.approvers}' and principalId eq '${USERS.dave}'`);
    expect(live.map((s) => s.status)).toEqual(['Provisioned']);
    await context.close();
  }, 90_000);

  it('an auditor reads the lists with no buttons to change them; a user without an app role has no Admin page', async () => {
    expect((await app.api('admin', 'POST', `${DIR}/roleEligibilityScheduleRequests`, {
      action: 'adminAssign', principalId: USERS.bob, roleDefinitionId: ROLES.security, directoryScopeId: '/', justification: 'Lab: security desk',
      scheduleInfo: { expiration: { type: 'noExpiration' } },
    })).status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const erin = await signIn(context, 'Erin Evans');
    await openAdminPage(erin);
    await erin.getByText('You are an auditor').waitFor();
    await showRole(erin, 'Security Administrator');
    const bobRow = rowOf(erin, 'Eligible assignments', 'Bob Baker');
    await bobRow.waitFor();
    expect(await bobRow.textContent()).toContain('Permanent');
    expect(await erin.getByRole('button', { name: 'Add assignment' }).count()).toBe(0);
    expect(await erin.getByRole('button', { name: /^(Update|Extend|Remove|Renew) / }).count()).toBe(0);
    expect(await erin.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
    expect(await erin.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(erin, 'Admin → Assignments at phone width (auditor)');
    await erin.screenshot({ path: join(SHOTS, '5-phone-auditor.png'), fullPage: true });
    await context.close();

    // Carol holds no app role: no Admin link, and its address offers nothing to see or change.
    const carolContext = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const carol = await signIn(carolContext, 'Carol Chen');
    expect(await carol.getByRole('link', { name: ADMIN_PAGE }).count()).toBe(0);
    await carol.goto(`${app.url}/#/admin-assignments`);
    await carol.getByText('Assignments are managed by PIM administrators (PIM.Admin) and read by auditors (PIM.Auditor).').waitFor();
    expect(await carol.getByRole('button', { name: 'Show assignments' }).count()).toBe(0);
    // The API refuses her an admin action whatever the portal shows.
    const refused = await app.api('carol', 'POST', `${DIR}/roleEligibilityScheduleRequests`, {
      action: 'adminAssign', principalId: USERS.carol, roleDefinitionId: ROLES.security, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    expect(refused.status).toBe(403);
    await carolContext.close();
  }, 90_000);

  it("shows the API's refusal in the form and changes nothing (permanent eligibility the policy no longer allows)", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const admin = await signIn(context, 'Adele Admin');
    await openAdminPage(admin);
    await showRole(admin, 'Helpdesk Administrator');
    await admin.getByRole('button', { name: 'Add assignment' }).click();
    const add = admin.getByRole('dialog', { name: 'Add assignment' });
    await add.getByLabel('Principal').selectOption({ label: 'Carol Chen (carol@contoso.test)' });
    expect(await add.getByLabel('Permanent').isChecked()).toBe(true);
    // Meanwhile another admin makes the role's eligibilities expire: the form still offers permanent.
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.helpdesk}/rules/Expiration_Admin_Eligibility`;
    expect((await app.api('admin', 'PATCH', rule, {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_Admin_Eligibility', isExpirationRequired: true, maximumDuration: 'P90D',
    })).status).toBe(204);
    await add.getByLabel(/Reason/).fill('Service desk cover');
    await add.getByRole('button', { name: 'Assign' }).click();
    const alert = add.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain("The role's policy does not allow permanent eligible assignments");
    expect(await alert.textContent()).toContain('(RoleAssignmentRequestPolicyValidationFailed)');
    // The form now shows the settings as they are: no permanent, an end within 90 days.
    await add.getByText('This role’s settings require eligible assignments to end within 90 days.').waitFor();
    expect(await add.getByLabel('Permanent').isDisabled()).toBe(true);
    await expectAccessible(admin, 'the refused form at phone width');
    await admin.screenshot({ path: join(SHOTS, '6-phone-refused.png'), fullPage: true });
    await add.getByRole('button', { name: 'Cancel' }).click();
    await add.waitFor({ state: 'detached' });
    expect(await admin.getByText('No one is eligible.').count()).toBe(1);
    expect(await schedules(`${DIR}/roleEligibilitySchedules`, `principalId eq '${USERS.carol}' and roleDefinitionId eq '${ROLES.helpdesk}'`)).toEqual([]);
    await context.close();
  }, 90_000);
});
