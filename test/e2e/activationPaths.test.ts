import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

let app: AppHost;
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

async function as(user: string, method: string, path: string, json?: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await app.token(user, { mfa: true })}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

const eligible = async (principalId: string, roleDefinitionId: string) =>
  expect(
    (
      await as('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
        action: 'adminAssign',
        principalId,
        roleDefinitionId,
        directoryScopeId: '/',
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
      })
    ).status,
  ).toBe(201);

const activate = (principalId: string, roleDefinitionId: string, startDateTime?: string) => ({
  action: 'selfActivate',
  principalId,
  roleDefinitionId,
  directoryScopeId: '/',
  justification: 'paths test',
  scheduleInfo: { startDateTime: startDateTime ?? null, expiration: { type: 'afterDuration', duration: 'PT1H' } },
});

const held = async (principalId: string, roleDefinitionId: string) =>
  (await app.graph.listAssignments()).some((a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId);
const statusOf = async (user: string, id: unknown) => (await as(user, 'GET', `${REQUESTS}/${String(id)}`)).body.status;

describe('activation paths', () => {
  it('waits for a future start before granting', async () => {
    await eligible(USERS.alice, ROLES.globalReader);
    const start = Date.now() + 1_500;
    const res = await as('alice', 'POST', REQUESTS, activate(USERS.alice, ROLES.globalReader, new Date(start).toISOString()));
    expect(res.body.status).toBe('Granted');
    await new Promise((r) => setTimeout(r, 500));
    expect(await held(USERS.alice, ROLES.globalReader)).toBe(false);
    await eventually(async () => ((await held(USERS.alice, ROLES.globalReader)) ? true : undefined), 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(start);
  });

  it('needs both stages of a two-stage approval', async () => {
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.privRole}/rules/Approval_EndUser_Assignment`;
    const stage = (userId: string) => ({ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: false, primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId }] });
    expect((await as('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [stage(USERS.bob), stage(USERS.carol)] } })).status).toBe(204);
    await eligible(USERS.dave, ROLES.privRole);
    const req = await as('dave', 'POST', REQUESTS, activate(USERS.dave, ROLES.privRole));
    const approvalUrl = `/v1.0/roleManagement/directory/roleAssignmentApprovals/${String(req.body.approvalId)}`;
    const steps = (await as('admin', 'GET', approvalUrl)).body.steps as Array<{ id: string; status: string }>;
    expect(steps.map((s) => s.status)).toEqual(['InProgress', 'NotStarted']);
    expect((await as('carol', 'PATCH', `${approvalUrl}/steps/${steps[1]?.id}`, { reviewResult: 'Approve' })).status).toBe(409);
    expect((await as('bob', 'PATCH', `${approvalUrl}/steps/${steps[0]?.id}`, { reviewResult: 'Approve' })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 400));
    expect(await held(USERS.dave, ROLES.privRole)).toBe(false);
    expect(await statusOf('dave', req.body.id)).toBe('PendingApproval');
    expect((await as('carol', 'PATCH', `${approvalUrl}/steps/${steps[1]?.id}`, { reviewResult: 'Approve' })).status).toBe(204);
    await eventually(async () => ((await held(USERS.dave, ROLES.privRole)) ? true : undefined));
  });

  it('ends Failed, with nothing granted, when the directory keeps refusing the grant', async () => {
    await eligible(USERS.bob, ROLES.security);
    await fetch(`${app.url}/.devhost/graph/faults`, {
      method: 'POST',
      body: JSON.stringify({ status: 503, count: 1000, retryAfterSeconds: 0, method: 'POST', pathContains: 'roleAssignments' }),
    });
    try {
      const res = await as('bob', 'POST', REQUESTS, activate(USERS.bob, ROLES.security));
      expect(res.status).toBe(201);
      await eventually(async () => ((await statusOf('bob', res.body.id)) === 'Failed' ? true : undefined), 40_000, 250);
    } finally {
      await fetch(`${app.url}/.devhost/graph/faults`, { method: 'DELETE' });
    }
    expect(await held(USERS.bob, ROLES.security)).toBe(false);
    const retry = await as('bob', 'POST', REQUESTS, activate(USERS.bob, ROLES.security));
    expect(retry.status).toBe(201);
    await eventually(async () => ((await held(USERS.bob, ROLES.security)) ? true : undefined));
  }, 60_000);

  it('leaves a role assigned outside PIM in place when an activation of it ends', async () => {
    await fetch(`${app.url}/.devhost/graph/v1.0/roleManagement/directory/roleAssignments`, {
      method: 'POST',
      body: JSON.stringify({ principalId: USERS.carol, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/' }),
    });
    await eligible(USERS.carol, ROLES.helpdesk);
    expect((await as('carol', 'POST', REQUESTS, activate(USERS.carol, ROLES.helpdesk))).status).toBe(201);
    await eventually(async () => {
      const mine = await as('carol', 'GET', "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')");
      return (mine.body.value as Array<{ roleDefinitionId: string }>).some((i) => i.roleDefinitionId === ROLES.helpdesk) ? true : undefined;
    });
    const removed = await as('admin', 'POST', REQUESTS, { action: 'adminRemove', principalId: USERS.carol, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'done' });
    expect(removed.body.status).toBe('Revoked');
    await new Promise((r) => setTimeout(r, 500));
    expect(await held(USERS.carol, ROLES.helpdesk)).toBe(true);
  });

  it('lets a holder ask to extend an assignment ending soon; an admin\'s extension answers it', async () => {
    const base = { principalId: USERS.alice, roleDefinitionId: ROLES.exchange, directoryScopeId: '/' };
    const end = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect((await as('admin', 'POST', REQUESTS, { action: 'adminAssign', ...base, justification: 'project', scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: end } } })).status).toBe(201);
    const ask = await as('alice', 'POST', REQUESTS, { action: 'selfExtend', ...base, justification: 'project runs late' });
    expect(ask.body.status).toBe('PendingAdminDecision');
    expect((await as('bob', 'POST', REQUESTS, { action: 'selfExtend', ...base, justification: 'x' })).status).toBe(403);
    const granted = await as('admin', 'POST', REQUESTS, { action: 'adminExtend', ...base, justification: 'approved', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } });
    expect(granted.status).toBe(201);
    expect(await statusOf('alice', ask.body.id)).toBe('Provisioned');
  });

  it('an eligibility at the tenant covers an administrative unit below it: activating there grants the role at that unit only', async () => {
    const unit = '/administrativeUnits/3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    await eligible(USERS.erin, ROLES.exchange);
    const res = await as('erin', 'POST', REQUESTS, { ...activate(USERS.erin, ROLES.exchange), directoryScopeId: unit });
    expect(res.status).toBe(201);
    expect(res.body.directoryScopeId).toBe(unit);
    await eventually(async () => ((await app.graph.listAssignments()).some((a) => a.principalId === USERS.erin && a.roleDefinitionId === ROLES.exchange && a.directoryScopeId === unit) ? true : undefined));
    // Least privilege: nothing at the tenant scope.
    expect((await app.graph.listAssignments()).some((a) => a.principalId === USERS.erin && a.roleDefinitionId === ROLES.exchange && a.directoryScopeId === '/')).toBe(false);
    // The other way round is not covered: eligible at the unit does not reach the tenant.
    await as('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      action: 'adminAssign', principalId: USERS.dave, roleDefinitionId: ROLES.exchange, directoryScopeId: unit, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    const refused = await as('dave', 'POST', REQUESTS, activate(USERS.dave, ROLES.exchange));
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe('RoleAssignmentRequestNotEligible');
  });
});
