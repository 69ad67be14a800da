import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import type { DomainEvent } from '../../shared/domain/events';
import { eventually, testStorage } from '../devhost/helpers';
import { capturePublished, startAppHost, type ApiResult, type AppHost } from './appHost';
import { ROLES, USERS } from './demo';

/**
 * What a script written from Microsoft's reference pages finds here, page by page: $expand of
 * every relationship Graph documents on schedule requests, schedules and instances (with the
 * reference's own example queries), GET of an instance by id, cancel of eligibility and
 * assignment requests, role definitions with all their properties and inheritsPermissionsFrom,
 * and @odata.type where Graph writes it. Directory roles first, then PIM for Groups.
 */
let app: AppHost;
const ROLE = '/v1.0/roleManagement/directory';
const ELIGIBILITY = `${ROLE}/roleEligibilityScheduleRequests`;
const ASSIGNMENT = `${ROLE}/roleAssignmentScheduleRequests`;
const DIRECTORY_READERS = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';
const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

/** Every event the app publishes, captured on its way to the bus. */
const published: DomainEvent[] = [];

beforeAll(async () => {
  app = await startAppHost();
  await capturePublished(published);
});

afterAll(async () => {
  await app?.host.stop();
});

type Json = Record<string, unknown>;
const api = (user: string, method: string, path: string, json?: unknown) => app.api(user, method, path, json);
const get = (user: string, path: string) => app.api(user, 'GET', path);
const valueOf = (res: ApiResult) => res.body.value as Json[];

async function created(user: string, path: string, body: Json): Promise<Json & { id: string; targetScheduleId: string; status: string }> {
  const res = await api(user, 'POST', path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Json & { id: string; targetScheduleId: string; status: string };
}

const roleBody = (action: string, principalId: string, roleDefinitionId: string, scheduleInfo?: Json, extra: Json = {}) => ({
  action,
  principalId,
  roleDefinitionId,
  directoryScopeId: '/',
  justification: 'Graph completeness',
  ...(scheduleInfo ? { scheduleInfo } : {}),
  ...extra,
});
const forDays = (days: number, startDateTime?: string) => ({ ...(startDateTime ? { startDateTime } : {}), expiration: { type: 'afterDuration', duration: `P${days}D` } });

/** A Graph error: the status, a stable code, a message, and the request id Graph puts in innerError. */
function expectGraphError(res: ApiResult, status: number, code: string): string {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error?.code).toBe(code);
  expect((res.body.error as { innerError?: Json } | undefined)?.innerError?.['request-id']).toBeTruthy();
  return res.body.error?.message ?? '';
}

/** Counts the app's directory reads while `work` runs. */
async function countingDirectoryReads<T>(work: () => Promise<T>): Promise<{ result: T; reads: string[] }> {
  const directory = deps().directory;
  const { getPrincipal, getRoleDefinition } = directory;
  const reads: string[] = [];
  directory.getPrincipal = (id) => {
    reads.push(`principal:${id}`);
    return getPrincipal.call(directory, id);
  };
  directory.getRoleDefinition = (id) => {
    reads.push(`role:${id}`);
    return getRoleDefinition.call(directory, id);
  };
  try {
    return { result: await work(), reads };
  } finally {
    Object.assign(directory, { getPrincipal, getRoleDefinition });
  }
}

/**
 * Waits until the app reads nothing from the directory for a moment: the mail and webhook
 * consumers of earlier events read principals in the background, which would blur a count.
 */
async function directoryQuiet(): Promise<void> {
  await eventually(async () => ((await countingDirectoryReads(() => new Promise((r) => setTimeout(r, 300)))).reads.length === 0 ? true : undefined));
}

async function activated(user: string, principalId: string, roleDefinitionId: string): Promise<Json & { id: string; targetScheduleId: string }> {
  const request = await created(user, ASSIGNMENT, roleBody('selfActivate', principalId, roleDefinitionId, { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'PT1H' } }));
  // Granted at once (no approval by default), provisioned once the workflow's grant lands.
  await eventually(async () => ((await get(user, `${ASSIGNMENT}/${request.id}`)).body.status === 'Provisioned' ? true : undefined));
  return request;
}

describe('$expand on directory role requests, schedules and instances', () => {
  let eligibility: Json & { id: string; targetScheduleId: string };
  let activation: Json & { id: string; targetScheduleId: string };
  let assigned: Json & { id: string; targetScheduleId: string };

  beforeAll(async () => {
    eligibility = await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.alice, ROLES.globalReader, forDays(30)));
    activation = await activated('alice', USERS.alice, ROLES.globalReader);
    assigned = await created('admin', ASSIGNMENT, roleBody('adminAssign', USERS.bob, ROLES.exchange, forDays(1)));
  });

  it("answers the reference's example: $select=principalId,action,roleDefinitionId&$expand=roleDefinition,activatedUsing,principal,targetSchedule", async () => {
    const res = await get('admin', `${ASSIGNMENT}?$select=principalId,action,roleDefinitionId&$expand=roleDefinition,activatedUsing,principal,targetSchedule`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const items = valueOf(res);
    const alices = items.find((r) => r.id === activation.id);
    expect(Object.keys(alices ?? {}).sort()).toEqual(['@odata.type', 'action', 'activatedUsing', 'id', 'principal', 'principalId', 'roleDefinition', 'roleDefinitionId', 'targetSchedule']);
    expect(alices).toMatchObject({
      '@odata.type': '#microsoft.graph.unifiedRoleAssignmentScheduleRequest',
      action: 'selfActivate',
      principal: { '@odata.type': '#microsoft.graph.user', id: USERS.alice, displayName: 'Alice Anders', userPrincipalName: 'alice@contoso.test' },
      roleDefinition: { id: ROLES.globalReader, displayName: 'Global Reader', isBuiltIn: true, isEnabled: true, resourceScopes: ['/'], templateId: ROLES.globalReader },
      activatedUsing: { '@odata.type': '#microsoft.graph.unifiedRoleEligibilitySchedule', id: eligibility.targetScheduleId, principalId: USERS.alice, roleDefinitionId: ROLES.globalReader, memberType: 'Direct', status: 'Provisioned' },
      targetSchedule: { '@odata.type': '#microsoft.graph.unifiedRoleAssignmentSchedule', id: activation.targetScheduleId, assignmentType: 'Activated', createdUsing: activation.id, status: 'Provisioned' },
    });
    // An administrator's assignment was activated through nothing.
    const bobs = items.find((r) => r.id === assigned.id);
    expect(bobs).toMatchObject({ activatedUsing: null, principal: { displayName: 'Bob Baker' }, targetSchedule: { id: assigned.targetScheduleId, assignmentType: 'Assigned' } });
  });

  it('expands an eligibility request: principal, roleDefinition, targetSchedule, and the tenant scope as null', async () => {
    const res = await get('alice', `${ELIGIBILITY}/${eligibility.id}?$expand=principal,roleDefinition,targetSchedule,directoryScope,appScope`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      '@odata.type': '#microsoft.graph.unifiedRoleEligibilityScheduleRequest',
      id: eligibility.id,
      principal: { '@odata.type': '#microsoft.graph.user', id: USERS.alice },
      roleDefinition: { id: ROLES.globalReader },
      targetSchedule: { '@odata.type': '#microsoft.graph.unifiedRoleEligibilitySchedule', id: eligibility.targetScheduleId, memberType: 'Direct' },
      directoryScope: null,
      appScope: null,
    });
  });

  it('expands the eligibility an activation used: the schedule on schedules, its instance on instances', async () => {
    const schedules = await get('alice', `${ROLE}/roleAssignmentSchedules/filterByCurrentUser(on='principal')?$expand=activatedUsing,principal`);
    expect(schedules.status).toBe(200);
    expect(schedules.body['@odata.context']).toBe(`${app.url}/v1.0/$metadata#Collection(unifiedRoleAssignmentSchedule)`);
    expect(valueOf(schedules).find((s) => s.id === activation.targetScheduleId)).toMatchObject({
      '@odata.type': '#microsoft.graph.unifiedRoleAssignmentSchedule',
      activatedUsing: { '@odata.type': '#microsoft.graph.unifiedRoleEligibilitySchedule', id: eligibility.targetScheduleId },
      principal: { id: USERS.alice },
    });
    const instance = await get('alice', `${ROLE}/roleAssignmentScheduleInstances/${activation.targetScheduleId}?$expand=activatedUsing,roleDefinition,directoryScope`);
    expect(instance.status).toBe(200);
    expect(instance.body).toMatchObject({
      '@odata.type': '#microsoft.graph.unifiedRoleAssignmentScheduleInstance',
      assignmentType: 'Activated',
      roleAssignmentScheduleId: activation.targetScheduleId,
      activatedUsing: { '@odata.type': '#microsoft.graph.unifiedRoleEligibilityScheduleInstance', id: eligibility.targetScheduleId, roleEligibilityScheduleId: eligibility.targetScheduleId },
      roleDefinition: { displayName: 'Global Reader' },
      directoryScope: null,
    });
    // Listed by role (all principals, as an admin) and expanded alike.
    const listed = await get('admin', `${ROLE}/roleAssignmentScheduleInstances?$filter=roleDefinitionId eq '${ROLES.globalReader}'&$expand=activatedUsing`);
    expect(valueOf(listed).find((i) => i.id === activation.targetScheduleId)).toMatchObject({ activatedUsing: { id: eligibility.targetScheduleId } });
  });

  it('serves a relationship on its own (GET …/{id}/principal), 404 where it is null, 400 for one Graph does not have', async () => {
    const principal = await get('alice', `${ASSIGNMENT}/${activation.id}/principal`);
    expect(principal.status).toBe(200);
    expect(principal.body).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: USERS.alice, displayName: 'Alice Anders' });
    expect(principal.body['@odata.context']).toBe(`${app.url}/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests('${activation.id}')/principal/$entity`);
    expect((await get('alice', `${ASSIGNMENT}/${activation.id}/activatedUsing`)).body).toMatchObject({ id: eligibility.targetScheduleId });
    expectGraphError(await get('admin', `${ASSIGNMENT}/${assigned.id}/activatedUsing`), 404, 'ResourceNotFound');
    const unknown = expectGraphError(await get('admin', `${ASSIGNMENT}/${assigned.id}/manager`), 400, 'BadRequest');
    expect(unknown).toMatch(/'manager' is not a relationship.*activatedUsing, appScope, directoryScope, principal, roleDefinition, targetSchedule/);
    // Someone else's request stays a 404, relationships included.
    expectGraphError(await get('carol', `${ASSIGNMENT}/${activation.id}/principal`), 404, 'ResourceNotFound');
  });

  it('takes $select nested in $expand (id only, as the reference shows for principal)', async () => {
    const res = await get('alice', `${ELIGIBILITY}/${eligibility.id}?$select=id,principalId&$expand=principal($select=id)`);
    expect(res.body).toEqual({
      '@odata.context': `${app.url}/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleRequests/$entity`,
      '@odata.type': '#microsoft.graph.unifiedRoleEligibilityScheduleRequest',
      id: eligibility.id,
      principalId: USERS.alice,
      principal: { '@odata.type': '#microsoft.graph.user', id: USERS.alice },
    });
  });

  it('reads each related object once per response, however many items share it', async () => {
    for (const role of [ROLES.helpdesk, ROLES.userAdmin, ROLES.appAdmin]) await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.carol, role, forDays(30)));
    await directoryQuiet();
    const { result, reads } = await countingDirectoryReads(() => get('admin', `${ELIGIBILITY}?$filter=principalId eq '${USERS.carol}'&$expand=principal,roleDefinition`));
    expect(valueOf(result)).toHaveLength(3);
    expect(valueOf(result).every((r) => (r.principal as Json).id === USERS.carol)).toBe(true);
    expect(reads.filter((r) => r === `principal:${USERS.carol}`)).toHaveLength(1);
    expect(reads.filter((r) => r.startsWith('role:')).sort()).toEqual([ROLES.helpdesk, ROLES.userAdmin, ROLES.appAdmin].map((id) => `role:${id}`).sort());
  });

  it('refuses what cannot be expanded with a 400 naming what can, before reading or changing anything', async () => {
    const before = valueOf(await get('admin', ELIGIBILITY)).length;
    await directoryQuiet();
    const { reads } = await countingDirectoryReads(async () => {
      const unknown = expectGraphError(await get('admin', `${ELIGIBILITY}?$expand=owner`), 400, 'BadRequest');
      expect(unknown).toMatch(/'owner' cannot be expanded here; expandable: appScope, directoryScope, principal, roleDefinition, targetSchedule/);
      // Graph has activatedUsing on active assignments only, targetSchedule on requests only, group on groups only.
      expectGraphError(await get('admin', `${ELIGIBILITY}?$expand=activatedUsing`), 400, 'BadRequest');
      expectGraphError(await get('admin', `${ROLE}/roleAssignmentSchedules?$expand=targetSchedule`), 400, 'BadRequest');
      expectGraphError(await get('admin', `${ELIGIBILITY}/${eligibility.id}?$expand=group`), 400, 'BadRequest');
      expect(expectGraphError(await get('admin', `${ELIGIBILITY}?$expand=principal($expand=manager)`), 400, 'BadRequest')).toMatch(/Nothing can be expanded inside principal/);
      expect(expectGraphError(await get('admin', `${ELIGIBILITY}?$expand=principal($top=1)`), 400, 'BadRequest')).toMatch(/only \$expand and \$select/);
    });
    expect(reads).toEqual([]);
    expect(valueOf(await get('admin', ELIGIBILITY))).toHaveLength(before);
  });

  it('annotates items with @odata.type, and answers filterByCurrentUser with its function context', async () => {
    const listed = await get('admin', ELIGIBILITY);
    expect(listed.body['@odata.context']).toBe(`${app.url}/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleRequests`);
    expect(valueOf(listed).every((r) => r['@odata.type'] === '#microsoft.graph.unifiedRoleEligibilityScheduleRequest')).toBe(true);
    const mine = await get('alice', `${ELIGIBILITY}/filterByCurrentUser(on='principal')`);
    expect(mine.body['@odata.context']).toBe(`${app.url}/v1.0/$metadata#Collection(unifiedRoleEligibilityScheduleRequest)`);
    expect(valueOf(mine).map((r) => r['@odata.type'])).toContain('#microsoft.graph.unifiedRoleEligibilityScheduleRequest');
    // The reference's on='approver' on eligibility requests: none waits for an approval here.
    const awaiting = await get('bob', `${ELIGIBILITY}/filterByCurrentUser(on='approver')`);
    expect(awaiting.status).toBe(200);
    expect(valueOf(awaiting)).toEqual([]);
    expectGraphError(await get('bob', `${ELIGIBILITY}/filterByCurrentUser(on='createdBy')`), 400, 'BadRequest');
    const instances = await get('admin', `${ROLE}/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '${ROLES.globalReader}'`);
    expect(valueOf(instances)[0]?.['@odata.type']).toBe('#microsoft.graph.unifiedRoleEligibilityScheduleInstance');
  });
});

describe('GET a schedule instance by id', () => {
  it('answers an eligibility in effect with 200, one not started, ended or unknown with a Graph 404', async () => {
    const now = await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.dave, ROLES.security, forDays(30)));
    const later = await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.dave, ROLES.userAdmin, forDays(30, inDays(1))));
    const instances = `${ROLE}/roleEligibilityScheduleInstances`;
    const res = await get('dave', `${instances}/${now.targetScheduleId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      '@odata.context': `${app.url}/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleInstances/$entity`,
      '@odata.type': '#microsoft.graph.unifiedRoleEligibilityScheduleInstance',
      id: now.targetScheduleId,
      principalId: USERS.dave,
      roleDefinitionId: ROLES.security,
      directoryScopeId: '/',
      appScopeId: null,
      memberType: 'Direct',
      roleEligibilityScheduleId: now.targetScheduleId,
    });
    expect(Date.parse(String(res.body.endDateTime)) - Date.parse(String(res.body.startDateTime))).toBe(30 * DAY);
    expectGraphError(await get('dave', `${instances}/${later.targetScheduleId}`), 404, 'ResourceNotFound');
    expectGraphError(await get('bob', `${instances}/${now.targetScheduleId}`), 404, 'ResourceNotFound');
    expectGraphError(await get('dave', `${instances}/00000000-0000-0000-0000-000000000000`), 404, 'ResourceNotFound');
    await created('admin', ELIGIBILITY, roleBody('adminRemove', USERS.dave, ROLES.security));
    expect(expectGraphError(await get('dave', `${instances}/${now.targetScheduleId}`), 404, 'ResourceNotFound')).toMatch(/schedule instance/);
  });

  it('answers an active assignment in effect with its role assignment, and 404 once removed', async () => {
    const assignment = await created('admin', ASSIGNMENT, roleBody('adminAssign', USERS.dave, ROLES.appAdmin, forDays(2)));
    const path = `${ROLE}/roleAssignmentScheduleInstances/${assignment.targetScheduleId}`;
    const res = await get('dave', path);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ '@odata.type': '#microsoft.graph.unifiedRoleAssignmentScheduleInstance', assignmentType: 'Assigned', memberType: 'Direct', roleAssignmentScheduleId: assignment.targetScheduleId });
    expect(res.body.roleAssignmentOriginId).toBeTruthy();
    await created('admin', ASSIGNMENT, roleBody('adminRemove', USERS.dave, ROLES.appAdmin));
    expectGraphError(await get('dave', path), 404, 'ResourceNotFound');
  });
});

describe('cancel', () => {
  const auditOf = async (requestId: string) =>
    (await tableAuditLog(new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX))).list()).filter((a) => a.additionalDetails.some((d) => d.key === 'requestId' && d.value === requestId));

  it('cancels an eligibility that has not started: 204, the request Canceled, its schedule never in effect, audited, with its event', async () => {
    const request = await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.bob, ROLES.userAdmin, forDays(30, inDays(2))));
    expect(request.status).toBe('ScheduleCreated');
    const cancel = `${ELIGIBILITY}/${request.id}/cancel`;
    // Who may: administrators (an administrator's request) and the requester; the principal may not; others do not see it.
    expectGraphError(await api('bob', 'POST', cancel), 403, 'Authorization_RequestDenied');
    expectGraphError(await api('alice', 'POST', cancel), 404, 'ResourceNotFound');
    expectGraphError(await api('erin', 'POST', cancel), 404, 'ResourceNotFound');
    expect((await get('admin', `${ELIGIBILITY}/${request.id}`)).body.status).toBe('ScheduleCreated');

    const done = await api('admin', 'POST', cancel);
    expect(done.status).toBe(204);
    const after = await get('bob', `${ELIGIBILITY}/${request.id}`);
    expect(after.body).toMatchObject({ status: 'Canceled', action: 'adminAssign' });
    expect(after.body.completedDateTime).toBeTruthy();
    expect((await get('bob', `${ROLE}/roleEligibilitySchedules/${request.targetScheduleId}`)).body.status).toBe('Canceled');
    expect(valueOf(await get('bob', `${ROLE}/roleEligibilitySchedules/filterByCurrentUser(on='principal')`)).map((s) => s.id)).not.toContain(request.targetScheduleId);
    // Even "two days later" it never takes effect.
    await app.later(3 * DAY, async () => {
      await app.reconcile();
      expectGraphError(await get('bob', `${ROLE}/roleEligibilityScheduleInstances/${request.targetScheduleId}`), 404, 'ResourceNotFound');
    });
    const audit = await auditOf(request.id);
    expect(audit.map((a) => a.activityDisplayName)).toContain('adminAssign request for eligible member of role in PIM canceled');
    expect(audit.find((a) => a.activityDisplayName.endsWith('canceled'))?.initiatedBy.user?.id).toBe(USERS.admin);
    await eventually(async () => published.find((e) => e.type === 'request.canceled' && e.request?.id === request.id));

    // Once canceled it is history: a second cancel is refused, and the slot is free again.
    expect(expectGraphError(await api('admin', 'POST', cancel), 400, 'RequestNotCancelable')).toMatch(/it is Canceled/);
    await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.bob, ROLES.userAdmin, forDays(30)));
  });

  it('refuses to cancel what is in effect (400 saying why and what to do instead), and changes nothing', async () => {
    const request = await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.bob, ROLES.security, forDays(30)));
    expect(request.status).toBe('Provisioned');
    const message = expectGraphError(await api('admin', 'POST', `${ELIGIBILITY}/${request.id}/cancel`), 400, 'RequestNotCancelable');
    expect(message).toMatch(/has not taken effect yet.*it is Provisioned.*adminRemove/);
    expect((await get('admin', `${ELIGIBILITY}/${request.id}`)).body.status).toBe('Provisioned');
    expect((await get('bob', `${ROLE}/roleEligibilityScheduleInstances/${request.targetScheduleId}`)).status).toBe(200);
    expect(await auditOf(request.id).then((a) => a.filter((r) => r.activityDisplayName.endsWith('canceled')))).toEqual([]);
  });

  it('cancels an active assignment before its start: it is never granted in the directory', async () => {
    const request = await created('admin', ASSIGNMENT, roleBody('adminAssign', USERS.carol, ROLES.globalAdmin, forDays(5, inDays(1))));
    expect(request.status).toBe('ScheduleCreated');
    expect((await api('admin', 'POST', `${ASSIGNMENT}/${request.id}/cancel`)).status).toBe(204);
    expect((await get('carol', `${ASSIGNMENT}/${request.id}`)).body.status).toBe('Canceled');
    await app.later(2 * DAY, () => app.reconcile());
    expect((await app.graph.listAssignments()).some((a) => a.principalId === USERS.carol && a.roleDefinitionId === ROLES.globalAdmin)).toBe(false);
  });

  it('lets the requester cancel an activation that waits for its start; an administrator may not cancel it for them', async () => {
    await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.erin, ROLES.appAdmin, forDays(30)));
    const request = await created('erin', ASSIGNMENT, roleBody('selfActivate', USERS.erin, ROLES.appAdmin, { startDateTime: new Date(Date.now() + 3_600_000).toISOString(), expiration: { type: 'afterDuration', duration: 'PT1H' } }));
    expect(request.status).toBe('Granted');
    expect(expectGraphError(await api('admin', 'POST', `${ASSIGNMENT}/${request.id}/cancel`), 403, 'Authorization_RequestDenied')).toMatch(/Only its requester/);
    expect((await api('erin', 'POST', `${ASSIGNMENT}/${request.id}/cancel`)).status).toBe(204);
    expect((await get('erin', `${ASSIGNMENT}/${request.id}`)).body.status).toBe('Canceled');
    expect((await get('erin', `${ROLE}/roleAssignmentSchedules/${request.targetScheduleId}`)).body.status).toBe('Canceled');
  });

  it("lets the holder withdraw an ask to extend; the administrators' own requests only are theirs to cancel", async () => {
    await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.dave, ROLES.globalReader, forDays(10)));
    const ask = await created('dave', ELIGIBILITY, roleBody('selfExtend', USERS.dave, ROLES.globalReader, forDays(180)));
    expect(ask.status).toBe('PendingAdminDecision');
    expectGraphError(await api('admin', 'POST', `${ELIGIBILITY}/${ask.id}/cancel`), 403, 'Authorization_RequestDenied');
    expect((await api('dave', 'POST', `${ELIGIBILITY}/${ask.id}/cancel`)).status).toBe(204);
    expect((await get('dave', `${ELIGIBILITY}/${ask.id}`)).body.status).toBe('Canceled');
  });

  it("answers a request of the other surface, or of the other kind, as unknown (404)", async () => {
    const request = await created('admin', ELIGIBILITY, roleBody('adminAssign', USERS.alice, ROLES.security, forDays(30, inDays(1))));
    expectGraphError(await api('admin', 'POST', `/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/${request.id}/cancel`), 404, 'ResourceNotFound');
    expectGraphError(await api('admin', 'POST', `${ASSIGNMENT}/${request.id}/cancel`), 404, 'ResourceNotFound');
    expectGraphError(await api('admin', 'POST', `${ELIGIBILITY}/not-a-request/cancel`), 404, 'ResourceNotFound');
    expect((await get('admin', `${ELIGIBILITY}/${request.id}`)).body.status).toBe('ScheduleCreated');
  });
});

describe('role definitions', () => {
  const ROLES_PATH = `${ROLE}/roleDefinitions`;

  it('shows every property the reference lists, inheritsPermissionsFrom as ids', async () => {
    const res = await get('alice', `${ROLES_PATH}/${ROLES.helpdesk}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ROLES.helpdesk,
      displayName: 'Helpdesk Administrator',
      description: expect.any(String),
      isBuiltIn: true,
      isEnabled: true,
      resourceScopes: ['/'],
      templateId: ROLES.helpdesk,
      version: '1',
      deletedDateTime: null,
      rolePermissions: [{ allowedResourceActions: expect.arrayContaining(['microsoft.directory/users/password/update']), condition: null }],
      inheritsPermissionsFrom: [{ id: DIRECTORY_READERS }],
    });
    // As in Graph's examples, role definitions carry no @odata.type.
    expect(res.body['@odata.type']).toBeUndefined();
    expect((await get('alice', `${ROLES_PATH}/${ROLES.globalAdmin}`)).body.inheritsPermissionsFrom).toEqual([]);
  });

  it('expands inheritsPermissionsFrom on get and list, keeping it under $select', async () => {
    const one = await get('alice', `${ROLES_PATH}/${ROLES.helpdesk}?$expand=inheritsPermissionsFrom`);
    expect(one.body.inheritsPermissionsFrom).toEqual([expect.objectContaining({ id: DIRECTORY_READERS, displayName: 'Directory Readers', isBuiltIn: true })]);
    const listed = await get('alice', `${ROLES_PATH}?$filter=displayName eq 'Helpdesk Administrator'&$select=id,displayName&$expand=inheritsPermissionsFrom($select=id,displayName)`);
    expect(valueOf(listed)).toEqual([{ id: ROLES.helpdesk, displayName: 'Helpdesk Administrator', inheritsPermissionsFrom: [{ id: DIRECTORY_READERS, displayName: 'Directory Readers' }] }]);
  });

  it('lists inheritsPermissionsFrom as a collection of its own', async () => {
    const res = await get('alice', `${ROLES_PATH}/${ROLES.helpdesk}/inheritsPermissionsFrom`);
    expect(res.status).toBe(200);
    expect(res.body['@odata.context']).toBe(`${app.url}/v1.0/$metadata#roleManagement/directory/roleDefinitions('${ROLES.helpdesk}')/inheritsPermissionsFrom`);
    expect(valueOf(res).map((r) => r.displayName)).toEqual(['Directory Readers']);
    expect(valueOf(await get('alice', `${ROLES_PATH}/${ROLES.globalAdmin}/inheritsPermissionsFrom`))).toEqual([]);
    expectGraphError(await get('alice', `${ROLES_PATH}/00000000-0000-0000-0000-000000000000/inheritsPermissionsFrom`), 404, 'ResourceNotFound');
  });

  it('refuses other expansions with a 400 naming inheritsPermissionsFrom', async () => {
    expect(expectGraphError(await get('alice', `${ROLES_PATH}?$expand=rolePermissions`), 400, 'BadRequest')).toMatch(/expandable: inheritsPermissionsFrom/);
    expect(expectGraphError(await get('alice', `${ROLES_PATH}/${ROLES.helpdesk}?$expand=inheritsPermissionsFrom($expand=inheritsPermissionsFrom)`), 400, 'BadRequest')).toMatch(/Nothing can be expanded inside/);
  });
});

/** PIM for Groups: the same relationships, instances and cancel, on devhost's demo groups. */
const demoGroups = (JSON.parse(readFileSync(join(__dirname, '../../devhost/graph/demo-directory.json'), 'utf8')) as { groups: Array<{ id: string; displayName: string }> }).groups;
function groupNamed(name: string): string {
  const found = demoGroups.find((g) => g.displayName === name);
  if (!found) throw new Error(`The demo directory has no group '${name}'.`);
  return found.id;
}

describe('PIM for Groups', () => {
  const GROUP = '/v1.0/identityGovernance/privilegedAccess/group';
  const finance = groupNamed('Finance Approvers');
  const tier0 = groupNamed('Tier 0 Operators');
  const groupBody = (action: string, principalId: string, accessId: string, scheduleInfo?: Json) => ({
    action,
    principalId,
    groupId: finance,
    accessId,
    justification: 'Graph completeness',
    ...(scheduleInfo ? { scheduleInfo } : {}),
  });

  it('expands group, principal, targetSchedule and activatedUsing, and serves instances by id', async () => {
    const eligibility = await created('admin', `${GROUP}/eligibilityScheduleRequests`, groupBody('adminAssign', USERS.alice, 'member', forDays(30)));
    const requests = await get('admin', `${GROUP}/eligibilityScheduleRequests?$filter=groupId eq '${finance}'&$expand=group,principal,targetSchedule`);
    expect(requests.status, JSON.stringify(requests.body)).toBe(200);
    expect(valueOf(requests).find((r) => r.id === eligibility.id)).toMatchObject({
      '@odata.type': '#microsoft.graph.privilegedAccessGroupEligibilityScheduleRequest',
      group: { id: finance, displayName: 'Finance Approvers', isAssignableToRole: false },
      principal: { '@odata.type': '#microsoft.graph.user', id: USERS.alice },
      targetSchedule: { '@odata.type': '#microsoft.graph.privilegedAccessGroupEligibilitySchedule', id: eligibility.targetScheduleId, accessId: 'member', groupId: finance },
    });
    expectGraphError(await get('admin', `${GROUP}/eligibilityScheduleRequests?$filter=groupId eq '${finance}'&$expand=roleDefinition`), 400, 'BadRequest');

    const activation = await created('alice', `${GROUP}/assignmentScheduleRequests`, groupBody('selfActivate', USERS.alice, 'member', { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'PT1H' } }));
    const instancePath = `${GROUP}/assignmentScheduleInstances/${activation.targetScheduleId}`;
    const instance = await eventually(async () => {
      const res = await get('alice', `${instancePath}?$expand=activatedUsing,group`);
      return res.status === 200 ? res : undefined;
    });
    expect(instance.body).toMatchObject({
      '@odata.type': '#microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance',
      accessId: 'member',
      groupId: finance,
      assignmentScheduleId: activation.targetScheduleId,
      activatedUsing: { '@odata.type': '#microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance', id: eligibility.targetScheduleId, eligibilityScheduleId: eligibility.targetScheduleId },
      group: { displayName: 'Finance Approvers' },
    });
    const eligible = await get('alice', `${GROUP}/eligibilityScheduleInstances/${eligibility.targetScheduleId}`);
    expect(eligible.body).toMatchObject({ '@odata.type': '#microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance', eligibilityScheduleId: eligibility.targetScheduleId });
    const request = await get('alice', `${GROUP}/assignmentScheduleRequests/${activation.id}?$expand=activatedUsing,targetSchedule`);
    expect(request.body).toMatchObject({ activatedUsing: { id: eligibility.targetScheduleId }, targetSchedule: { id: activation.targetScheduleId, assignmentType: 'Activated' } });

    await created('admin', `${GROUP}/eligibilityScheduleRequests`, groupBody('adminRemove', USERS.alice, 'member'));
    expectGraphError(await get('alice', `${GROUP}/eligibilityScheduleInstances/${eligibility.targetScheduleId}`), 404, 'ResourceNotFound');
    expectGraphError(await get('alice', `${GROUP}/assignmentScheduleInstances/00000000-0000-0000-0000-000000000000`), 404, 'ResourceNotFound');
  });

  it('cancels a group eligibility before its start', async () => {
    const request = await created('admin', `${GROUP}/eligibilityScheduleRequests`, groupBody('adminAssign', USERS.bob, 'owner', forDays(30, inDays(1))));
    expect(request.status).toBe('ScheduleCreated');
    expectGraphError(await api('admin', 'POST', `${ELIGIBILITY}/${request.id}/cancel`), 404, 'ResourceNotFound');
    expect((await api('admin', 'POST', `${GROUP}/eligibilityScheduleRequests/${request.id}/cancel`)).status).toBe(204);
    expect((await get('admin', `${GROUP}/eligibilityScheduleRequests/${request.id}`)).body.status).toBe('Canceled');
    expect((await get('admin', `${GROUP}/eligibilitySchedules/${request.targetScheduleId}`)).body.status).toBe('Canceled');
  });

  it('types a group principal as #microsoft.graph.group', async () => {
    const request = await created('admin', ELIGIBILITY, roleBody('adminAssign', tier0, ROLES.security, forDays(30)));
    const res = await get('admin', `${ELIGIBILITY}/${request.id}?$expand=principal`);
    expect(res.body.principal).toMatchObject({ '@odata.type': '#microsoft.graph.group', id: tier0, displayName: 'Tier 0 Operators' });
    expect((res.body.principal as Json).userPrincipalName).toBeUndefined();
  });
});
