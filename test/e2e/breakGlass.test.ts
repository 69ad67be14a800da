import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import type { DomainEvent } from '../../shared/domain/events';
import { eventually } from '../devhost/helpers';
import { adminAssign, alertClient, assignOutsidePim, runTimer, signIn } from './alertApi';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { GROUPS, ROLES, USERS } from './demo';

const BREAK_GLASS = '/pim/breakGlassAccounts';
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
const GA_POLICY = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.globalAdmin}`;
const DAY = 86_400_000;

let app: AppHost;
let alerts: ReturnType<typeof alertClient>;
let receiver: Server;
const hooks: DomainEvent[] = [];

beforeAll(async () => {
  // Carol is listed by the setting; Dave is added through the API below.
  process.env.PIM_BREAK_GLASS_ACCOUNTS = USERS.carol;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as DomainEvent);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  app = await startAppHost();
  alerts = alertClient(app);
});

afterAll(async () => {
  await app?.host.stop();
  await new Promise((r) => receiver?.close(r));
});

const directoryHas = async (principalId: string, roleDefinitionId: string) => (await app.graph.listAssignments()).some((a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId);
const ids = (incidents: Array<{ id: string }>) => incidents.map((i) => i.id);

describe('the break-glass list', () => {
  it('lists the setting\'s accounts, adds and removes through the API (audited), and refuses bad input', async () => {
    const listed = await app.api('erin', 'GET', BREAK_GLASS);
    expect(listed.status).toBe(200);
    expect(listed.body.value).toEqual([{ id: USERS.carol, source: 'setting', addedDateTime: null, addedBy: null }]);

    expect((await app.api('alice', 'POST', BREAK_GLASS, { id: USERS.dave })).status).toBe(403);
    const notAnId = await app.api('admin', 'POST', BREAK_GLASS, { id: 'dave' });
    expect(notAnId.status).toBe(400);
    expect(notAnId.body.error?.code).toBe('InvalidBreakGlassAccount');
    expect((await app.api('admin', 'POST', BREAK_GLASS, { id: GROUPS.approvers })).body.error?.code).toBe('InvalidBreakGlassAccount');

    const added = await app.api('admin', 'POST', BREAK_GLASS, { id: USERS.dave });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ id: USERS.dave, source: 'api', addedBy: { id: USERS.admin } });
    expect((await app.api('admin', 'POST', BREAK_GLASS, { id: USERS.dave })).status).toBe(409);
    expect((await app.api('admin', 'POST', BREAK_GLASS, { id: USERS.erin })).status).toBe(201);
    expect((await app.api('admin', 'DELETE', `${BREAK_GLASS}/${USERS.erin}`)).status).toBe(204);
    expect((await app.api('admin', 'DELETE', `${BREAK_GLASS}/${USERS.erin}`)).status).toBe(404);
    const fromSetting = await app.api('admin', 'DELETE', `${BREAK_GLASS}/${USERS.carol}`);
    expect(fromSetting.status).toBe(400);
    expect(fromSetting.body.error?.message).toContain('PIM_BREAK_GLASS_ACCOUNTS');

    expect(((await app.api('admin', 'GET', BREAK_GLASS)).body.value as Array<{ id: string }>).map((a) => a.id).sort()).toEqual([USERS.carol, USERS.dave].sort());
    const audit = (await deps().audit.list()).map((r) => r.activityDisplayName);
    expect(audit.filter((a) => a === 'Add emergency access account')).toHaveLength(2);
    expect(audit.filter((a) => a === 'Remove emergency access account')).toHaveLength(1);
  });
});

describe('what PIM never does to a break-glass account', () => {
  it('an admin removal is refused and an expiry leaves the role in place, while the same happens to others', async () => {
    await adminAssign(app, 'assignment', USERS.carol, ROLES.globalAdmin, { type: 'noExpiration' });
    await adminAssign(app, 'assignment', USERS.dave, ROLES.security, { type: 'afterDuration', duration: 'P1D' });
    await adminAssign(app, 'assignment', USERS.bob, ROLES.security, { type: 'afterDuration', duration: 'P1D' });
    await eventually(async () => ((await directoryHas(USERS.carol, ROLES.globalAdmin)) && (await directoryHas(USERS.dave, ROLES.security)) ? true : undefined), 10_000);

    const removal = await app.api('admin', 'POST', REQUESTS, { action: 'adminRemove', principalId: USERS.carol, roleDefinitionId: ROLES.globalAdmin, directoryScopeId: '/', justification: 'cleanup' });
    expect(removal.status).toBe(400);
    expect(removal.body.error?.code).toBe('BreakGlassAccountProtected');
    expect(await directoryHas(USERS.carol, ROLES.globalAdmin)).toBe(true);

    // Two days later both one-day assignments are past their end: Bob's is removed, Dave's stays.
    await app.later(2 * DAY, () => app.reconcile());
    expect(await directoryHas(USERS.bob, ROLES.security)).toBe(false);
    expect(await directoryHas(USERS.dave, ROLES.security)).toBe(true);
  });
});

describe('watching break-glass accounts', () => {
  it('a sign-in by one raises a high-severity incident, once, with mail and a webhook to admins; others\' sign-ins raise nothing', async () => {
    // Alice holds Global Administrator (so she is an admin recipient); the role's webhook goes to the receiver.
    await adminAssign(app, 'assignment', USERS.alice, ROLES.globalAdmin, { type: 'noExpiration' });
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
    expect((await app.api('admin', 'PATCH', GA_POLICY, { pimWebhooks: [{ id: 'secops', url: hook, format: 'json', signingKeyName: 'hooks', events: ['alert.incidentRaised'] }] })).status).toBe(204);
    await eventually(async () => ((await directoryHas(USERS.alice, ROLES.globalAdmin)) ? true : undefined), 10_000);

    await signIn(app, 'bob');
    const carol = await signIn(app, 'carol');
    await runTimer(app, 'breakGlassWatch');
    await runTimer(app, 'breakGlassWatch');
    const incidents = await alerts.incidents('BreakGlassAccountSignInAlert');
    expect(incidents).toEqual([
      expect.objectContaining({ '@odata.type': '#microsoft.graph.breakGlassAccountSignInAlertIncident', id: carol.id, assigneeId: USERS.carol, signInDateTime: carol.createdDateTime }),
    ]);

    const mail = await eventually(async () => (await app.mailTo('alice@contoso.test')).find((m) => m.subject.includes('emergency access')), 15_000, 100);
    expect(mail.subject).toContain('PIM alert (high)');
    expect(mail.text ?? mail.body).toContain('Carol Chen');
    const delivered = await eventually(async () => hooks.find((e) => e.data.incidentId === carol.id), 15_000, 100);
    expect(delivered.subject.principalId).toBe(USERS.carol);
    expect(delivered.data).toMatchObject({ severityLevel: 'high', incidentId: carol.id });
    expect(hooks.filter((e) => e.data.incidentId === carol.id)).toHaveLength(1);
  });

  it('alerts when fewer than two break-glass accounts hold a permanent active Global Administrator', async () => {
    const name = 'TooFewBreakGlassAccountsAlert';
    // Only Carol holds it permanently (Dave holds Security Administrator).
    await alerts.refresh(name);
    expect(await alerts.incidents(name)).toEqual([expect.objectContaining({ id: 'tenant', breakGlassAccountCount: 2, permanentGlobalAdministratorCount: 1 })]);

    await adminAssign(app, 'assignment', USERS.dave, ROLES.globalAdmin, { type: 'noExpiration' });
    await alerts.refresh(name);
    expect(await alerts.incidents(name)).toEqual([]);
  });

  it('leaves break-glass accounts out of the counts that would alert on them', async () => {
    // Carol and Dave hold Global Administrator, and Dave gets a role outside PIM: none of it is theirs to answer for.
    const outside = await assignOutsidePim(app, USERS.dave, ROLES.exchange);
    const erinOutside = await assignOutsidePim(app, USERS.erin, ROLES.exchange);
    await alerts.refresh('RolesAssignedOutsidePimAlert');
    expect(ids(await alerts.incidents('RolesAssignedOutsidePimAlert'))).toEqual([erinOutside]);
    expect(ids(await alerts.incidents('RolesAssignedOutsidePimAlert'))).not.toContain(outside);

    expect((await alerts.configure('TooManyGlobalAdminsAssignedToTenantAlert', { globalAdminCountThreshold: 1, percentageOfGlobalAdminsOutOfRolesThreshold: 0 }, 'tooManyGlobalAdminsAssignedToTenantAlertConfiguration')).status).toBe(204);
    await alerts.refresh('TooManyGlobalAdminsAssignedToTenantAlert');
    expect(ids(await alerts.incidents('TooManyGlobalAdminsAssignedToTenantAlert'))).toEqual([USERS.alice]);

    await app.later(40 * DAY, () => alerts.refresh('StaleSignInAlert'));
    const stale = ids(await alerts.incidents('StaleSignInAlert'));
    expect(stale).toContain(`${USERS.alice}_${ROLES.globalAdmin}`);
    expect(stale.some((id) => id.startsWith(USERS.carol) || id.startsWith(USERS.dave))).toBe(false);

    // Listed after her incident was raised, Erin's assignment is no longer PIM's to remove.
    expect((await app.api('admin', 'POST', BREAK_GLASS, { id: USERS.erin })).status).toBe(201);
    const remediation = await alerts.remediate('RolesAssignedOutsidePimAlert', erinOutside);
    expect(remediation.status).toBe(400);
    expect(remediation.body.error?.code).toBe('BreakGlassAccountProtected');
    expect(await directoryHas(USERS.erin, ROLES.exchange)).toBe(true);
  });
});
