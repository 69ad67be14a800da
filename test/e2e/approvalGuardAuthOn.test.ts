import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost } from './appHost';
import { USERS } from './demo';
import { pendingApproval, submitLink } from './pendingApproval';

/** In Azure (WEBSITE_SITE_NAME) with App Service authentication on (WEBSITE_AUTH_ENABLED=True, as the platform sets it). */
let app: AppHost;

beforeAll(async () => {
  process.env.WEBSITE_SITE_NAME = 'pim-prod';
  process.env.WEBSITE_AUTH_ENABLED = 'True';
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

describe('approval links in Azure with App Service authentication on', () => {
  it('report healthy, send a signed-out approver to sign in and back, and take the signed-in approver\'s decision', async () => {
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { approvalLinks: { decisionsServed: boolean } };
    expect(health.approvalLinks.decisionsServed).toBe(true);

    const { requestId, linkFor } = await pendingApproval(app);
    const path = linkFor(USERS.bob);
    const signedOut = await fetch(`${app.url}${path}`, { redirect: 'manual' });
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('location')).toBe(`/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(path)}`);

    const page = await fetch(`${app.url}${path}`, { headers: { 'x-ms-client-principal-id': USERS.bob } });
    expect(page.status).toBe(200);
    const csrf = /pim_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const done = await submitLink(`${app.url}${path}`, csrf, { decision: 'Approve', justification: 'On call' }, USERS.bob);
    expect(done.status).toBe(200);
    await eventually(async () => {
      const request = await app.api('alice', 'GET', `/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/${requestId}`);
      return request.body.status === 'Provisioned' ? true : undefined;
    }, 20_000, 200);
  });
});
