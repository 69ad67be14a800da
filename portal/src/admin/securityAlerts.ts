/** Admin → Security alerts: Graph beta's roleManagementAlerts as the page reads and changes them. */
import type { AlertSettings } from '../../../shared/domain/alerts';
import type { Api } from '../api';
import { type Alert, byAttention, type Incident, type Operation, thresholdsOf, thresholdText, thresholdValue } from './alertModel';

export const ALERTS = '/beta/identityGovernance/roleManagementAlerts';
/** Graph answers 400 to a list without it: alerts cover directory roles at the tenant. */
const SCOPE_FILTER = `$filter=${encodeURIComponent("scopeId eq '/' and scopeType eq 'DirectoryRole'")}`;

export async function loadAlerts(api: Api): Promise<Alert[]> {
  const alerts = await api.list<Alert>(`${ALERTS}/alerts?${SCOPE_FILTER}&$expand=alertDefinition,alertConfiguration`);
  return alerts.sort(byAttention);
}

const alertPath = (alert: Pick<Alert, 'id'>) => `${ALERTS}/alerts/${encodeURIComponent(alert.id)}`;

export const loadIncidents = (api: Api, alert: Alert) => api.list<Incident>(`${alertPath(alert)}/alertIncidents`);

/** Dismissed: no longer active nor scanned until a refresh; its incidents stay readable. */
export const dismissAlert = (api: Api, alert: Alert) => api.call<unknown>('PATCH', alertPath(alert), { isActive: false });

/** Does what the definition's mitigation says for one incident (e.g. removes the assignment made outside PIM). */
export const remediateIncident = (api: Api, alert: Alert, incident: Incident) => api.call<unknown>('POST', `${alertPath(alert)}/alertIncidents/${encodeURIComponent(incident.id)}/remediate`);

const POLL_EVERY_MS = 1_000;
const POLL_AT_MOST = 120;

/**
 * Rescans every alert (which also reactivates dismissed ones): Graph answers 202 with the
 * operation to follow, polled until it ends. A failed scan is an error naming what failed.
 */
export async function refreshAlerts(api: Api, wait = (ms: number) => new Promise((done) => setTimeout(done, ms))): Promise<Operation> {
  const operationPath = await api.accepted('POST', `${ALERTS}/alerts/refresh`, { scopeId: '/', scopeType: 'DirectoryRole' });
  for (let polls = 0; polls < POLL_AT_MOST; polls++) {
    const operation = await api.call<Operation>('GET', operationPath);
    if (operation.status === 'failed') throw new Error(`The scan failed: ${operation.statusDetail ?? 'no detail given'}.`);
    if (operation.status !== 'notStarted' && operation.status !== 'running') return operation;
    await wait(POLL_EVERY_MS);
  }
  throw new Error('The scan is still running; refresh again in a minute to see its results.');
}

/** PATCH alertConfigurations/{id}: Graph wants the configuration's own @odata.type with the changes. */
export function saveConfiguration(api: Api, alert: Alert, isEnabled: boolean, typed: Partial<Record<keyof AlertSettings, string>>): Promise<unknown> {
  const thresholds = Object.fromEntries(thresholdsOf(alert).map((t) => [t.field, thresholdValue(t, typed[t.field] ?? thresholdText(alert, t))]));
  return api.call('PATCH', `${ALERTS}/alertConfigurations/${encodeURIComponent(alert.alertConfiguration.id)}`, { '@odata.type': alert.alertConfiguration['@odata.type'], isEnabled, ...thresholds });
}
