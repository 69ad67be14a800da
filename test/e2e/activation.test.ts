import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { GROUPS, ROLES, USERS } from './demo';

let app: AppHost;
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string }; id?: string; status?: string; approvalId?: string };
  headers: Headers;
}

async function as(user: string, method: string, path: string, json?: unknown, mfa = true): Promise<Answer> {
  const token = await app.token(user, { mfa });
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

async function makeEligible(principalId: string, roleDefinitionId: string): Promise<void> {
  const res = await as('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
    action: 'adminAssign',
    principalId,
    roleDefinitionId,
    directoryScopeId: '/',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  expect(res.status).toBe(201);
}

const activation = (principalId: string, roleDefinitionId: string, duration = 'PT1H', extra: Record<string, unknown> = {}) => ({
  action: 'selfActivate',
  principalId,
  roleDefinitionId,
  directoryScopeId: '/',
  justification: 'Investigating incident 4711',
  scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration } },
  ...extra,
});

async function directoryHas(principalId: string, roleDefinitionId: string): Promise<boolean> {
  return (await app.graph.listAssignments()).some((a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId);
}

async function requestStatus(user: string, id: string): Promise<string | undefined> {
  return (await as(user, 'GET', `${REQUESTS}/${id}`)).body.status as string | undefined;
}

async function setApproval(role: string, approvers: unknown[]): Promise<void> {
  const res = await as('admin', 'PATCH', `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${role}/rules/Approval_EndUser_Assignment`, {
    '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
    setting: {
      isApprovalRequired: true,
      approvalStages: [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 0, primaryApprovers: approvers, escalationApprovers: [] }],
    },
  });
  expect(res.status).toBe(204);
}

describe('selfActivate without approval', () => {
  it('grants the role in the directory and shows the activation', async () => {
    await makeEligible(USERS.alice, ROLES.helpdesk);
    const res = await as('alice', 'POST', REQUESTS, activation(USERS.alice, ROLES.helpdesk));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('Granted');
    await eventually(async () => ((await directoryHas(USERS.alice, ROLES.helpdesk)) ? true : undefined));
    await eventually(async () => ((await requestStatus('alice', String(res.body.id))) === 'Provisioned' ? true : undefined));
    const instances = await as('alice', 'GET', "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')");
    expect((instances.body.value as Array<Record<string, unknown>>).find((i) => i.roleDefinitionId === ROLES.helpdesk)).toMatchObject({
      assignmentType: 'Activated',
      memberType: 'Direct',
    });
  });

  it('refuses what the policy does not allow, naming the rule, and changes nothing', async () => {
    await makeEligible(USERS.bob, ROLES.exchange);
    const short = await as('bob', 'POST', REQUESTS, activation(USERS.bob, ROLES.exchange, 'PT4M'));
    expect(short.body.error?.code).toBe('RoleAssignmentRequestPolicyValidationFailed');
    expect(short.body.error?.message).toMatch(/at least 5 minutes/);
    const long = await as('bob', 'POST', REQUESTS, activation(USERS.bob, ROLES.exchange, 'PT9H'));
    expect(long.body.error?.message).toMatch(/maximum of 8 hours \(PT8H\)/);
    const noReason = await as('bob', 'POST', REQUESTS, activation(USERS.bob, ROLES.exchange, 'PT1H', { justification: '' }));
    expect(noReason.body.error?.message).toMatch(/JustificationRule/);
    const tooLong = await as('bob', 'POST', REQUESTS, activation(USERS.bob, ROLES.exchange, 'PT1H', { justification: 'x'.repeat(501) }));
    expect(tooLong.status).toBe(400);
    const notEligible = await as('bob', 'POST', REQUESTS, activation(USERS.bob, ROLES.security));
    expect(notEligible.body.error?.code).toBe('RoleAssignmentRequestNotEligible');
    const forSomeoneElse = await as('bob', 'POST', REQUESTS, activation(USERS.alice, ROLES.exchange));
    expect(forSomeoneElse.status).toBe(403);
    expect(await directoryHas(USERS.bob, ROLES.exchange)).toBe(false);
  });

  it('asks for MFA with a claims challenge, then accepts the stepped-up token', async () => {
    const noMfa = await as('bob', 'POST', REQUESTS, activation(USERS.bob, ROLES.exchange), false);
    expect(noMfa.status).toBe(401);
    expect(noMfa.headers.get('www-authenticate')).toContain('error="insufficient_claims"');
    const withMfa = await as('bob', 'POST', REQUESTS, activation(USERS.bob, ROLES.exchange));
    expect(withMfa.status).toBe(201);
    const again = await as('bob', 'POST', REQUESTS, activation(USERS.bob, ROLES.exchange));
    expect(again.body.error?.code).toBe('RoleAssignmentExists');
  });

  it('of 50 concurrent activations of one role, exactly one goes through', async () => {
    await makeEligible(USERS.dave, ROLES.appAdmin);
    const results = await Promise.all(Array.from({ length: 50 }, () => as('dave', 'POST', REQUESTS, activation(USERS.dave, ROLES.appAdmin))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 201).every((r) => r.body.error?.code === 'RoleAssignmentExists')).toBe(true);
    await eventually(async () => ((await directoryHas(USERS.dave, ROLES.appAdmin)) ? true : undefined));
    expect((await app.graph.listAssignments()).filter((a) => a.principalId === USERS.dave && a.roleDefinitionId === ROLES.appAdmin)).toHaveLength(1);
  });

  it('ends on time: an admin shortens the activation and the role is removed at the new end', async () => {
    const end = new Date(Date.now() + 1_500).toISOString();
    const res = await as('admin', 'POST', REQUESTS, {
      action: 'adminUpdate',
      principalId: USERS.alice,
      roleDefinitionId: ROLES.helpdesk,
      directoryScopeId: '/',
      justification: 'Incident closed',
      scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: end } },
    });
    expect(res.status).toBe(201);
    await eventually(async () => (!(await directoryHas(USERS.alice, ROLES.helpdesk)) ? true : undefined), 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(end));
  });

  it('refuses selfDeactivate in the first 5 minutes, then deactivates at once', async () => {
    const early = await as('bob', 'POST', REQUESTS, { action: 'selfDeactivate', principalId: USERS.bob, roleDefinitionId: ROLES.exchange, directoryScopeId: '/' });
    expect(early.body.error?.code).toBe('ActiveDurationTooShort');
    // The clock port: the app sees six minutes later (the durable timers keep real time).
    const clock = deps().clock;
    deps().clock = { now: () => new Date(Date.now() + 6 * 60_000) };
    try {
      const late = await as('bob', 'POST', REQUESTS, { action: 'selfDeactivate', principalId: USERS.bob, roleDefinitionId: ROLES.exchange, directoryScopeId: '/' });
      expect(late.status).toBe(201);
      expect(late.body.status).toBe('Revoked');
    } finally {
      deps().clock = clock;
    }
    expect(await directoryHas(USERS.bob, ROLES.exchange)).toBe(false);
  });
});

describe('selfActivate with approval', () => {
  it('waits for an approver, who sees it, and grants once approved; a second decision is a 409 naming who decided', async () => {
    await setApproval(ROLES.userAdmin, [
      { '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob },
      { '@odata.type': '#microsoft.graph.groupMembers', groupId: GROUPS.approvers },
    ]);
    await makeEligible(USERS.carol, ROLES.userAdmin);
    const res = await as('carol', 'POST', REQUESTS, activation(USERS.carol, ROLES.userAdmin));
    expect(res.body.status).toBe('PendingApproval');
    expect(res.body.approvalId).toBe(res.body.id);

    const awaiting = await as('bob', 'GET', `${REQUESTS}/filterByCurrentUser(on='approver')`);
    expect((awaiting.body.value as Array<{ id: string }>).map((r) => r.id)).toContain(res.body.id);
    const approval = await as('bob', 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${res.body.approvalId}`);
    const step = (approval.body.steps as Array<{ id: string; assignedToMe: boolean; status: string }>)[0];
    expect(step).toMatchObject({ assignedToMe: true, status: 'InProgress' });
    const stepUrl = `/v1.0/roleManagement/directory/roleAssignmentApprovals/${res.body.approvalId}/steps/${step?.id}`;

    expect((await as('carol', 'PATCH', stepUrl, { reviewResult: 'Approve', justification: 'me' })).body.error?.code).toBe('SelfApprovalNotAllowed');
    expect((await as('dave', 'PATCH', stepUrl, { reviewResult: 'Approve', justification: 'x' })).status).toBe(404);
    expect((await as('bob', 'PATCH', stepUrl, { reviewResult: 'Approve' })).status).toBe(400);
    expect(await directoryHas(USERS.carol, ROLES.userAdmin)).toBe(false);

    expect((await as('bob', 'PATCH', stepUrl, { reviewResult: 'Approve', justification: 'Looks right' })).status).toBe(204);
    await eventually(async () => ((await directoryHas(USERS.carol, ROLES.userAdmin)) ? true : undefined));
    await eventually(async () => ((await requestStatus('carol', String(res.body.id))) === 'Provisioned' ? true : undefined));
    const second = await as('admin', 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${res.body.approvalId}`);
    expect(second.status).toBe(200);
    const conflict = await fetch(`${app.url}${stepUrl}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await app.token('bob', { mfa: true })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reviewResult: 'Deny', justification: 'changed my mind' }),
    });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { message: string } }).error.message).toMatch(/approved by Bob Baker/);
  });

  it('ends Denied when the approver denies, granting nothing', async () => {
    await setApproval(ROLES.security, [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }]);
    await makeEligible(USERS.alice, ROLES.security);
    const res = await as('alice', 'POST', REQUESTS, activation(USERS.alice, ROLES.security));
    const approval = await as('bob', 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${res.body.approvalId}`);
    const stepId = (approval.body.steps as Array<{ id: string }>)[0]?.id;
    expect((await as('bob', 'PATCH', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${res.body.approvalId}/steps/${stepId}`, { reviewResult: 'Deny', justification: 'Not on call' })).status).toBe(204);
    await eventually(async () => ((await requestStatus('alice', String(res.body.id))) === 'Denied' ? true : undefined));
    expect(await directoryHas(USERS.alice, ROLES.security)).toBe(false);
    const retry = await as('alice', 'POST', REQUESTS, activation(USERS.alice, ROLES.security));
    expect(retry.body.status).toBe('PendingApproval');
  });

  it('lets the requester cancel a pending request', async () => {
    const pending = await as('alice', 'GET', `${REQUESTS}/filterByCurrentUser(on='principal')`);
    const open = (pending.body.value as Array<{ id: string; status: string; roleDefinitionId: string }>).find((r) => r.status === 'PendingApproval' && r.roleDefinitionId === ROLES.security);
    expect(open).toBeDefined();
    expect((await as('bob', 'POST', `${REQUESTS}/${open?.id}/cancel`)).status).toBe(404);
    expect((await as('alice', 'POST', `${REQUESTS}/${open?.id}/cancel`)).status).toBe(204);
    expect(await requestStatus('alice', String(open?.id))).toBe('Canceled');
    expect((await as('alice', 'POST', `${REQUESTS}/${open?.id}/cancel`)).body.error?.code).toBe('RequestNotCancelable');
    expect(await directoryHas(USERS.alice, ROLES.security)).toBe(false);
  });
});

describe('races between the workflow and people', () => {
  it('an activation removed while it is being granted leaves nothing granted', async () => {
    const reader = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
    await makeEligible(USERS.dave, reader);
    for (let i = 0; i < 8; i++) {
      expect((await as('dave', 'POST', REQUESTS, activation(USERS.dave, reader))).status).toBe(201);
      // No wait: the removal races the workflow's grant.
      const removed = await as('admin', 'POST', REQUESTS, { action: 'adminRemove', principalId: USERS.dave, roleDefinitionId: reader, directoryScopeId: '/', justification: 'race' });
      expect(removed.status).toBe(201);
      await eventually(async () => (!(await directoryHas(USERS.dave, reader)) ? true : undefined), 10_000);
      await new Promise((r) => setTimeout(r, 150));
      expect(await directoryHas(USERS.dave, reader)).toBe(false);
    }
  });
});

describe('the reconcile timer', () => {
  it('records once a directory assignment PIM did not make, and leaves PIM\'s own alone', async () => {
    const globalAdmin = '62e90394-69f5-4237-9190-012177145e10';
    const made = await fetch(`${app.url}/.devhost/graph/v1.0/roleManagement/directory/roleAssignments`, {
      method: 'POST',
      body: JSON.stringify({ principalId: USERS.dave, roleDefinitionId: globalAdmin, directoryScopeId: '/' }),
    });
    const outside = (await made.json()) as { id: string };
    await app.reconcile();
    await app.reconcile();
    const alerts = await deps().alertRepository.incidents('RolesAssignedOutsidePimAlert');
    expect(alerts.filter((a) => a.id === outside.id)).toHaveLength(1);
    const pimGrants = (await app.graph.listAssignments()).filter((a) => a.id !== outside.id);
    expect(pimGrants.length).toBeGreaterThan(0);
    expect(alerts.some((a) => pimGrants.some((g) => g.id === a.id))).toBe(false);
  });

  it('ends an approval past its stage time limit as TimedOut', async () => {
    await setApproval(ROLES.appAdmin, [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }]);
    await makeEligible(USERS.carol, ROLES.appAdmin);
    const res = await as('carol', 'POST', REQUESTS, activation(USERS.carol, ROLES.appAdmin));
    expect(res.body.status).toBe('PendingApproval');
    // The clock port: the reconcile pass runs "two days later" (the stage allows one day).
    const clock = deps().clock;
    deps().clock = { now: () => new Date(Date.now() + 2 * 86_400_000) };
    try {
      await app.reconcile();
    } finally {
      deps().clock = clock;
    }
    expect(await requestStatus('carol', String(res.body.id))).toBe('TimedOut');
    const retry = await as('carol', 'POST', REQUESTS, activation(USERS.carol, ROLES.appAdmin));
    expect(retry.body.status).toBe('PendingApproval');
  });
});
