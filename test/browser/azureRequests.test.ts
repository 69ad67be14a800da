import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../devhost/helpers';
import { type AppHost } from '../e2e/appHost';
import { AZURE_ROLE, demoSubscriptions } from '../e2e/armStandIn';
import { armAs, makeAzureEligible, requireAzureApproval } from '../e2e/azureSetup';
import { USERS } from '../e2e/demo';
import { expectAccessible } from './accessibility';
import { useBrowserSuite } from './browserSuite';

const SHOTS = resolve(__dirname, '../../test-results/screenshots/portal-azure-requests');
const PIM = 'api-version=2020-10-01';

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

async function signedIn(name: string, page: string): Promise<Page> {
  const tab = await (await browser.newContext()).newPage();
  await tab.goto(`${app.url}/`);
  await tab.getByRole('button', { name: `Sign in as ${name}` }).click();
  await tab.getByRole('heading', { name: 'My roles', level: 1 }).waitFor();
  await tab.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: page }).click();
  await tab.getByRole('heading', { name: page, level: 1 }).waitFor();
  return tab;
}

describe('Azure resource role requests in My requests and Approve requests', () => {
  it('carol cancels one pending Azure activation from My requests; bob approves the next from Approve requests; both show as past', async () => {
    const base = process.env.PIM_ARM_BASE_URL ?? '';
    const [tree] = await demoSubscriptions(base);
    const roleDefinitionId = `${tree.sub}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLE.reader}`;
    await requireAzureApproval(app, tree.otherRg, roleDefinitionId, USERS.bob);
    await makeAzureEligible(app, tree.otherRg, USERS.carol, roleDefinitionId);
    const activate = async (justification: string) => {
      const name = randomUUID();
      const created = await armAs(app, 'carol', 'PUT', `${tree.otherRg}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/${name}?${PIM}`, {
        properties: { principalId: USERS.carol, roleDefinitionId, requestType: 'SelfActivate', justification, scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'AfterDuration', endDateTime: null, duration: 'PT1H' } } },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect((created.body.properties as { status: string }).status).toBe('PendingApproval');
      return name;
    };

    const first = await activate('Read the cost report');
    const carol = await signedIn('Carol Chen', 'My requests');
    const pending = carol.getByRole('region', { name: 'Pending requests' });
    await pending.getByRole('row').filter({ hasText: 'Reader' }).filter({ hasText: 'PendingApproval' }).waitFor();
    await carol.getByRole('button', { name: 'Cancel request for Reader' }).click();
    await carol.getByRole('status').filter({ hasText: 'Your request for Reader was canceled.' }).waitFor();
    const canceled = await armAs(app, 'carol', 'GET', `${tree.otherRg}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/${first}?${PIM}`);
    expect((canceled.body.properties as { status: string }).status).toBe('Canceled');

    const second = await activate('Audit the storage accounts');
    const bob = await signedIn('Bob Baker', 'Approve requests');
    const card = bob.getByRole('article', { name: 'Carol Chen requests Reader' });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.textContent()).toContain('Audit the storage accounts');
    await expectAccessible(bob, 'Approve requests with an Azure role request');
    await bob.screenshot({ path: join(SHOTS, 'approve-azure.png'), fullPage: true });
    await card.getByRole('checkbox').check();
    await bob.getByLabel(/Justification for your decision/).fill('Audit week');
    await bob.getByRole('button', { name: 'Approve selected' }).click();
    await bob.getByRole('status').filter({ hasText: 'You approved 1 request.' }).waitFor();
    await eventually(async () => {
      const request = await armAs(app, 'carol', 'GET', `${tree.otherRg}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/${second}?${PIM}`);
      return (request.body.properties as { status: string }).status === 'Provisioned' ? true : undefined;
    }, 20_000, 200);

    await carol.reload();
    await carol.getByRole('heading', { name: 'My requests', level: 1 }).waitFor();
    const past = carol.getByRole('region', { name: 'Past requests' });
    await past.getByRole('row').filter({ hasText: 'Audit the storage accounts' }).filter({ hasText: 'Provisioned' }).waitFor();
    await past.getByRole('row').filter({ hasText: 'Read the cost report' }).filter({ hasText: 'Canceled' }).waitFor();
    await expectAccessible(carol, 'My requests with Azure role requests');
    await carol.screenshot({ path: join(SHOTS, 'my-requests-azure.png'), fullPage: true });
  }, 180_000);
});
