import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, testStorage, uniquePrefix } from '../devhost/helpers';
import { freePort, killAllDevHosts, type ProcessHost, spawnDevHost } from '../devhost/processHost';
import { TENANT_ID } from './appHost';
import { AZURE_ROLE, demoSubscriptions, roleAssignmentsOf } from './armStandIn';

afterEach(killAllDevHosts);

const HELPDESK = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const ALICE = '73b0040d-6875-43f0-b197-2aeff3c6b91d';
const BOB = '375306f3-8c15-476d-9f9d-01dc542d1672';

/** The whole app in its own devhost process, as `npm start` runs it, on the shared test storage. */
async function appSettings() {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  return {
    DEVHOST_PORT: String(port),
    DEVHOST_STORAGE: testStorage(),
    DEVHOST_DATA_DIR: mkdtempSync(join(tmpdir(), 'pim-restart-')),
    DEVHOST_TABLE_PREFIX: uniquePrefix('D'),
    PIM_TABLE_PREFIX: uniquePrefix('P'),
    PIM_TENANT_ID: TENANT_ID,
    PIM_OIDC_ISSUER: `${url}/${TENANT_ID}/v2.0`,
    PIM_GRAPH_BASE_URL: `${url}/.devhost/graph`,
    // Its own ARM stand-in: devhost would otherwise take local.settings(.sample).json's, on port 7071.
    PIM_ARM_BASE_URL: `${url}/.devhost/arm`,
    PIM_SERVICEBUS_CONNECTION: `${url}/.devhost/servicebus`,
    PIM_PUBLIC_BASE_URL: url,
    PIM_RECONCILE_SCHEDULE: '0 0 0 1 1 *',
  };
}

/** A call to the app as `user` (MFA done); `audience: 'arm'` for the ARM surface. */
async function call(host: ProcessHost, user: string, method: string, path: string, json?: unknown, audience?: 'arm') {
  const tokenRes = await fetch(`${host.url}/.devhost/token`, { method: 'POST', body: JSON.stringify({ user, mfa: true, audience }) });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  const res = await fetch(`${host.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

async function granted(host: ProcessHost, principalId: string, roleDefinitionId: string): Promise<boolean> {
  const res = await fetch(`${host.url}/.devhost/graph/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '${principalId}'`);
  const { value } = (await res.json()) as { value: Array<{ roleDefinitionId: string }> };
  return value.some((a) => a.roleDefinitionId === roleDefinitionId);
}

const eligible = (principalId: string, roleDefinitionId: string) => ({
  action: 'adminAssign',
  principalId,
  roleDefinitionId,
  directoryScopeId: '/',
  scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
});
const activate = (principalId: string, roleDefinitionId: string) => ({
  action: 'selfActivate',
  principalId,
  roleDefinitionId,
  directoryScopeId: '/',
  justification: 'restart test',
  scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
});
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
const ELIGIBILITY = '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests';

describe('activations across a devhost crash (SIGKILL) and restart', () => {
  it('an activation waiting for approval is granted when approved after the restart', async () => {
    const env = await appSettings();
    const first = await spawnDevHost(env);
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${USER_ADMIN}/rules/Approval_EndUser_Assignment`;
    expect((await call(first, 'admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: BOB }] }] } })).status).toBe(204);
    expect((await call(first, 'admin', 'POST', ELIGIBILITY, eligible(ALICE, USER_ADMIN))).status).toBe(201);
    const request = await call(first, 'alice', 'POST', REQUESTS, activate(ALICE, USER_ADMIN));
    expect(request.body.status).toBe('PendingApproval');

    first.child.kill('SIGKILL');
    await first.exited;
    const second = await spawnDevHost(env);

    const approval = await call(second, 'bob', 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${request.body.approvalId}`);
    const stepId = (approval.body.steps as Array<{ id: string }>)[0]?.id;
    const decided = await call(second, 'bob', 'PATCH', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${request.body.approvalId}/steps/${stepId}`, {
      reviewResult: 'Approve',
      justification: 'ok after restart',
    });
    expect(decided.status).toBe(204);
    await eventually(async () => ((await granted(second, ALICE, USER_ADMIN)) ? true : undefined), 15_000);
  }, 60_000);

  it('an active activation still ends on time when its end passes while devhost is down', async () => {
    const env = await appSettings();
    const first = await spawnDevHost(env);
    expect((await call(first, 'admin', 'POST', ELIGIBILITY, eligible(ALICE, HELPDESK))).status).toBe(201);
    expect((await call(first, 'alice', 'POST', REQUESTS, activate(ALICE, HELPDESK))).status).toBe(201);
    await eventually(async () => ((await granted(first, ALICE, HELPDESK)) ? true : undefined));
    const end = Date.now() + 2_000;
    const shortened = await call(first, 'admin', 'POST', REQUESTS, {
      action: 'adminUpdate',
      principalId: ALICE,
      roleDefinitionId: HELPDESK,
      directoryScopeId: '/',
      justification: 'wrap up',
      scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: new Date(end).toISOString() } },
    });
    expect(shortened.status).toBe(201);
    await new Promise((r) => setTimeout(r, 300));

    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now()) + 500));
    const second = await spawnDevHost(env);
    await eventually(async () => (!(await granted(second, ALICE, HELPDESK)) ? true : undefined), 15_000);
    expect(Date.now()).toBeGreaterThan(end);
  }, 60_000);

  it('an active group membership still ends on time when its end passes while devhost is down', async () => {
    const env = await appSettings();
    const first = await spawnDevHost(env);
    const directory = (await (await fetch(`${first.url}/.devhost/directory`)).json()) as { groups: Array<{ id: string; displayName: string }> };
    const group = directory.groups.find((g) => g.displayName === 'Finance Approvers')?.id;
    if (!group) throw new Error('The demo directory has no Finance Approvers group.');
    const members = async (host: ProcessHost) => {
      const res = await fetch(`${host.url}/.devhost/graph/v1.0/groups/${group}/members`);
      return ((await res.json()) as { value: Array<{ id: string }> }).value.map((m) => m.id);
    };
    const GROUP_BASE = '/v1.0/identityGovernance/privilegedAccess/group';
    const body = { accessId: 'member', principalId: ALICE, groupId: group, justification: 'restart test' };
    const eligibility = await call(first, 'admin', 'POST', `${GROUP_BASE}/eligibilityScheduleRequests`, { ...body, action: 'adminAssign', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } });
    expect(eligibility.status).toBe(201);
    const activated = await call(first, 'alice', 'POST', `${GROUP_BASE}/assignmentScheduleRequests`, { ...body, action: 'selfActivate', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } } });
    expect(activated.status).toBe(201);
    await eventually(async () => ((await members(first)).includes(ALICE) ? true : undefined));
    const end = Date.now() + 2_000;
    const shortened = await call(first, 'admin', 'POST', `${GROUP_BASE}/assignmentScheduleRequests`, {
      ...body,
      action: 'adminUpdate',
      justification: 'wrap up',
      scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: new Date(end).toISOString() } },
    });
    expect(shortened.status).toBe(201);
    await new Promise((r) => setTimeout(r, 300));

    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now()) + 500));
    const second = await spawnDevHost(env);
    await eventually(async () => (!(await members(second)).includes(ALICE) ? true : undefined), 15_000);
    expect(Date.now()).toBeGreaterThan(end);
  }, 60_000);

  it('an active Azure role assignment still ends on time when its end passes while devhost is down', async () => {
    const env = await appSettings();
    const first = await spawnDevHost(env);
    const { sub, rg } = (await demoSubscriptions(`${first.url}/.devhost/arm`))[0];
    const owner = `${sub}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLE.owner}`;
    /** A schedule request for alice's Owner through the ARM surface (an eligibility for AdminAssign, else an assignment). */
    const request = (host: ProcessHost, user: string, scope: string, properties: Record<string, unknown>) =>
      call(
        host,
        user,
        'PUT',
        `${scope}/providers/Microsoft.Authorization/${properties.requestType === 'AdminAssign' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}/${randomUUID()}?api-version=2020-10-01`,
        { properties: { principalId: ALICE, roleDefinitionId: owner, justification: 'restart test', ...properties } },
        'arm',
      );
    /** Whether the host's ARM stand-in has Owner for alice at the resource group. */
    const ownerAtRg = async (host: ProcessHost) => (await roleAssignmentsOf(`${host.url}/.devhost/arm`, ALICE, rg)).some((a) => a.scope === rg.toLowerCase() && a.role === AZURE_ROLE.owner);

    // alice, eligible as Owner at the subscription, activates Owner at one of its resource groups.
    expect((await request(first, 'admin', sub, { requestType: 'AdminAssign', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P30D' } } })).status).toBe(201);
    expect((await request(first, 'alice', rg, { requestType: 'SelfActivate', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT1H' } } })).status).toBe(201);
    await eventually(async () => ((await ownerAtRg(first)) ? true : undefined));
    const end = Date.now() + 2_000;
    const shortened = await request(first, 'admin', rg, { requestType: 'AdminUpdate', justification: 'wrap up', scheduleInfo: { expiration: { type: 'AfterDateTime', endDateTime: new Date(end).toISOString() } } });
    expect(shortened.status, JSON.stringify(shortened.body)).toBe(201);
    await new Promise((r) => setTimeout(r, 300));
    // Shortened, not ended: the assignment is still in Azure when devhost dies.
    expect(await ownerAtRg(first)).toBe(true);

    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now()) + 500));
    const second = await spawnDevHost(env);
    await eventually(async () => (!(await ownerAtRg(second)) ? true : undefined), 15_000);
    expect(Date.now()).toBeGreaterThan(end);
  }, 60_000);
});
