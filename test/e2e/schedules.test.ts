import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { testStorage } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

let app: AppHost;
const ELIGIBILITY = '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests';
const ASSIGNMENT = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

interface Req {
  id: string;
  status: string;
  action: string;
  targetScheduleId: string;
  scheduleInfo: { startDateTime: string; expiration: { type: string; endDateTime: string | null } };
}
interface GraphError {
  error: { code: string; message: string };
}

async function post(user: string, path: string, json: unknown): Promise<{ status: number; body: Req & GraphError }> {
  const res = await app.call(user, path, { method: 'POST', json });
  return { status: res.status, body: (await res.json()) as Req & GraphError };
}

async function list<T>(user: string, path: string): Promise<T[]> {
  const res = await app.call(user, path);
  expect(res.status, path).toBe(200);
  return ((await res.json()) as { value: T[] }).value;
}

async function directoryHas(principalId: string, roleDefinitionId: string): Promise<boolean> {
  return (await app.graph.listAssignments()).some((a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId);
}

describe('eligible assignments', () => {
  it('accepts the adminAssign body from Graph\'s documentation (dates moved into the future)', async () => {
    const { status, body } = await post('admin', ELIGIBILITY, {
      action: 'adminAssign',
      justification: 'Assign Attribute Assignment Admin eligibility to restricted user',
      roleDefinitionId: ROLES.globalReader,
      directoryScopeId: '/',
      principalId: USERS.alice,
      scheduleInfo: { startDateTime: inDays(0), expiration: { type: 'AfterDateTime', endDateTime: inDays(200) } },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ action: 'adminAssign', status: 'Provisioned', scheduleInfo: { expiration: { type: 'afterDateTime' } } });

    const schedules = await list<{ id: string; principalId: string; status: string; memberType: string }>('admin', '/v1.0/roleManagement/directory/roleEligibilitySchedules');
    expect(schedules.find((s) => s.id === body.targetScheduleId)).toMatchObject({ principalId: USERS.alice, status: 'Provisioned', memberType: 'Direct' });
    const mine = await list<{ roleEligibilityScheduleId: string }>('alice', "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')");
    expect(mine.map((i) => i.roleEligibilityScheduleId)).toContain(body.targetScheduleId);
  });

  it('shows people only their own requests and schedules; another user\'s is a 404', async () => {
    const { body } = await post('admin', ELIGIBILITY, {
      action: 'adminAssign',
      principalId: USERS.carol,
      roleDefinitionId: ROLES.helpdesk,
      directoryScopeId: '/',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    const bobsView = await list<{ principalId: string }>('bob', '/v1.0/roleManagement/directory/roleEligibilitySchedules');
    expect(bobsView.every((s) => s.principalId === USERS.bob)).toBe(true);
    expect((await app.call('bob', `${ELIGIBILITY}/${body.id}`)).status).toBe(404);
    expect((await app.call('bob', `/v1.0/roleManagement/directory/roleEligibilitySchedules/${body.targetScheduleId}`)).status).toBe(404);
    expect((await app.call('carol', `${ELIGIBILITY}/${body.id}`)).status).toBe(200);
    expect((await app.call('erin', `${ELIGIBILITY}/${body.id}`)).status).toBe(200);
  });

  it('refuses a second eligibility for the same role and scope, and non-admins (403)', async () => {
    const assign = { action: 'adminAssign', principalId: USERS.dave, roleDefinitionId: ROLES.exchange, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P10D' } } };
    const results = await Promise.all(Array.from({ length: 8 }, () => post('admin', ELIGIBILITY, assign)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('RoleAssignmentExists');
    }
    const denied = await post('alice', ELIGIBILITY, { ...assign, principalId: USERS.alice });
    expect(denied.status).toBe(403);
  });

  it('checks scheduleInfo against the policy: no permanent eligibility when expiry is required, no longer than the maximum', async () => {
    const policy = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.security}/rules/Expiration_Admin_Eligibility`;
    expect((await app.call('admin', policy, { method: 'PATCH', json: { isExpirationRequired: true, maximumDuration: 'P90D' } })).status).toBe(204);
    const base = { action: 'adminAssign', principalId: USERS.bob, roleDefinitionId: ROLES.security, directoryScopeId: '/' };
    const permanent = await post('admin', ELIGIBILITY, { ...base, scheduleInfo: { expiration: { type: 'noExpiration' } } });
    expect(permanent.status).toBe(400);
    expect(permanent.body.error.message).toMatch(/does not allow permanent eligible assignments/);
    const tooLong = await post('admin', ELIGIBILITY, { ...base, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P91D' } } });
    expect(tooLong.body.error.message).toMatch(/longer than the policy's maximum of 90 days/);
    const badScope = await post('admin', ELIGIBILITY, { ...base, directoryScopeId: 'everything', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P9D' } } });
    expect(badScope.body.error.message).toMatch(/directoryScopeId 'everything' is not a scope/);
    const unknownRole = await post('admin', ELIGIBILITY, { ...base, roleDefinitionId: '00000000-0000-0000-0000-000000000000' });
    expect(unknownRole.body.error.code).toBe('InvalidRoleDefinition');
    const badAction = await post('admin', ELIGIBILITY, { ...base, action: 'grantEverything' });
    expect(badAction.body.error.message).toMatch(/action must be one of adminAssign/);
    const ok = await post('admin', ELIGIBILITY, { ...base, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P90D' } } });
    expect(ok.status).toBe(201);
  });

  it('asks for a ticket where the admin-side policy requires one', async () => {
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.privRole}/rules/Enablement_Admin_Eligibility`;
    expect((await app.call('admin', rule, { method: 'PATCH', json: { enabledRules: ['Justification', 'Ticketing'] } })).status).toBe(204);
    const base = { action: 'adminAssign', principalId: USERS.dave, roleDefinitionId: ROLES.privRole, directoryScopeId: '/', justification: 'Change 42' };
    const missing = await post('admin', ELIGIBILITY, base);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/Ticketing/);
    const ok = await post('admin', ELIGIBILITY, { ...base, ticketInfo: { ticketNumber: 'CHG-42', ticketSystem: 'ServiceNow' } });
    expect(ok.status).toBe(201);
  });

  it('lets the holder drop their own eligibility (selfDeactivate), but not someone else\'s', async () => {
    await post('admin', ELIGIBILITY, { action: 'adminAssign', principalId: USERS.bob, roleDefinitionId: ROLES.appAdmin, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } });
    const drop = { action: 'selfDeactivate', principalId: USERS.bob, roleDefinitionId: ROLES.appAdmin, directoryScopeId: '/' };
    expect((await post('alice', ELIGIBILITY, drop)).status).toBe(403);
    const res = await post('bob', ELIGIBILITY, drop);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('Revoked');
    const bobs = await list<{ roleDefinitionId: string }>('bob', "/v1.0/roleManagement/directory/roleEligibilitySchedules/filterByCurrentUser(on='principal')");
    expect(bobs.some((s) => s.roleDefinitionId === ROLES.appAdmin)).toBe(false);
    expect((await post('bob', ELIGIBILITY, drop)).body.error.code).toBe('RoleAssignmentDoesNotExist');
  });

  it('ends an eligibility by itself at its end, audited', async () => {
    const end = new Date(Date.now() + 1_500).toISOString();
    const { body } = await post('admin', ELIGIBILITY, {
      action: 'adminAssign',
      principalId: USERS.dave,
      roleDefinitionId: ROLES.userAdmin,
      directoryScopeId: '/',
      scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: end } },
    });
    await new Promise((r) => setTimeout(r, 1_700));
    await app.reconcile();
    const daves = await list<{ id: string }>('dave', '/v1.0/roleManagement/directory/roleEligibilitySchedules');
    expect(daves.some((s) => s.id === body.targetScheduleId)).toBe(false);
    const audit = await tableAuditLog(new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX))).list();
    expect(audit.some((a) => a.activityDisplayName.includes('expired') && a.additionalDetails.some((d) => d.value === body.targetScheduleId))).toBe(true);
  });
});

describe('active assignments by admins', () => {
  it('takes effect in the directory at once and is removed by adminRemove', async () => {
    const assign = await post('admin', ASSIGNMENT, {
      action: 'adminAssign',
      justification: 'On-call week',
      principalId: USERS.carol,
      roleDefinitionId: ROLES.privRole,
      directoryScopeId: '/',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P7D' } },
    });
    expect(assign.status).toBe(201);
    expect(assign.body.status).toBe('Provisioned');
    expect(await directoryHas(USERS.carol, ROLES.privRole)).toBe(true);
    const instances = await list<{ assignmentType: string; roleAssignmentOriginId: string }>('carol', "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')");
    expect(instances[0]).toMatchObject({ assignmentType: 'Assigned' });
    expect(instances[0]?.roleAssignmentOriginId).toBeTruthy();

    const removed = await post('admin', ASSIGNMENT, { action: 'adminRemove', principalId: USERS.carol, roleDefinitionId: ROLES.privRole, directoryScopeId: '/' });
    expect(removed.body.status).toBe('Revoked');
    expect(await directoryHas(USERS.carol, ROLES.privRole)).toBe(false);
  });

  it('requires the justification the policy asks for, and changes nothing when it is missing', async () => {
    const res = await post('admin', ASSIGNMENT, {
      action: 'adminAssign',
      principalId: USERS.dave,
      roleDefinitionId: ROLES.privRole,
      directoryScopeId: '/',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P1D' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'RoleAssignmentRequestPolicyValidationFailed' });
    expect(res.body.error.message).toMatch(/Justification/);
    expect(await directoryHas(USERS.dave, ROLES.privRole)).toBe(false);
  });

  it('asks for MFA with a claims challenge when the policy requires it', async () => {
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.exchange}/rules/Enablement_Admin_Assignment`;
    expect((await app.call('admin', rule, { method: 'PATCH', json: { enabledRules: ['Justification', 'MultiFactorAuthentication'] } })).status).toBe(204);
    const body = { action: 'adminAssign', justification: 'x', principalId: USERS.bob, roleDefinitionId: ROLES.exchange, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P1D' } } };
    const res = await app.call('admin', ASSIGNMENT, { method: 'POST', json: body });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_claims"');
    const claims = /claims="([^"]+)"/.exec(challenge)?.[1] ?? '';
    expect(JSON.parse(Buffer.from(claims, 'base64').toString())).toEqual({ access_token: { amr: { values: ['mfa'] } } });
    const stepped = await fetch(`${app.url}${ASSIGNMENT}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await app.token('admin', { mfa: true })}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(stepped.status).toBe(201);
  });

  it('grants a future-start assignment at its start and revokes it at its end (reconcile timer)', async () => {
    const start = new Date(Date.now() + 1_000);
    const end = new Date(Date.now() + 2_500);
    const res = await post('admin', ASSIGNMENT, {
      action: 'adminAssign',
      justification: 'Short window',
      principalId: USERS.alice,
      roleDefinitionId: ROLES.helpdesk,
      directoryScopeId: '/',
      scheduleInfo: { startDateTime: start.toISOString(), expiration: { type: 'afterDateTime', endDateTime: end.toISOString() } },
    });
    expect(res.body.status).toBe('ScheduleCreated');
    await app.reconcile();
    expect(await directoryHas(USERS.alice, ROLES.helpdesk)).toBe(false);
    await new Promise((r) => setTimeout(r, start.getTime() - Date.now() + 100));
    await app.reconcile();
    expect(await directoryHas(USERS.alice, ROLES.helpdesk)).toBe(true);
    await new Promise((r) => setTimeout(r, end.getTime() - Date.now() + 100));
    await app.reconcile();
    expect(await directoryHas(USERS.alice, ROLES.helpdesk)).toBe(false);
  });

  it('grants through Graph throttling (429 with Retry-After) without a visible error', async () => {
    await fetch(`${app.url}/.devhost/graph/faults`, {
      method: 'POST',
      body: JSON.stringify({ status: 429, count: 2, retryAfterSeconds: 0, pathContains: 'roleAssignments' }),
    });
    const res = await post('admin', ASSIGNMENT, {
      action: 'adminAssign',
      justification: 'Through throttling',
      principalId: USERS.bob,
      roleDefinitionId: ROLES.globalReader,
      directoryScopeId: '/',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P1D' } },
    });
    expect(res.body.status).toBe('Provisioned');
    expect(await directoryHas(USERS.bob, ROLES.globalReader)).toBe(true);
    const faults = (await (await fetch(`${app.url}/.devhost/graph/faults`)).json()) as { injected: number };
    expect(faults.injected).toBeGreaterThanOrEqual(2);
  });
});
