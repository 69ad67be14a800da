import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppHost, startAppHost } from './appHost';
import { USERS } from './demo';
import { pendingApproval, submitLink } from './pendingApproval';

/** In Azure (the platform sets WEBSITE_SITE_NAME) with App Service authentication off. */
let app: AppHost;
const startupErrors: string[] = [];

beforeAll(async () => {
  process.env.WEBSITE_SITE_NAME = 'pim-prod';
  delete process.env.WEBSITE_AUTH_ENABLED;
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void startupErrors.push(args.map(String).join(' ')));
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
  vi.restoreAllMocks();
});

describe('the start-up guard in Azure without App Service authentication', () => {
  it('says so in the log at start-up and in /healthz', async () => {
    expect(startupErrors.join("\n")).toMatch(/PIM start-up check: App Service authentication is off/);
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { status: string; approvalLinks: { decisionsServed: boolean; reason?: string } };
    expect(health.status).toBe('Degraded');
    expect(health.approvalLinks.decisionsServed).toBe(false);
    expect(health.approvalLinks.reason).toMatch(/x-ms-client-principal-id.*could be forged/);
  });

  it('refuses a decision sent with a forged approver header, and the approval stays pending', async () => {
    const { requestId, linkFor } = await pendingApproval(app);
    const link = `${app.url}${linkFor(USERS.bob)}`;
    const page = await fetch(link);
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/Decisions on approval links are turned off here/);

    const forged = await submitLink(link, 'c', { decision: 'Approve', justification: 'I am bob, trust me' }, USERS.bob);
    expect(forged.status).toBe(503);
    const request = await app.api('alice', 'GET', `/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/${requestId}`);
    expect(request.body.status).toBe('PendingApproval');
    // The API (bearer tokens, not the header) still lets bob decide.
    const approval = await app.api('bob', 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${requestId}`);
    expect((approval.body.steps as Array<{ assignedToMe: boolean }>)[0]?.assignedToMe).toBe(true);
  });
});
