import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deps } from '../../functions/composition';
import { eventually } from '../devhost/helpers';
import type { DomainEvent } from '../../shared/domain/events';
import { ALERTS, alertClient, alertId, type Incident } from '../e2e/alertApi';
import { type AppHost, capturePublished, startAppHost } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';

let app: AppHost;
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
type Alias = keyof typeof USERS;

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

async function fault(spec: Record<string, unknown>) {
  const res = await fetch(`${app.url}/.devhost/graph/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  expect(res.status).toBeLessThan(300);
}
const clearFaults = () => fetch(`${app.url}/.devhost/graph/faults`, { method: 'DELETE' });

async function eligible(principalId: string, roleDefinitionId: string) {
  const res = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
    action: 'adminAssign', principalId, roleDefinitionId, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  expect(res.status).toBe(201);
}

async function activate(alias: Alias, roleDefinitionId: string): Promise<string> {
  const res = await app.api(alias, 'POST', REQUESTS, {
    action: 'selfActivate', principalId: USERS[alias], roleDefinitionId, directoryScopeId: '/', justification: 'fault test',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT5M' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return String(res.body.id);
}

const statusOf = async (id: string) => String((await app.api('admin', 'GET', `${REQUESTS}/${id}`)).body.status);
const held = async (principalId: string, roleDefinitionId: string) =>
  (await app.graph.listAssignments()).some((a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId);

describe('Graph faults', () => {
  it('with 429/503/timeouts injected, activations complete or fail with the requester told, and removals are retried until done', { timeout: 240_000 }, async () => {
    const users: Alias[] = ['alice', 'bob', 'carol', 'dave'];
    const roles = [ROLES.exchange, ROLES.helpdesk, ROLES.globalReader];
    const slots = users.flatMap((alias) => roles.map((role) => ({ alias, role })));
    for (const s of slots) await eligible(USERS[s.alias], s.role);

    await fault({ status: 503, count: 10_000, rate: 0.3, retryAfterSeconds: 0, method: 'POST', pathContains: 'roleAssignments' });
    await fault({ status: 429, count: 10_000, rate: 0.2, retryAfterSeconds: 0, method: 'GET', pathContains: 'roleAssignments' });
    await fault({ status: 0, count: 10_000, rate: 0.1, latencyMs: 6_000, pathContains: 'roleAssignments' });
    const ids = await Promise.all(slots.map((s) => activate(s.alias, s.role)));
    const outcomes = await Promise.all(
      ids.map((id) => eventually(async () => {
        const s = await statusOf(id);
        return s === 'Provisioned' || s === 'Failed' ? s : undefined;
      }, 180_000, 250)),
    );
    const failed = slots.filter((_, i) => outcomes[i] === 'Failed');
    console.log(`Graph faults: ${slots.length} activations, ${slots.length - failed.length} provisioned, ${failed.length} failed`);
    for (const [i, s] of slots.entries()) {
      if (outcomes[i] === 'Provisioned') expect(await held(USERS[s.alias], s.role)).toBe(true);
    }
    for (const s of failed) {
      await eventually(async () => ((await app.mailTo(`${s.alias}@contoso.test`)).some((m) => m.subject.startsWith('Failed: your activation')) ? true : undefined), 30_000);
    }

    // Removals under the same faults (plus failing DELETEs): retried until the directory agrees.
    await fault({ status: 503, count: 10_000, rate: 0.5, retryAfterSeconds: 0, method: 'DELETE' });
    for (const [i, s] of slots.entries()) {
      if (outcomes[i] !== 'Provisioned') continue;
      const res = await app.api('admin', 'POST', REQUESTS, { action: 'adminRemove', principalId: USERS[s.alias], roleDefinitionId: s.role, directoryScopeId: '/' });
      expect(res.status).toBe(201);
    }
    await eventually(async () => {
      await app.reconcile();
      for (const s of slots) if (await held(USERS[s.alias], s.role)) return undefined;
      return true;
    }, 120_000, 500);
    await clearFaults();
  });

  it('an activation Graph keeps refusing ends Failed, and the requester is told', { timeout: 120_000 }, async () => {
    await eligible(USERS.erin, ROLES.appAdmin);
    await fault({ status: 503, count: 100_000, retryAfterSeconds: 0, method: 'POST', pathContains: 'roleAssignments' });
    try {
      const id = await activate('erin', ROLES.appAdmin);
      await eventually(async () => ((await statusOf(id)) === 'Failed' ? true : undefined), 90_000, 250);
      await eventually(async () => ((await app.mailTo('erin@contoso.test')).some((m) => m.subject === 'Failed: your activation of Application Administrator') ? true : undefined));
      expect(await held(USERS.erin, ROLES.appAdmin)).toBe(false);
    } finally {
      await clearFaults();
    }
  });

  it('an admin removal Graph cannot carry out is answered, logged with its request id, and finished by reconcile', { timeout: 60_000 }, async () => {
    const slot = { principalId: USERS.dave, roleDefinitionId: ROLES.exchange, directoryScopeId: '/' };
    const assigned = await app.api('admin', 'POST', REQUESTS, { action: 'adminAssign', ...slot, justification: 'fault test', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P1D' } } });
    expect(assigned.status).toBe(201);
    await eventually(async () => ((await held(USERS.dave, ROLES.exchange)) ? true : undefined), 30_000);
    await fault({ status: 503, count: 100_000, retryAfterSeconds: 0, method: 'DELETE' });
    const warnings: string[] = [];
    const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.join(' ')));
    try {
      const res = await app.call('admin', REQUESTS, { method: 'POST', json: { action: 'adminRemove', ...slot, justification: 'fault test' } });
      expect(res.status).toBe(201);
      const requestId = res.headers.get('request-id');
      expect(requestId).toBeTruthy();
      // The caller was told it is done; the operator can see it was not, under the same request id.
      expect(warnings.some((w) => w.startsWith(`Request ${requestId}: revoking the ended assignment failed after the change was stored`))).toBe(true);
      expect(await held(USERS.dave, ROLES.exchange)).toBe(true);
      // Still held only because its removal failed: PIM's own grant, not one made outside PIM.
      await app.reconcile();
      const outside = (await deps().alertRepository.incidents('RolesAssignedOutsidePimAlert')).filter((a) => a.fields.assigneeId === USERS.dave && a.fields.roleDefinitionId === ROLES.exchange);
      expect(outside).toEqual([]);
    } finally {
      spy.mockRestore();
      await clearFaults();
    }
    await app.reconcile();
    expect(await held(USERS.dave, ROLES.exchange)).toBe(false);
  });

  it('a removal that cannot complete raises one RevocationFailedAlert incident (alerts API, event, audit), resolved once Graph recovers', { timeout: 120_000 }, async () => {
    const alerts = alertClient(app);
    const published: DomainEvent[] = [];
    await capturePublished(published);
    await eligible(USERS.erin, ROLES.security);
    const id = await activate('erin', ROLES.security);
    await eventually(async () => ((await statusOf(id)) === 'Provisioned' ? true : undefined), 30_000);
    await fault({ status: 503, count: 100_000, retryAfterSeconds: 0, method: 'DELETE' });
    const clock = deps().clock;
    const erinsIncidents = async () => (await alerts.incidents('RevocationFailedAlert')).filter((i) => i.assigneeId === USERS.erin);
    try {
      // Twenty minutes later the 5-minute activation should long be gone.
      deps().clock = { now: () => new Date(Date.now() + 20 * 60_000) };
      // Dismissed, as any alert: nothing is raised until a refresh makes it active again.
      expect((await app.api('admin', 'PATCH', `${ALERTS}/alerts/${alertId('RevocationFailedAlert')}`, { isActive: false })).status).toBe(204);
      await app.reconcile();
      expect(await erinsIncidents()).toEqual([]);
      await alerts.refresh('RevocationFailedAlert');
      await app.reconcile();
      await app.reconcile();
      const incidents = await erinsIncidents();
      expect(incidents).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.revocationFailedAlertIncident', assigneeDisplayName: 'Erin Evans', roleDefinitionId: ROLES.security, targetKind: 'directoryRole' })]);
      const incident = incidents[0] as Incident;
      expect(String(incident.error)).not.toBe('');
      expect(await alerts.alert('RevocationFailedAlert')).toMatchObject({ isActive: true, incidentCount: 1 });
      const definition = await app.api('admin', 'GET', `${ALERTS}/alertDefinitions/${alertId('RevocationFailedAlert')}`);
      expect(definition.body).toMatchObject({ severityLevel: 'high', isRemediatable: false });
      expect(String(definition.body.mitigationSteps)).toContain('by hand');
      // The same record and event as every alert's new incident, once.
      const triggered = (await deps().audit.list()).filter((r) => r.activityDisplayName === 'Triggered PIM alert' && r.additionalDetails.some((d) => d.key === 'incidentId' && d.value === incident.id));
      expect(triggered).toHaveLength(1);
      expect(triggered[0]?.result).toBe('failure');
      const raised = await eventually(async () => {
        const found = published.filter((e) => e.type === 'alert.incidentRaised' && e.data.incidentId === incident.id);
        return found.length > 0 ? found : undefined;
      }, 15_000, 100);
      expect(raised).toHaveLength(1);
      expect(raised[0]?.data).toMatchObject({ severityLevel: 'high', alertId: alertId('RevocationFailedAlert') });
      expect(await held(USERS.erin, ROLES.security)).toBe(true);
      await clearFaults();
      await app.reconcile();
      // The role is gone: the alerts' scan resolves the incident.
      expect(await erinsIncidents()).toEqual([]);
    } finally {
      deps().clock = clock;
      await clearFaults();
    }
    expect(await held(USERS.erin, ROLES.security)).toBe(false);
  });
});
