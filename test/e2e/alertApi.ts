import { expect } from 'vitest';
import type { TimerExtension } from '../../devhost/timers';
import { eventually } from '../devhost/helpers';
import type { AppHost } from './appHost';
import { TENANT_ID } from './appHost';

/** The alerts API as a Graph client calls it, for the alert and break-glass tests. */
export const ALERTS = '/beta/identityGovernance/roleManagementAlerts';
export const SCOPE_FILTER = `$filter=${encodeURIComponent("scopeId eq '/' and scopeType eq 'DirectoryRole'")}`;
export const alertId = (name: string) => `DirectoryRole_${TENANT_ID}_${name}`;

export interface Incident {
  id: string;
  '@odata.type': string;
  assigneeId?: string;
  roleDefinitionId?: string | null;
  [field: string]: unknown;
}

export interface Alert {
  id: string;
  isActive: boolean;
  incidentCount: number;
  lastModifiedDateTime: string;
  lastScannedDateTime: string | null;
}

export function alertClient(app: AppHost) {
  return {
    async alert(name: string): Promise<Alert> {
      const res = await app.api('admin', 'GET', `${ALERTS}/alerts/${alertId(name)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as unknown as Alert;
    },
    async incidents(name: string): Promise<Incident[]> {
      const res = await app.api('admin', 'GET', `${ALERTS}/alerts/${alertId(name)}/alertIncidents`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.value as Incident[];
    },
    /** POST .../alerts/{id}/refresh: 202 with a Location whose operation, followed until it ends, reports success. */
    async refresh(name: string): Promise<void> {
      const res = await app.call('admin', `${ALERTS}/alerts/${alertId(name)}/refresh`, { method: 'POST' });
      expect(res.status, await res.clone().text()).toBe(202);
      const location = res.headers.get('location') ?? '';
      expect(location).toBe(`${app.url}${ALERTS}/operations/refresh:${alertId(name)}`);
      const operation = await operationOutcome(app, location);
      expect(operation).toMatchObject({ id: `refresh:${alertId(name)}`, status: 'succeeded', statusDetail: null });
    },
    async configure(name: string, settings: Record<string, unknown>, type: string) {
      return app.api('admin', 'PATCH', `${ALERTS}/alertConfigurations/${alertId(name)}`, { '@odata.type': `#microsoft.graph.${type}`, ...settings });
    },
    async remediate(name: string, incidentId: string, user = 'admin') {
      return app.api(user, 'POST', `${ALERTS}/alerts/${alertId(name)}/alertIncidents/${encodeURIComponent(incidentId)}/remediate`);
    },
  };
}

/** Follows a refresh operation (its Location) as a client polls it, until it has succeeded or failed. */
export async function operationOutcome(app: AppHost, location: string, user = 'admin'): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const res = await app.api(user, 'GET', new URL(location).pathname);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.status === 'succeeded' || res.body.status === 'failed' ? (res.body as Record<string, unknown>) : undefined;
  }, 60_000);
}

/** Runs one of the app's timers now, as the host would on its schedule, and waits for it. */
export async function runTimer(app: AppHost, name: string): Promise<void> {
  const timers = app.host.extension<TimerExtension>('timers');
  if (!timers) throw new Error('no timer extension');
  await timers.runNow(name);
}

/** Adds a sign-in to devhost's sign-in logs (its test hook), as if the user had signed in then. */
export async function signIn(app: AppHost, user: string, createdDateTime?: string): Promise<{ id: string; createdDateTime: string }> {
  const res = await fetch(`${app.url}/.devhost/graph/signIns`, { method: 'POST', body: JSON.stringify({ user, ...(createdDateTime ? { createdDateTime } : {}) }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; createdDateTime: string };
}

/** An admin's request (eligible or active) for a directory role at the tenant, expected to succeed. */
export async function adminAssign(app: AppHost, kind: 'eligibility' | 'assignment', principalId: string, roleDefinitionId: string, expiration: Record<string, unknown> = { type: 'afterDuration', duration: 'P90D' }) {
  const path = kind === 'eligibility' ? '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests' : '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
  const res = await app.api('admin', 'POST', path, { action: 'adminAssign', principalId, roleDefinitionId, directoryScopeId: '/', justification: 'alerts test', scheduleInfo: { expiration } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** An assignment made straight in the directory (the Graph stand-in), outside PIM. */
export async function assignOutsidePim(app: AppHost, principalId: string, roleDefinitionId: string): Promise<string> {
  const made = await fetch(`${app.url}/.devhost/graph/v1.0/roleManagement/directory/roleAssignments`, { method: 'POST', body: JSON.stringify({ principalId, roleDefinitionId, directoryScopeId: '/' }) });
  expect(made.status).toBe(201);
  return ((await made.json()) as { id: string }).id;
}
