import { randomUUID } from 'node:crypto';
import { ALERT_DEFINITIONS, ALERT_NAMES, type AlertName, type AlertSettings, alertId, alertNameOf, patchSettings } from '../../domain/alerts';
import type { Caller } from '../../domain/caller';
import { badRequest, forbidden, notFound } from '../../domain/errors';
import type { AlertOperation, AlertState, StoredIncident } from '../../ports/alerts';
import { alertAudit, newAlertState, scanAlerts, settingsOf, withRetry } from './scan';
import type { AlertDeps } from './world';
import { remediateIncident } from './remediate';

/** Why: alerts describe the tenant's weak spots; admins and auditors read them, only admins act on them. */
function mayRead(caller: Caller): void {
  if (caller.isAdmin || caller.isAuditor) return;
  throw forbidden('Reading PIM alerts needs the PIM administrator or PIM auditor app role (PIM.Admin or PIM.Auditor).');
}

function mayWrite(caller: Caller): void {
  if (!caller.isAdmin) throw forbidden('Only PIM administrators can change, dismiss, refresh or remediate PIM alerts.');
}

/** The alert an id names (404 for anything else, as Graph). */
export function requireAlert(deps: AlertDeps, id: string, what: string): AlertName {
  const name = alertNameOf(deps.tenantId, id);
  if (!name) throw notFound(what, id);
  return name;
}

/** One alert as the API shows it: its state, settings and incidents. */
export interface AlertView {
  name: AlertName;
  state: AlertState;
  settings: AlertSettings;
}

export async function listAlerts(deps: AlertDeps, caller: Caller): Promise<AlertView[]> {
  mayRead(caller);
  return Promise.all(ALERT_NAMES.map((name) => viewOf(deps, name)));
}

export async function getAlert(deps: AlertDeps, caller: Caller, id: string): Promise<AlertView> {
  mayRead(caller);
  return viewOf(deps, requireAlert(deps, id, 'unifiedRoleManagementAlert'));
}

async function viewOf(deps: AlertDeps, name: AlertName): Promise<AlertView> {
  const [state, settings] = await Promise.all([deps.alertRepository.state(name), settingsOf(deps, name)]);
  return { name, state: state?.value ?? newAlertState(name), settings };
}

export async function listIncidents(deps: AlertDeps, caller: Caller, id: string): Promise<{ name: AlertName; incidents: StoredIncident[] }> {
  mayRead(caller);
  const name = requireAlert(deps, id, 'unifiedRoleManagementAlert');
  return { name, incidents: await deps.alertRepository.incidents(name) };
}

export async function readSettings(deps: AlertDeps, caller: Caller, id?: string): Promise<Array<{ name: AlertName; settings: AlertSettings }>> {
  mayRead(caller);
  const names = id === undefined ? [...ALERT_NAMES] : [requireAlert(deps, id, 'unifiedRoleManagementAlertConfiguration')];
  return Promise.all(names.map(async (name) => ({ name, settings: await settingsOf(deps, name) })));
}

export function readDefinitions(deps: AlertDeps, caller: Caller, id?: string): AlertName[] {
  mayRead(caller);
  return id === undefined ? [...ALERT_NAMES] : [requireAlert(deps, id, 'unifiedRoleManagementAlertDefinition')];
}

/** PATCH alertConfigurations/{id}: isEnabled and the thresholds, validated; audited as "Update PIM alert setting". */
export async function updateSettings(deps: AlertDeps, caller: Caller, id: string, body: unknown): Promise<void> {
  mayWrite(caller);
  const name = requireAlert(deps, id, 'unifiedRoleManagementAlertConfiguration');
  const correlationId = randomUUID();
  await withRetry(async () => {
    const stored = await deps.alertRepository.settings(name);
    const current = stored?.value ?? (await settingsOf(deps, name));
    const next = patchSettings(name, current, body);
    const audit = alertAudit(deps, 'Update PIM alert setting', name, caller, correlationId, deps.clock.now(), {}, [{ displayName: 'alertConfiguration', oldValue: JSON.stringify(current), newValue: JSON.stringify(next) }]);
    await deps.alertRepository.saveSettings(name, next, stored?.etag, { audit: [audit] });
  });
}

/** PATCH alerts/{id} {"isActive": false}: dismissed; scanning stops until a refresh, incidents stay. Audited as "Resolve PIM alert". */
export async function dismissAlert(deps: AlertDeps, caller: Caller, id: string, body: unknown): Promise<void> {
  mayWrite(caller);
  const name = requireAlert(deps, id, 'unifiedRoleManagementAlert');
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const others = Object.keys(fields ?? {}).filter((k) => k !== 'isActive' && k !== '@odata.type');
  if (!fields || fields.isActive !== false || others.length > 0) {
    throw badRequest(`Send {"isActive": false} to dismiss the alert${others.length ? `; ${others.join(', ')} cannot be changed` : ''}. A dismissed alert becomes active again with POST .../alerts/${id}/refresh.`, 'InvalidAlertUpdate');
  }
  const correlationId = randomUUID();
  await withRetry(async () => {
    const stored = await deps.alertRepository.state(name);
    const state = stored?.value ?? newAlertState(name);
    const now = deps.clock.now();
    const audit = alertAudit(deps, 'Resolve PIM alert', name, caller, correlationId, now, { action: 'dismiss' }, [{ displayName: 'isActive', oldValue: String(state.isActive), newValue: 'false' }]);
    await deps.alertRepository.saveState({ ...state, isActive: false, lastModifiedDateTime: now.toISOString() }, stored?.etag, { add: [], remove: [] }, { audit: [audit] });
  });
}

/** The operation id a refresh answers with (Graph: `refresh:{alertId}`; all alerts: `refresh:{scope id}`). */
export const refreshOperationId = (deps: AlertDeps, name?: AlertName) => `refresh:${name ? alertId(deps.tenantId, name) : `DirectoryRole_${deps.tenantId}`}`;

/**
 * POST alerts/{id}/refresh or alerts/refresh: reactivates and rescans, recorded as an operation
 * to poll. The scan reads live work only, so it runs before the answer; the operation says how it went.
 */
export async function refreshAlerts(deps: AlertDeps, caller: Caller, id?: string): Promise<AlertOperation> {
  mayWrite(caller);
  const name = id === undefined ? undefined : requireAlert(deps, id, 'unifiedRoleManagementAlert');
  const started = deps.clock.now().toISOString();
  const operation: AlertOperation = { id: refreshOperationId(deps, name), createdDateTime: started, lastActionDateTime: started, status: 'running', statusDetail: null };
  await deps.alertRepository.saveOperation(operation);
  // Every named alert is reactivated; those the watcher raises (break-glass sign-ins) have nothing to rescan.
  const report = await scanAlerts(deps, { names: name ? [name] : [...ALERT_NAMES], refreshedBy: caller });
  const done: AlertOperation = {
    ...operation,
    lastActionDateTime: deps.clock.now().toISOString(),
    status: report.failed.length > 0 ? 'failed' : 'succeeded',
    statusDetail: report.failed.length > 0 ? report.failed.map((f) => `${f.alert}: ${f.error}`).join('; ') : null,
  };
  await deps.alertRepository.saveOperation(done);
  return done;
}

export async function getOperation(deps: AlertDeps, caller: Caller, id: string): Promise<AlertOperation> {
  mayRead(caller);
  const operation = await deps.alertRepository.operation(id);
  if (!operation) throw notFound('longRunningOperation', id);
  return operation;
}

/** POST alerts/{id}/alertIncidents/{incidentId}/remediate: does what the definition's remediation says. */
export async function remediate(deps: AlertDeps, caller: Caller, id: string, incidentId: string): Promise<void> {
  mayWrite(caller);
  const name = requireAlert(deps, id, 'unifiedRoleManagementAlert');
  const incident = await deps.alertRepository.incident(name, incidentId);
  if (!incident) throw notFound('unifiedRoleManagementAlertIncident', incidentId);
  if (!ALERT_DEFINITIONS[name].isRemediatable) throw badRequest(`${ALERT_DEFINITIONS[name].displayName}: this alert has no remediation; ${ALERT_DEFINITIONS[name].mitigationSteps}`, 'AlertNotRemediatable');
  await remediateIncident(deps, caller, name, incident);
}
