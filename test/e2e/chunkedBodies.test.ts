import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerCapabilities } from '../../devhost/core/registry';
import { postChunked } from '../devhost/httpSuite';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

/**
 * Bodies sent chunked (no Content-Length), as streaming HTTP clients send them. Without HTTP
 * streaming the Functions host would hand such a body to the function as empty (devhost does
 * the same: test/devhost/http.test.ts); the app turns streaming on, so the body arrives.
 */
let app: AppHost;

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

async function chunked(user: string, method: 'POST' | 'PATCH', path: string, json: unknown) {
  const text = JSON.stringify(json);
  const half = Math.floor(text.length / 2);
  const headers = { authorization: `Bearer ${await app.token(user, { mfa: true })}`, 'content-type': 'application/json' };
  const res = await postChunked(`${app.url}${path}`, [text.slice(0, half), text.slice(half)], headers, method);
  return { status: res.status, body: (res.text ? JSON.parse(res.text) : {}) as Record<string, unknown> };
}

describe('chunked request bodies', () => {
  it('the app asks the host for HTTP streaming, so the host forwards bodies however they are framed', async () => {
    expect((await workerCapabilities()).HttpUri).toMatch(/^http:\/\/localhost:\d+\/$/);
  });

  it('a chunked POST and a chunked PATCH are processed like any other', async () => {
    const eligibility = await chunked('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      action: 'adminAssign', principalId: USERS.carol, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'Sent in two chunks',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(eligibility.status).toBe(201);
    expect(eligibility.body).toMatchObject({ action: 'adminAssign', principalId: USERS.carol, justification: 'Sent in two chunks' });

    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.helpdesk}/rules/Expiration_EndUser_Assignment`;
    const patched = await chunked('admin', 'PATCH', rule, { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', isExpirationRequired: true, maximumDuration: 'PT3H' });
    expect(patched.status).toBe(204);
    expect((await app.api('admin', 'GET', rule)).body).toMatchObject({ maximumDuration: 'PT3H' });
  });

  it('the body limit still holds on a chunked body (413), and an empty chunked body is read as no body', async () => {
    const tooBig = await chunked('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', { justification: 'x'.repeat(1024 * 1024 + 10) });
    expect(tooBig.status).toBe(413);
    expect((tooBig.body.error as { code: string }).code).toBe('RequestEntityTooLarge');
    const empty = await postChunked(`${app.url}/v1.0/roleManagement/directory/roleEligibilityScheduleRequests`, [], { authorization: `Bearer ${await app.token('admin', { mfa: true })}`, 'content-type': 'application/json' });
    expect(empty.status).toBe(400);
  });
});
