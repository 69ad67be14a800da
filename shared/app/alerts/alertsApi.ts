import { randomUUID } from 'node:crypto';
import { ALERT_DEFINITIONS, ALERT_NAMES, type AlertName, type AlertSettings, alertId, alertNameOf, patchSettings } from '../../domain/alerts';
import type { Caller } from '../../domain/caller';
import { badRequest, DomainError, forbidden, notFound } from '../../domain/errors';
import type { AlertOperation, AlertState, StoredIncident } from '../../ports/alerts';
import type { AlertRefreshInput, AlertRefreshWorkflow } from '../../ports/workflow';
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
 * How long a refresh may show no progress before it counts as lost: longer than its scan may run
 * with the durable retries (functionTimeout 10 min per attempt, three attempts and their waits).
 */
export const REFRESH_LOST_AFTER_MS = 60 * 60_000;

const isUnderWay = (operation: AlertOperation, now: Date) =>
  (operation.status === 'notStarted' || operation.status === 'running') && now.getTime() - Date.parse(operation.lastActionDateTime) < REFRESH_LOST_AFTER_MS;

/**
 * POST alerts/{id}/refresh or alerts/refresh: records the operation (notStarted) and hands the
 * rescan to background work, so the answer (202 and the operation to poll) comes at once; a
 * scan of a large tenant outlasts the front end's HTTP timeout. A refresh already under way is
 * the answer to a second one (same operation id); the run id in the conditional write makes
 * sure only one of two concurrent callers starts a run.
 */
export async function refreshAlerts(deps: AlertDeps, caller: Caller, workflow: AlertRefreshWorkflow, id?: string): Promise<AlertOperation> {
  mayWrite(caller);
  const name = id === undefined ? undefined : requireAlert(deps, id, 'unifiedRoleManagementAlert');
  const operationId = refreshOperationId(deps, name);
  const now = deps.clock.now();
  const current = await deps.alertRepository.storedOperation(operationId);
  if (current && isUnderWay(current.value.operation, now)) return current.value.operation;
  const runId = `${operationId}|${randomUUID()}`;
  const operation: AlertOperation = { id: operationId, createdDateTime: now.toISOString(), lastActionDateTime: now.toISOString(), status: 'notStarted', statusDetail: null };
  try {
    await deps.alertRepository.saveOperation({ operation, runId }, current?.etag);
  } catch (error) {
    // Another admin's refresh got there first: theirs is under way, and is this one's answer.
    const winner = error instanceof DomainError && error.code === 'ConcurrentModification' ? await deps.alertRepository.operation(operationId) : undefined;
    if (winner) return winner;
    throw error;
  }
  // Every named alert is reactivated; those the watcher raises (break-glass sign-ins) have nothing to rescan.
  const input: AlertRefreshInput = { operationId, runId, names: name ? [name] : [...ALERT_NAMES], refreshedBy: caller };
  try {
    await workflow.start(input);
  } catch (error) {
    // Not started: the operation says so rather than waiting for a run that never comes.
    await finishRefresh(deps, input, [{ alert: name ?? 'all', error: `The refresh could not be started: ${messageOf(error)}` }]);
    throw error;
  }
  return operation;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The background part of a refresh (an idempotent durable activity, retried on failure): marks
 * the operation running, scans, and records how it went. A run that no longer owns the
 * operation (a newer refresh replaced a lost one) does nothing.
 */
export async function runRefresh(deps: AlertDeps, input: AlertRefreshInput): Promise<AlertOperation | undefined> {
  const stored = await deps.alertRepository.storedOperation(input.operationId);
  if (!stored || stored.value.runId !== input.runId) return undefined;
  const running: AlertOperation = { ...stored.value.operation, status: 'running', statusDetail: null, lastActionDateTime: deps.clock.now().toISOString() };
  await deps.alertRepository.saveOperation({ operation: running, runId: input.runId }, stored.etag);
  // The run id as correlation id: a retried attempt's audit records join the first one's.
  const report = await scanAlerts(deps, { names: input.names, refreshedBy: input.refreshedBy, correlationId: input.runId });
  return finishRefresh(deps, input, report.failed);
}

/** When every attempt of the background run failed: the operation ends failed with the reason. */
export async function failRefresh(deps: AlertDeps, input: AlertRefreshInput, reason: string): Promise<AlertOperation | undefined> {
  return finishRefresh(deps, input, [{ alert: input.names.length === 1 ? (input.names[0] ?? 'all') : 'all', error: reason }]);
}

/** Records the outcome, as long as this run still owns the operation (a row changed meanwhile is read again). */
async function finishRefresh(deps: AlertDeps, input: AlertRefreshInput, failed: Array<{ alert: string; error: string }>): Promise<AlertOperation | undefined> {
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.alertRepository.storedOperation(input.operationId);
    if (!stored || stored.value.runId !== input.runId) return undefined;
    const done: AlertOperation = {
      ...stored.value.operation,
      lastActionDateTime: deps.clock.now().toISOString(),
      status: failed.length > 0 ? 'failed' : 'succeeded',
      statusDetail: failed.length > 0 ? failed.map((f) => `${f.alert}: ${f.error}`).join('; ') : null,
    };
    try {
      await deps.alertRepository.saveOperation({ operation: done, runId: input.runId }, stored.etag);
      return done;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'ConcurrentModification') || attempt >= 4) throw error;
    }
  }
}

/**
 * Refreshes whose background run was lost (no progress for REFRESH_LOST_AFTER_MS) end failed,
 * so no operation shows running for ever. Point reads of the few operation ids there are (one
 * per alert and one for all), run by the pimAlerts timer.
 */
export async function endLostRefreshes(deps: AlertDeps): Promise<string[]> {
  const ended: string[] = [];
  const now = deps.clock.now();
  for (const operationId of [refreshOperationId(deps), ...ALERT_NAMES.map((n) => refreshOperationId(deps, n))]) {
    const stored = await deps.alertRepository.storedOperation(operationId);
    if (!stored) continue;
    const { operation, runId } = stored.value;
    if ((operation.status !== 'notStarted' && operation.status !== 'running') || isUnderWay(operation, now)) continue;
    const lost: AlertOperation = { ...operation, status: 'failed', lastActionDateTime: now.toISOString(), statusDetail: `The refresh stopped without finishing (no progress since ${operation.lastActionDateTime}); refresh again.` };
    try {
      await deps.alertRepository.saveOperation({ operation: lost, runId }, stored.etag);
      ended.push(operationId);
    } catch (error) {
      // It moved meanwhile (its run finished, or a new refresh began): nothing is lost.
      if (!(error instanceof DomainError && error.code === 'ConcurrentModification')) throw error;
    }
  }
  return ended;
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
