import { join, resolve } from 'node:path';
import { useBrowserSuite } from './browserSuite';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../devhost/helpers';
import { type AppHost, TENANT_ID } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';

/** Screenshots are kept as test artifacts (CI keeps test-results/). */
const SHOTS = resolve(__dirname, '../../test-results/screenshots');
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

describe('approving from the mail, in a browser', () => {
  it('bob opens his mail, follows his link, confirms, and alice holds the role', async () => {
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.userAdmin}/rules/Approval_EndUser_Assignment`;
    expect((await app.api('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] } })).status).toBe(204);
    expect((await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', { action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.userAdmin, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } })).status).toBe(201);
    const request = await app.api('alice', 'POST', REQUESTS, {
      action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.userAdmin, directoryScopeId: '/', justification: 'Reset the CFO password',
      ticketInfo: { ticketNumber: 'INC-981', ticketSystem: 'ServiceNow' }, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(request.status).toBe(201);
    await eventually(async () => ((await app.mailTo('bob@contoso.test')).some((m) => m.subject.includes('Alice Anders requests User Administrator')) ? true : undefined));

    // App Service authentication would add this header for the signed-in approver.
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-ms-client-principal-id': USERS.bob } });
    const page = await context.newPage();
    await page.goto(`${app.url}/.devhost/mail?to=${encodeURIComponent('bob@contoso.test')}`);
    await page.screenshot({ path: join(SHOTS, '1-mailbox.png'), fullPage: true });
    await page.getByRole('link', { name: 'Review the request' }).first().click();
    await page.waitForURL(/\/approvals\//);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approve or deny this request?');
    const summary = await page.locator('dl').textContent();
    for (const detail of ['Alice Anders', 'User Administrator', 'Reset the CFO password', 'INC-981']) expect(summary).toContain(detail);
    await page.screenshot({ path: join(SHOTS, '2-confirm.png'), fullPage: true });

    // Opening the page decided nothing.
    expect((await app.api('alice', 'GET', `${REQUESTS}/${String(request.body.id)}`)).body.status).toBe('PendingApproval');
    await page.getByLabel(/Your justification/).fill('Verified with the service desk');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'Decision recorded' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain("You approved Alice Anders's request for User Administrator");
    await page.screenshot({ path: join(SHOTS, '3-decided.png'), fullPage: true });

    await eventually(async () => ((await app.api('alice', 'GET', `${REQUESTS}/${String(request.body.id)}`)).body.status === 'Provisioned' ? true : undefined));
    expect((await app.graph.listAssignments()).some((a) => a.principalId === USERS.alice && a.roleDefinitionId === ROLES.userAdmin)).toBe(true);

    // The same link again, as bob in the browser: refused with a clear page.
    await page.goBack();
    await page.reload();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Already decided');
    await page.screenshot({ path: join(SHOTS, '4-link-reused.png'), fullPage: true });
    await context.close();
  });
});
