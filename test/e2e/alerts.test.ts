import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import { eventually } from '../devhost/helpers';
import { adminAssign, alertClient, ALERTS, alertId, assignOutsidePim, operationOutcome, runTimer, SCOPE_FILTER, signIn } from './alertApi';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

let app: AppHost;
let alerts: ReturnType<typeof alertClient>;
const DAY = 86_400_000;

beforeAll(async () => {
  app = await startAppHost();
  alerts = alertClient(app);
});

afterAll(async () => {
  await app?.host.stop();
});

async function graphFault(spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${app.url}/.devhost/graph/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  expect(res.status, await res.text()).toBeLessThan(300);
}

const ids = (incidents: Array<{ id: string }>) => incidents.map((i) => i.id);
const audited = async (activity: string) => (await deps().audit.list()).filter((r) => r.activityDisplayName === activity);

describe('the alerts API', () => {
  it('answers lists only for the directory-role scope, in Graph beta shapes, to admins and auditors', async () => {
    expect((await app.api('admin', 'GET', `${ALERTS}/alerts`)).status).toBe(400);
    const wrongScope = await app.api('admin', 'GET', `${ALERTS}/alertDefinitions?$filter=${encodeURIComponent("scopeId eq '/x' and scopeType eq 'DirectoryRole'")}`);
    expect(wrongScope.status).toBe(400);
    expect(wrongScope.body.error?.message).toContain("scopeId eq '/' and scopeType eq 'DirectoryRole'");

    const list = await app.api('admin', 'GET', `${ALERTS}/alerts?${SCOPE_FILTER}`);
    expect(list.status).toBe(200);
    const value = list.body.value as Array<Record<string, unknown>>;
    expect(value.map((a) => a.id)).toContain(alertId('TooManyGlobalAdminsAssignedToTenantAlert'));
    expect(value.find((a) => a.id === alertId('StaleSignInAlert'))).toEqual({
      id: alertId('StaleSignInAlert'),
      alertDefinitionId: alertId('StaleSignInAlert'),
      scopeId: '/',
      scopeType: 'DirectoryRole',
      incidentCount: 0,
      isActive: true,
      lastModifiedDateTime: '0001-01-01T08:00:00Z',
      lastScannedDateTime: null,
    });

    const definitions = (await app.api('erin', 'GET', `${ALERTS}/alertDefinitions?${SCOPE_FILTER}`)).body.value as Array<Record<string, unknown>>;
    expect(definitions.find((d) => d.id === alertId('RolesAssignedOutsidePimAlert'))).toMatchObject({ severityLevel: 'high', isRemediatable: true, isConfigurable: false, scopeId: '/' });
    const configuration = await app.api('erin', 'GET', `${ALERTS}/alertConfigurations/${alertId('TooManyGlobalAdminsAssignedToTenantAlert')}`);
    expect(configuration.body).toMatchObject({
      '@odata.type': '#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration',
      isEnabled: true,
      globalAdminCountThreshold: 3,
      percentageOfGlobalAdminsOutOfRolesThreshold: 10,
    });
    const expanded = await app.api('erin', 'GET', `${ALERTS}/alerts/${alertId('StaleSignInAlert')}?$expand=*`);
    expect(expanded.body).toMatchObject({ alertDefinition: { severityLevel: 'medium' }, alertConfiguration: { duration: 'P30D' }, alertIncidents: [] });

    expect((await app.api('alice', 'GET', `${ALERTS}/alerts?${SCOPE_FILTER}`)).status).toBe(403);
    expect((await app.api('erin', 'PATCH', `${ALERTS}/alerts/${alertId('StaleSignInAlert')}`, { isActive: false })).status).toBe(403);
    expect((await app.api('admin', 'GET', `${ALERTS}/alerts/DirectoryRole_${TENANT_ID}_NoSuchAlert`)).status).toBe(404);
  });

  it('refreshes every alert with a 202 and an operation to poll', async () => {
    expect((await app.api('erin', 'POST', `${ALERTS}/alerts/refresh`, { scopeId: '/', scopeType: 'DirectoryRole' })).status).toBe(403);
    expect((await app.api('admin', 'POST', `${ALERTS}/alerts/refresh`, { scopeId: '/groups', scopeType: 'Group' })).status).toBe(400);
    const res = await app.call('admin', `${ALERTS}/alerts/refresh`, { method: 'POST', json: { scopeId: '/', scopeType: 'DirectoryRole' } });
    expect(res.status).toBe(202);
    const location = res.headers.get('location') ?? '';
    expect(location).toBe(`${app.url}${ALERTS}/operations/refresh:DirectoryRole_${TENANT_ID}`);
    // An auditor may follow it too; the scan runs in the background until the operation ends.
    const operation = await operationOutcome(app, location, 'erin');
    expect(operation).toMatchObject({ status: 'succeeded', statusDetail: null, resourceLocation: `${app.url}${ALERTS}/alerts` });
    expect((await alerts.alert('StaleSignInAlert')).lastScannedDateTime).not.toBeNull();
    expect((await app.api('admin', 'GET', `${ALERTS}/operations/refresh:nothing`)).status).toBe(404);
  });

  it('answers a refresh before its scan ends; a second refresh meanwhile joins it; a failed scan ends failed with why', async () => {
    const name = 'RolesAssignedOutsidePimAlert';
    const refreshesAudited = async () => (await audited('Refresh PIM alert')).filter((r) => r.targetResources.some((t) => t.id === alertId(name))).length;
    const before = await refreshesAudited();
    // Every read of the directory's role assignments (the scan's first Graph call) is slow and then fails.
    await graphFault({ status: 500, count: 1_000, latencyMs: 3_000, method: 'GET', pathContains: '/roleManagement/directory/roleAssignments' });
    try {
      const first = await app.call('admin', `${ALERTS}/alerts/${alertId(name)}/refresh`, { method: 'POST' });
      expect(first.status).toBe(202);
      const location = first.headers.get('location') ?? '';
      // Answered while the scan still waits on Graph.
      expect((await app.api('admin', 'GET', new URL(location).pathname)).body.status).toMatch(/^(notStarted|running)$/);
      const second = await app.call('admin', `${ALERTS}/alerts/${alertId(name)}/refresh`, { method: 'POST' });
      expect(second.status).toBe(202);
      expect(second.headers.get('location')).toBe(location);

      const operation = await operationOutcome(app, location);
      expect(operation.status).toBe('failed');
      // Which alert could not be scanned, and what Graph answered.
      expect(String(operation.statusDetail)).toContain(`${name}: Injected fault 500`);
      // One refresh ran for both requests.
      expect(await refreshesAudited()).toBe(before + 1);
    } finally {
      await fetch(`${app.url}/.devhost/graph/faults`, { method: 'DELETE' });
    }
    // Graph is back: the next refresh runs anew and succeeds.
    await alerts.refresh(name);
    expect(await refreshesAudited()).toBe(before + 2);
  });

  it('ends a refresh whose background run was lost as failed, at the next alerts scan', async () => {
    const name = 'StaleSignInAlert';
    const operationId = `refresh:${alertId(name)}`;
    // What a crash leaves: the operation running, its run gone.
    const started = new Date().toISOString();
    const current = await deps().alertRepository.storedOperation(operationId);
    await deps().alertRepository.saveOperation({ operation: { id: operationId, createdDateTime: started, lastActionDateTime: started, status: 'running', statusDetail: null }, runId: `${operationId}|lost` }, current?.etag);

    // Soon after, it still counts as under way: a refresh joins it rather than starting another.
    const joined = await app.call('admin', `${ALERTS}/alerts/${alertId(name)}/refresh`, { method: 'POST' });
    expect(joined.status).toBe(202);
    expect((await app.api('admin', 'GET', `${ALERTS}/operations/${operationId}`)).body).toMatchObject({ status: 'running', createdDateTime: started });

    await app.later(2 * 60 * 60_000, () => runTimer(app, 'pimAlerts'));
    const ended = await app.api('admin', 'GET', `${ALERTS}/operations/${operationId}`);
    expect(ended.body).toMatchObject({ status: 'failed', createdDateTime: started });
    expect(ended.body.statusDetail).toContain('stopped without finishing');

    // A new refresh starts its own run.
    await alerts.refresh(name);
  });

  it('refuses a bad configuration with Graph errors and changes nothing', async () => {
    const name = 'TooManyGlobalAdminsAssignedToTenantAlert';
    const wrongType = await alerts.configure(name, { globalAdminCountThreshold: 5 }, 'staleSignInAlertConfiguration');
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error?.code).toBe('InvalidAlertConfiguration');
    const badNumbers = await alerts.configure(name, { globalAdminCountThreshold: 0, percentageOfGlobalAdminsOutOfRolesThreshold: 150 }, 'tooManyGlobalAdminsAssignedToTenantAlertConfiguration');
    expect(badNumbers.status).toBe(400);
    expect(badNumbers.body.error?.message).toContain('globalAdminCountThreshold');
    expect(badNumbers.body.error?.message).toContain('percentageOfGlobalAdminsOutOfRolesThreshold');
    const staleTooLong = await alerts.configure('StaleSignInAlert', { duration: 'P400D' }, 'staleSignInAlertConfiguration');
    expect(staleTooLong.status).toBe(400);
    expect(staleTooLong.body.error?.message).toContain('P365D');
    const notConfigurable = await alerts.configure('RolesAssignedOutsidePimAlert', { duration: 'P3D' }, 'rolesAssignedOutsidePrivilegedIdentityManagementAlertConfiguration');
    expect(notConfigurable.status).toBe(400);
    expect((await app.api('admin', 'GET', `${ALERTS}/alertConfigurations/${alertId(name)}`)).body).toMatchObject({ globalAdminCountThreshold: 3, percentageOfGlobalAdminsOutOfRolesThreshold: 10 });
    expect(await audited('Update PIM alert setting')).toEqual([]);
  });
});

describe('roles assigned outside PIM', () => {
  it("is raised for an assignment made in the directory, not for PIM's own, and remediation removes it", async () => {
    await adminAssign(app, 'assignment', USERS.bob, ROLES.globalReader);
    const outside = await assignOutsidePim(app, USERS.dave, ROLES.exchange);
    const pimGrant = (await app.graph.listAssignments()).find((a) => a.principalId === USERS.bob && a.roleDefinitionId === ROLES.globalReader);
    expect(pimGrant).toBeDefined();

    await alerts.refresh('RolesAssignedOutsidePimAlert');
    const incidents = await alerts.incidents('RolesAssignedOutsidePimAlert');
    expect(ids(incidents)).toContain(outside);
    expect(ids(incidents)).not.toContain(pimGrant?.id);
    expect(incidents.find((i) => i.id === outside)).toMatchObject({
      '@odata.type': '#microsoft.graph.rolesAssignedOutsidePrivilegedIdentityManagementAlertIncident',
      assigneeId: USERS.dave,
      assigneeDisplayName: 'Dave Diaz',
      assigneeUserPrincipalName: 'dave@contoso.test',
      roleDefinitionId: ROLES.exchange,
      roleDisplayName: 'Exchange Administrator',
    });
    expect((await audited('Triggered PIM alert')).some((r) => r.additionalDetails.some((d) => d.key === 'incidentId' && d.value === outside))).toBe(true);

    expect((await alerts.remediate('RolesAssignedOutsidePimAlert', outside, 'erin')).status).toBe(403);
    const remediated = await alerts.remediate('RolesAssignedOutsidePimAlert', outside);
    expect(remediated.status, JSON.stringify(remediated.body)).toBe(200);
    expect((await app.graph.listAssignments()).some((a) => a.id === outside)).toBe(false);
    expect(ids(await alerts.incidents('RolesAssignedOutsidePimAlert'))).not.toContain(outside);
    expect((await audited('Resolve PIM alert')).some((r) => r.additionalDetails.some((d) => d.key === 'incidentId' && d.value === outside))).toBe(true);
    expect((await alerts.remediate('RolesAssignedOutsidePimAlert', outside)).status).toBe(404);
  });

  it('stops scanning once dismissed, and a refresh reactivates it and finds what is new', async () => {
    const name = 'RolesAssignedOutsidePimAlert';
    const first = await assignOutsidePim(app, USERS.carol, ROLES.exchange);
    await app.reconcile();
    expect(ids(await alerts.incidents(name))).toContain(first);

    expect((await app.api('admin', 'PATCH', `${ALERTS}/alerts/${alertId(name)}`, { isActive: true })).status).toBe(400);
    expect((await app.api('admin', 'PATCH', `${ALERTS}/alerts/${alertId(name)}`, { isActive: false })).status).toBe(204);
    const dismissed = await alerts.alert(name);
    expect(dismissed.isActive).toBe(false);
    expect(dismissed.lastModifiedDateTime).not.toBe('0001-01-01T08:00:00Z');

    const second = await assignOutsidePim(app, USERS.erin, ROLES.exchange);
    await app.reconcile();
    // Dismissed: incidents stay readable, nothing new is recorded.
    const whileDismissed = ids(await alerts.incidents(name));
    expect(whileDismissed).toContain(first);
    expect(whileDismissed).not.toContain(second);

    await alerts.refresh(name);
    expect((await alerts.alert(name)).isActive).toBe(true);
    expect(ids(await alerts.incidents(name))).toEqual(expect.arrayContaining([first, second]));
    expect((await audited('Refresh PIM alert')).length).toBeGreaterThan(0);
  });
});

describe('too many Global Administrators', () => {
  const name = 'TooManyGlobalAdminsAssignedToTenantAlert';
  const type = 'tooManyGlobalAdminsAssignedToTenantAlertConfiguration';

  it('is raised when both thresholds are reached; raising them through the configuration API resolves it', async () => {
    await alerts.refresh(name);
    expect((await alerts.alert(name)).incidentCount).toBe(0);
    for (const user of [USERS.alice, USERS.bob, USERS.carol]) await adminAssign(app, 'eligibility', user, ROLES.globalAdmin);

    await alerts.refresh(name);
    const incidents = await alerts.incidents(name);
    expect(ids(incidents).sort()).toEqual([USERS.alice, USERS.bob, USERS.carol].sort());
    expect(incidents[0]?.['@odata.type']).toBe('#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertIncident');

    expect((await alerts.configure(name, { globalAdminCountThreshold: 4 }, type)).status).toBe(204);
    await alerts.refresh(name);
    expect((await alerts.alert(name)).incidentCount).toBe(0);

    // Three of the six role holdings (with Bob's Global Reader and the Exchange Administrators assigned outside PIM) are Global Administrator: 50%.
    expect((await alerts.configure(name, { globalAdminCountThreshold: 2, percentageOfGlobalAdminsOutOfRolesThreshold: 70 }, type)).status).toBe(204);
    await alerts.refresh(name);
    expect((await alerts.alert(name)).incidentCount).toBe(0);
    expect((await alerts.configure(name, { percentageOfGlobalAdminsOutOfRolesThreshold: 50 }, type)).status).toBe(204);
    await alerts.refresh(name);
    expect((await alerts.alert(name)).incidentCount).toBe(3);
    expect((await audited('Update PIM alert setting')).length).toBe(3);
  });
});

describe('roles that do not require MFA on activation', () => {
  const name = 'NoMfaOnRoleActivationAlert';
  const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.helpdesk}/rules/Enablement_EndUser_Assignment`;

  it('is raised for an eligible role whose activation asks no MFA, not for those that do; remediation requires MFA', async () => {
    await adminAssign(app, 'eligibility', USERS.dave, ROLES.helpdesk);
    await alerts.refresh(name);
    expect(ids(await alerts.incidents(name))).toEqual([]);

    const loosened = await app.api('admin', 'PATCH', rule, { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification'] });
    expect(loosened.status, JSON.stringify(loosened.body)).toBe(204);
    await alerts.refresh(name);
    const incidents = await alerts.incidents(name);
    expect(incidents).toEqual([expect.objectContaining({ id: ROLES.helpdesk, roleDefinitionId: ROLES.helpdesk, roleDisplayName: 'Helpdesk Administrator' })]);

    expect((await alerts.remediate(name, ROLES.helpdesk)).status).toBe(200);
    expect((await app.api('admin', 'GET', rule)).body.enabledRules).toEqual(['Justification', 'MultiFactorAuthentication']);
    expect(await alerts.incidents(name)).toEqual([]);
    await alerts.refresh(name);
    expect(await alerts.incidents(name)).toEqual([]);
  });
});

describe('potential stale accounts in privileged roles', () => {
  const name = 'StaleSignInAlert';

  it('is raised for holders of privileged roles who have not signed in for the configured days, not for those who have', async () => {
    // Alice, Bob and Carol are eligible for Global Administrator (above), Dave for Helpdesk Administrator.
    await alerts.refresh(name);
    expect(await alerts.incidents(name)).toEqual([]);

    // "31 days later" (the app's clock): Alice signed in the day before; the others never did.
    await signIn(app, 'alice', new Date(Date.now() + 30 * DAY).toISOString());
    await app.later(31 * DAY, () => alerts.refresh(name));
    const incidents = await alerts.incidents(name);
    expect(ids(incidents)).toEqual(expect.arrayContaining([`${USERS.bob}_${ROLES.globalAdmin}`, `${USERS.dave}_${ROLES.helpdesk}`]));
    expect(ids(incidents).some((id) => id.startsWith(USERS.alice))).toBe(false);
    // Global Reader is not a privileged role: Bob's active Global Reader raises nothing.
    expect(ids(incidents)).not.toContain(`${USERS.bob}_${ROLES.globalReader}`);
    expect(incidents.find((i) => i.id === `${USERS.bob}_${ROLES.globalAdmin}`)).toMatchObject({ '@odata.type': '#microsoft.graph.staleSignInAlertIncident', lastSignInDateTime: null, roleDisplayName: 'Global Administrator' });

    expect((await alerts.configure(name, { duration: 'P60D' }, 'staleSignInAlertConfiguration')).status).toBe(204);
    await app.later(31 * DAY, () => alerts.refresh(name));
    expect(await alerts.incidents(name)).toEqual([]);
  });
});

describe("administrators who don't use their privileged roles", () => {
  const name = 'RedundantAssignmentAlert';

  it('is raised for an eligible privileged role not activated for the configured days, not for a role that is not privileged', async () => {
    await adminAssign(app, 'eligibility', USERS.erin, ROLES.exchange);
    await alerts.refresh(name);
    expect(await alerts.incidents(name)).toEqual([]);

    await app.later(16 * DAY, () => alerts.refresh(name));
    const incidents = ids(await alerts.incidents(name));
    expect(incidents).toEqual(expect.arrayContaining([`${USERS.alice}_${ROLES.globalAdmin}`, `${USERS.dave}_${ROLES.helpdesk}`]));
    // Exchange Administrator is not privileged.
    expect(incidents).not.toContain(`${USERS.erin}_${ROLES.exchange}`);

    expect((await alerts.configure(name, { duration: 'P20D' }, 'redundantAssignmentAlertConfiguration')).status).toBe(204);
    await app.later(16 * DAY, () => alerts.refresh(name));
    expect(await alerts.incidents(name)).toEqual([]);

    expect((await alerts.configure(name, { duration: 'P101D' }, 'redundantAssignmentAlertConfiguration')).status).toBe(400);
  });
});

describe('roles activated too frequently', () => {
  const name = 'SequentialActivationRenewalsAlert';
  const type = 'sequentialActivationRenewalsAlertConfiguration';
  const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
  const slot = { principalId: USERS.bob, roleDefinitionId: ROLES.privRole, directoryScopeId: '/' };
  const holdsRole = async () => (await app.graph.listAssignments()).some((a) => a.principalId === USERS.bob && a.roleDefinitionId === ROLES.privRole);

  /** Bob activates Privileged Role Administrator, and deactivates it as soon as Entra allows (6 minutes later, by the app's clock). */
  async function activateAndDeactivate() {
    const activated = await app.api('bob', 'POST', REQUESTS, { action: 'selfActivate', ...slot, justification: 'renewal test', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } } });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    // Granted and recorded as such: a deactivation before that would race the workflow's own write.
    const id = String(activated.body.id);
    await eventually(async () => ((await holdsRole()) && (await app.api('bob', 'GET', `${REQUESTS}/${id}`)).body.status === 'Provisioned' ? true : undefined), 15_000);
    const deactivated = await app.later(6 * 60_000, () => app.api('bob', 'POST', REQUESTS, { action: 'selfDeactivate', ...slot }));
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(201);
    await eventually(async () => (!(await holdsRole()) ? true : undefined), 15_000);
  }

  it('is raised for a run of activations as long as the configured counter, not for a shorter one', async () => {
    await adminAssign(app, 'eligibility', USERS.bob, ROLES.privRole);
    expect((await alerts.configure(name, { sequentialActivationCounterThreshold: 3, timeIntervalBetweenActivations: 'PT1H' }, type)).status).toBe(204);
    await activateAndDeactivate();
    await activateAndDeactivate();
    await alerts.refresh(name);
    expect(await alerts.incidents(name)).toEqual([]);

    expect((await alerts.configure(name, { sequentialActivationCounterThreshold: 2 }, type)).status).toBe(204);
    await alerts.refresh(name);
    const incidents = await alerts.incidents(name);
    expect(incidents).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.sequentialActivationRenewalsAlertIncident', assigneeId: USERS.bob, roleDefinitionId: ROLES.privRole, activationCount: 2 })]);
    expect((await alerts.remediate(name, incidents[0]?.id ?? '')).body.error?.code).toBe('AlertNotRemediatable');
    expect((await alerts.configure(name, { sequentialActivationCounterThreshold: 1 }, type)).status).toBe(400);
  });
});
