import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';
import { type AppHost, TENANT_ID } from '../e2e/appHost';
import { GROUPS, ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/, which git ignores). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/portal-role-settings');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const USER_ADMIN_RULES = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.userAdmin}/rules`;
/** A resource group of devhost's demo Azure tree (Corp Production / rg-app). */
const RG_APP = '/subscriptions/8d2f5a1c-6e4b-4c9a-b7d3-0e5f8a2c4b97/resourceGroups/rg-app';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';

interface Rule {
  id: string;
  [k: string]: unknown;
}

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

async function rulesOf(path: string): Promise<Map<string, Rule>> {
  const answer = await app.api('admin', 'GET', path);
  expect(answer.status).toBe(200);
  return new Map((answer.body.value as Rule[]).map((r) => [r.id, r]));
}

/** The ids of the rules whose content differs between two reads. */
function changedIds(before: Map<string, Rule>, after: Map<string, Rule>): string[] {
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  return [...after.keys()].filter((id) => JSON.stringify(after.get(id)) !== JSON.stringify(before.get(id))).sort();
}

async function armGet<T>(path: string): Promise<T> {
  const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${await app.token('admin', { mfa: true, audience: 'arm' })}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function signIn(name: string, viewport = DESKTOP): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${app.url}/`);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await page.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
  return page;
}

async function openRoleSettings(page: Page): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Pages' });
  await nav.getByRole('link', { name: 'Role settings' }).click();
  await page.getByRole('heading', { name: 'Role settings', level: 1 }).waitFor();
  expect(await nav.getByRole('link', { name: 'Role settings' }).getAttribute('aria-current')).toBe('page');
}

/** Chooses a directory role in the picker and loads its settings. */
async function loadDirectoryRole(page: Page, role: string): Promise<Locator> {
  await page.getByLabel('Kind').selectOption({ label: 'Directory role' });
  await page.getByLabel('Directory role').selectOption({ label: role });
  await page.getByRole('button', { name: 'Load settings' }).click();
  const editor = page.getByRole('region', { name: `Settings of ${role}` });
  await editor.waitFor();
  return editor;
}

/** Adds an approver from the directory to one approver list (e.g. "Stage 1 approvers"). */
async function addApprover(editor: Locator, list: string, name: RegExp): Promise<void> {
  const group = editor.getByRole('group', { name: list });
  const select = group.getByLabel(`Add to ${list.toLowerCase()}`);
  const value = await select.locator('option').filter({ hasText: name }).first().getAttribute('value');
  await select.selectOption(value ?? '');
  await group.getByRole('button', { name: 'Add', exact: true }).click();
  await group.getByText(name).first().waitFor();
}

describe('Admin → Role settings', () => {
  it('as admin: changing User Administrator’s activation maximum and requiring bob’s approval PATCHes exactly those two rules, and activating then waits for approval', async () => {
    const before = await rulesOf(USER_ADMIN_RULES);
    const page = await signIn('Adele Admin');
    await openRoleSettings(page);
    const editor = await loadDirectoryRole(page, 'User Administrator');
    const duration = editor.getByLabel('Activation maximum duration (hours)');
    expect(await duration.inputValue()).toBe('8');
    expect(await editor.getByLabel('Require multifactor authentication on activation').isChecked()).toBe(true);
    expect(await editor.getByLabel('Require approval to activate').isChecked()).toBe(false);
    await expectAccessible(page, 'Role settings (admin)');
    await page.screenshot({ path: join(SHOTS, '1-admin-user-administrator.png'), fullPage: true });

    const patches: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PATCH') patches.push(new URL(r.url()).pathname);
    });
    await duration.fill('4');
    await editor.getByLabel('Require approval to activate').check();
    await addApprover(editor, 'Stage 1 approvers', /Bob Baker/);
    await editor.getByRole('status').filter({ hasText: '2 changed rules not saved yet.' }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('status').filter({ hasText: 'Saved User Administrator: Expiration_EndUser_Assignment, Approval_EndUser_Assignment.' }).waitFor();
    // What the page shows after saving is read back from the API.
    expect(await page.getByRole('region', { name: 'Settings of User Administrator' }).getByLabel('Activation maximum duration (hours)').inputValue()).toBe('4');
    await page.screenshot({ path: join(SHOTS, '2-admin-saved.png'), fullPage: true });

    // The page PATCHed those two rules and nothing else.
    expect(patches.sort()).toEqual([`${USER_ADMIN_RULES}/Approval_EndUser_Assignment`, `${USER_ADMIN_RULES}/Expiration_EndUser_Assignment`]);
    const after = await rulesOf(USER_ADMIN_RULES);
    expect(changedIds(before, after)).toEqual(['Approval_EndUser_Assignment', 'Expiration_EndUser_Assignment']);
    expect(after.get('Expiration_EndUser_Assignment')?.maximumDuration).toBe('PT4H');
    const setting = after.get('Approval_EndUser_Assignment')?.setting as { isApprovalRequired: boolean; approvalStages: Array<{ primaryApprovers: Array<{ userId?: string }> }> };
    expect(setting.isApprovalRequired).toBe(true);
    expect(setting.approvalStages.map((s) => s.primaryApprovers.map((a) => a.userId))).toEqual([[USERS.bob]]);

    // A user who activates the role now waits for bob, and may ask for 4 hours at most.
    const DIR = '/v1.0/roleManagement/directory';
    expect((await app.api('admin', 'POST', `${DIR}/roleEligibilityScheduleRequests`, {
      action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.userAdmin, directoryScopeId: '/', justification: 'Role settings walk',
      scheduleInfo: { expiration: { type: 'noExpiration' } },
    })).status).toBe(201);
    const activate = (duration: string) => app.api('alice', 'POST', `${DIR}/roleAssignmentScheduleRequests`, {
      action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.userAdmin, directoryScopeId: '/', justification: 'Reset a password',
      scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration } },
    });
    const tooLong = await activate('PT5H');
    expect(tooLong.status).toBe(400);
    const asked = await activate('PT4H');
    expect(asked.status).toBe(201);
    expect(asked.body.status).toBe('PendingApproval');
  }, 90_000);

  it('a value over the API’s limit shows the API’s message, keeps what the admin typed, and changes nothing', async () => {
    const before = await rulesOf(USER_ADMIN_RULES);
    const page = await signIn('Adele Admin');
    await openRoleSettings(page);
    const editor = await loadDirectoryRole(page, 'User Administrator');
    await editor.getByLabel('Activation maximum duration (hours)').fill('30');
    await editor.getByLabel('Require ticket information on activation').check();
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = editor.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain("The maximum activation duration must be from 30 minutes (PT30M) to 24 hours (PT24H); 'PT30H' is not.");
    expect(await alert.textContent()).toContain('(InvalidPolicy)');
    expect(await editor.getByLabel('Activation maximum duration (hours)').inputValue()).toBe('30');
    expect(await editor.getByLabel('Require ticket information on activation').isChecked()).toBe(true);
    await expectAccessible(page, 'Role settings with an error');
    await page.screenshot({ path: join(SHOTS, '3-admin-refused.png'), fullPage: true });
    expect(changedIds(before, await rulesOf(USER_ADMIN_RULES))).toEqual([]);

    // Fixing the value saves both changed rules, and nothing else.
    await editor.getByLabel('Activation maximum duration (hours)').fill('6');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved User Administrator: Expiration_EndUser_Assignment, Enablement_EndUser_Assignment.' }).waitFor();
    const after = await rulesOf(USER_ADMIN_RULES);
    expect(changedIds(before, after)).toEqual(['Enablement_EndUser_Assignment', 'Expiration_EndUser_Assignment']);
    expect(after.get('Expiration_EndUser_Assignment')?.maximumDuration).toBe('PT6H');
    expect(after.get('Enablement_EndUser_Assignment')?.enabledRules).toEqual(['MultiFactorAuthentication', 'Justification', 'Ticketing']);
  }, 90_000);

  it('a group’s settings (rules, a notification, a webhook) load and save at desktop width', async () => {
    const path = `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${GROUPS.dbOwners}' and scopeType eq 'Group' and roleDefinitionId eq 'owner'&$expand=policy($expand=rules)`;
    const read = async () => (await app.api('admin', 'GET', path)).body.value as Array<{ policy: { rules: Rule[]; pimWebhooks: unknown[] } }>;
    const [before] = await read();
    const page = await signIn('Adele Admin');
    await openRoleSettings(page);
    await page.getByLabel('Kind').selectOption({ label: 'Group (PIM for Groups)' });
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'DB Owners' });
    await page.getByLabel('Access').selectOption({ label: 'Owner' });
    await page.getByRole('button', { name: 'Load settings' }).click();
    const editor = page.getByRole('region', { name: 'Settings of DB Owners (Owner)' });
    await editor.waitFor();
    // A group's defaults: its assignments must end, and activation asks for no MFA.
    expect(await editor.getByLabel('Allow permanent eligible assignment').isChecked()).toBe(false);
    expect(await editor.getByLabel('Require multifactor authentication on activation').isChecked()).toBe(false);

    await editor.getByLabel('Require ticket information on activation').check();
    // Approval by two of two named approvers, escalated to dave after two hours.
    await editor.getByLabel('Require approval to activate').check();
    await addApprover(editor, 'Stage 1 approvers', /Bob Baker/);
    await addApprover(editor, 'Stage 1 approvers', /Carol Chen/);
    const stage = editor.getByRole('group', { name: 'Approval stage 1' });
    await stage.getByLabel('Approvals needed').fill('2');
    await stage.getByLabel('A deny ends the request when').selectOption({ label: 'a majority of the approvers deny' });
    await stage.getByLabel('Escalate to other approvers when undecided').check();
    await stage.getByLabel('Escalate after (minutes)').fill('120');
    await addApprover(editor, 'Stage 1 escalation approvers', /Dave Diaz/);
    const alert = editor.getByRole('group', { name: 'When eligible members activate' }).getByRole('group', { name: 'Role assignment alert (admins)' });
    await alert.getByLabel('Additional recipients').fill('secops@contoso.test, dba-lead@contoso.test');
    await alert.getByLabel('Emails sent').selectOption({ label: 'Critical only' });
    await editor.getByRole('button', { name: 'Add a webhook' }).click();
    const hook = editor.getByRole('group', { name: 'Webhook 1' });
    await hook.getByLabel('Name').fill('dba-teams');
    await hook.getByLabel('URL').fill('https://contoso.webhook.office.test/dba');
    await hook.getByLabel('Send all events').uncheck();
    await hook.getByLabel('request.created').check();
    await hook.getByLabel('assignment.activated').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('status').filter({ hasText: 'Saved DB Owners (Owner): Enablement_EndUser_Assignment, Approval_EndUser_Assignment, Notification_Admin_EndUser_Assignment, webhooks.' }).waitFor();
    await expectAccessible(page, 'Role settings of a group');
    await page.screenshot({ path: join(SHOTS, '4-admin-group-saved.png'), fullPage: true });

    const [after] = await read();
    const byId = (p: typeof before) => new Map((p?.policy.rules ?? []).map((r) => [r.id, r]));
    expect(changedIds(byId(before), byId(after))).toEqual(['Approval_EndUser_Assignment', 'Enablement_EndUser_Assignment', 'Notification_Admin_EndUser_Assignment']);
    const approval = byId(after).get('Approval_EndUser_Assignment')?.setting as { isApprovalRequired: boolean; approvalStages: Array<Record<string, unknown>> };
    expect(approval.isApprovalRequired).toBe(true);
    expect(approval.approvalStages).toEqual([
      expect.objectContaining({
        primaryApprovers: [expect.objectContaining({ userId: USERS.bob }), expect.objectContaining({ userId: USERS.carol })],
        quorum: { approvalsRequired: 2, denyMode: 'majority' },
        isEscalationEnabled: true,
        escalationTimeInMinutes: 120,
        escalationApprovers: [expect.objectContaining({ userId: USERS.dave })],
      }),
    ]);
    expect(byId(after).get('Enablement_EndUser_Assignment')?.enabledRules).toEqual(['Justification', 'Ticketing']);
    const notification = byId(after).get('Notification_Admin_EndUser_Assignment');
    expect([notification?.notificationLevel, notification?.notificationRecipients]).toEqual(['Critical', ['secops@contoso.test', 'dba-lead@contoso.test']]);
    expect(after?.policy.pimWebhooks).toEqual([{ id: 'dba-teams', url: 'https://contoso.webhook.office.test/dba', format: 'teams', events: ['request.created', 'assignment.activated'], signingKeyName: null }]);
  }, 90_000);

  it('an Azure role’s settings at a resource group load and save through the ARM surface, at phone width', async () => {
    const list = await armGet<{ value: Array<{ properties: { policyId: string } }> }>(
      `${RG_APP}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?api-version=2020-10-01&$filter=${encodeURIComponent(`roleDefinitionId eq '${CONTRIBUTOR}'`)}`,
    );
    const policyPath = `${list.value[0]?.properties.policyId}?api-version=2020-10-01`;
    const rules = async () => new Map((await armGet<{ properties: { rules: Rule[] } }>(policyPath)).properties.rules.map((r) => [r.id, r]));
    const before = await rules();

    const page = await signIn('Adele Admin', PHONE);
    await openRoleSettings(page);
    await page.getByLabel('Kind').selectOption({ label: 'Azure role at a scope' });
    await page.getByLabel('Azure scope').fill(RG_APP);
    await page.getByRole('button', { name: 'List roles at this scope' }).click();
    await page.getByLabel('Azure role', { exact: true }).selectOption({ label: 'Contributor' });
    await page.getByRole('button', { name: 'Load settings' }).click();
    const editor = page.getByRole('region', { name: `Settings of Contributor at ${RG_APP}` });
    await editor.waitFor();
    expect(await editor.getByLabel('Activation maximum duration (hours)').inputValue()).toBe('8');
    await expectAccessible(page, 'Role settings of an Azure role (phone)');
    await page.screenshot({ path: join(SHOTS, '5-phone-azure-role.png'), fullPage: true });
    await editor.getByRole('heading', { level: 2 }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, '5-phone-azure-role-screen.png') });

    await editor.getByLabel('Activation maximum duration (hours)').fill('2');
    await editor.getByLabel('Require approval to activate').check();
    await addApprover(editor, 'Stage 1 approvers', /PIM Approvers/);
    await page.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('status').filter({ hasText: `Saved Contributor at ${RG_APP}: Expiration_EndUser_Assignment, Approval_EndUser_Assignment.` }).waitFor();
    await page.screenshot({ path: join(SHOTS, '6-phone-azure-role-saved.png'), fullPage: true });
    // At phone width nothing is wider than the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);

    const after = await rules();
    expect(changedIds(before, after)).toEqual(['Approval_EndUser_Assignment', 'Expiration_EndUser_Assignment']);
    expect(after.get('Expiration_EndUser_Assignment')?.maximumDuration).toBe('PT2H');
    const setting = after.get('Approval_EndUser_Assignment')?.setting as { isApprovalRequired: boolean; approvalStages: Array<{ primaryApprovers: Array<{ id: string; userType: string }> }> };
    expect(setting.isApprovalRequired).toBe(true);
    expect(setting.approvalStages[0]?.primaryApprovers.map((a) => [a.id, a.userType])).toEqual([[GROUPS.approvers, 'Group']]);
  }, 90_000);

  it('an auditor sees every value but cannot change or save; a user without an admin app role has no Role settings', async () => {
    // Settings an admin made through the API, which the auditor must see as they are.
    const helpdesk = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.helpdesk}/rules`;
    expect((await app.api('admin', 'PATCH', `${helpdesk}/Expiration_EndUser_Assignment`, { maximumDuration: 'PT3H' })).status).toBe(204);
    expect((await app.api('admin', 'PATCH', `${helpdesk}/Approval_EndUser_Assignment`, {
      setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] },
    })).status).toBe(204);
    const page = await signIn('Erin Evans', PHONE);
    await openRoleSettings(page);
    const editor = await loadDirectoryRole(page, 'Helpdesk Administrator');
    const duration = editor.getByLabel('Activation maximum duration (hours)');
    expect(await duration.inputValue()).toBe('3');
    expect(await duration.isDisabled()).toBe(true);
    expect(await editor.getByLabel('Require approval to activate').isChecked()).toBe(true);
    expect(await editor.getByLabel('Require approval to activate').isDisabled()).toBe(true);
    await editor.getByText('Bob Baker').first().waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await editor.getByText('only PIM administrators (PIM.Admin) change them').waitFor();
    await expectAccessible(page, 'Role settings (auditor, phone)');
    await page.screenshot({ path: join(SHOTS, '7-phone-auditor.png'), fullPage: true });
    await editor.getByRole('group', { name: 'Approval', exact: true }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, '7-phone-auditor-screen.png') });

    const alice = await signIn('Alice Anders');
    expect(await alice.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Role settings' }).count()).toBe(0);
    await alice.goto(`${app.url}/#/settings`);
    await alice.getByText('Role settings are for PIM administrators (PIM.Admin) and auditors (PIM.Auditor).').waitFor();
  }, 90_000);
});
