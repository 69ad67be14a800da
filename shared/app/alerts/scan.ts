import { randomUUID } from 'node:crypto';
import { ALERT_DEFINITIONS, type AlertName, type AlertSettings, alertId, defaultSettings } from '../../domain/alerts';
import type { Caller } from '../../domain/caller';
import { DomainError } from '../../domain/errors';
import type { DomainEvent } from '../../domain/events';
import type { AlertState, StoredIncident } from '../../ports/alerts';
import type { AuditRecord } from '../../ports/audit';
import { auditRecord } from '../audit';
import { domainEvent } from '../events';
import { targetName, targetResource } from '../targets';
import { type Finding, FINDERS } from './findings';
import { type AlertDeps, type IncidentDeps, readWorld, type World } from './world';

export interface ScanReport {
  /** New incidents, by alert. */
  raised: Partial<Record<AlertName, number>>;
  /** Incidents no longer found, by alert. */
  resolved: Partial<Record<AlertName, number>>;
  failed: Array<{ alert: AlertName; error: string }>;
}

/** New incidents per write: each brings its row, its event and its audit record, and a transaction holds 100. */
const INCIDENTS_PER_WRITE = 30;

export const SCANNED_ALERTS = Object.keys(FINDERS) as AlertName[];

export const newAlertState = (name: AlertName): AlertState => ({ name, isActive: true, incidentCount: 0, lastModifiedDateTime: null, lastScannedDateTime: null });

export async function settingsOf(deps: IncidentDeps, name: AlertName): Promise<AlertSettings> {
  return (await deps.alertRepository.settings(name))?.value ?? defaultSettings(name);
}

/**
 * Scans alerts (all scanned ones by default) against live work and records what changed: new
 * incidents (each an event for admins' mail and webhooks, and a "Triggered PIM alert" audit
 * record) and incidents no longer found (removed). Dismissed and disabled alerts are skipped;
 * `refresh` (an admin's refresh) reactivates dismissed ones first. One alert's failure does not
 * stop the rest.
 */
export async function scanAlerts(deps: AlertDeps, options: { names?: AlertName[]; refreshedBy?: Caller; correlationId?: string } = {}): Promise<ScanReport> {
  const report: ScanReport = { raised: {}, resolved: {}, failed: [] };
  const correlationId = options.correlationId ?? randomUUID();
  let world: World | undefined;
  for (const name of options.names ?? SCANNED_ALERTS) {
    try {
      const settings = await settingsOf(deps, name);
      const stored = await deps.alertRepository.state(name);
      const dismissed = stored !== undefined && !stored.value.isActive;
      if (options.refreshedBy) await reactivate(deps, name, options.refreshedBy, correlationId);
      else if (dismissed || !settings.isEnabled) continue;
      if (!settings.isEnabled) continue;
      const finder = FINDERS[name];
      if (!finder) continue;
      world ??= await readWorld(deps);
      const found = await finder(deps, world, settings);
      const outcome = await record(deps, name, found, correlationId);
      if (outcome.raised) report.raised[name] = outcome.raised;
      if (outcome.resolved) report.resolved[name] = outcome.resolved;
    } catch (error) {
      report.failed.push({ alert: name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}

/** A refresh: the alert active again (scanning resumes), audited as "Refresh PIM alert". */
async function reactivate(deps: AlertDeps, name: AlertName, caller: Caller, correlationId: string): Promise<void> {
  const now = deps.clock.now();
  await withRetry(async () => {
    const stored = await deps.alertRepository.state(name);
    const state = { ...(stored?.value ?? newAlertState(name)), isActive: true, lastModifiedDateTime: now.toISOString() };
    const audit = alertAudit(deps, 'Refresh PIM alert', name, caller, correlationId, now, { isActive: String(stored?.value.isActive ?? true) });
    await deps.alertRepository.saveState(state, stored?.etag, { add: [], remove: [] }, { audit: [audit] });
  });
}

/** Stores the scan's result: new incidents with their events and audit (in parts), then the resolved ones dropped. */
async function record(deps: AlertDeps, name: AlertName, found: Finding[], correlationId: string): Promise<{ raised: number; resolved: number }> {
  const now = deps.clock.now();
  const existing = new Set((await deps.alertRepository.incidents(name)).map((i) => i.id));
  const foundIds = new Set(found.map((f) => f.id));
  const fresh = found.filter((f) => !existing.has(f.id));
  const gone = [...existing].filter((id) => !foundIds.has(id));
  const parts: Finding[][] = [];
  for (let i = 0; i < fresh.length; i += INCIDENTS_PER_WRITE) parts.push(fresh.slice(i, i + INCIDENTS_PER_WRITE));
  if (parts.length === 0) parts.push([]);
  for (const [index, part] of parts.entries()) {
    const incidents = part.map((f): StoredIncident => ({ id: f.id, detectedDateTime: now.toISOString(), fields: f.fields }));
    const events: DomainEvent[] = [];
    const audit: AuditRecord[] = [];
    for (const f of part) {
      events.push(await incidentEvent(deps, name, f, now));
      audit.push(await triggeredAudit(deps, name, f, correlationId, now));
    }
    const last = index === parts.length - 1;
    await withRetry(async () => {
      const stored = await deps.alertRepository.state(name);
      const state = stored?.value ?? newAlertState(name);
      // Why: a refresh or dismissal that landed meanwhile wins; a dismissed alert records nothing more.
      if (!state.isActive) return;
      const current = new Set((await deps.alertRepository.incidents(name)).map((i) => i.id));
      const add = incidents.filter((i) => !current.has(i.id));
      const remove = last ? gone.filter((id) => current.has(id)) : [];
      const count = current.size + add.length - remove.length;
      await deps.alertRepository.saveState({ ...state, incidentCount: count, lastScannedDateTime: now.toISOString() }, stored?.etag, { add, remove }, {
        events: events.filter((e) => add.some((i) => i.id === e.data.incidentId)),
        audit: audit.filter((r) => add.some((i) => r.additionalDetails.some((d) => d.key === 'incidentId' && d.value === i.id))),
      });
    });
  }
  return { raised: fresh.length, resolved: gone.length };
}

/** Retries a read-and-write a few times when another writer moved the alert on meanwhile. */
export async function withRetry(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'ConcurrentModification') || attempt >= 4) throw error;
    }
  }
}

/** The event of a new incident: admins are mailed (the role's notification rules) and its webhooks called. */
export async function incidentEvent(deps: IncidentDeps, name: AlertName, f: Finding, now: Date): Promise<DomainEvent> {
  const definition = ALERT_DEFINITIONS[name];
  return domainEvent(deps, 'alert.incidentRaised', {
    slot: { principalId: f.principalId ?? '', target: f.target },
    data: {
      alertId: alertId(deps.tenantId, name),
      alertDefinitionId: alertId(deps.tenantId, name),
      displayName: definition.displayName,
      severityLevel: definition.severityLevel,
      mitigationSteps: definition.mitigationSteps,
      incidentId: f.id,
      incident: f.fields,
      detectedDateTime: now.toISOString(),
    },
  });
}

/** The "Triggered PIM alert" audit record of a new incident, naming its person, its target and the alert. */
export async function triggeredAudit(deps: IncidentDeps, name: AlertName, f: Finding, correlationId: string, now: Date, outcome: { result: 'failure'; resultReason: string } | undefined = undefined): Promise<AuditRecord> {
  return auditRecord({
    activity: 'Triggered PIM alert',
    operationType: 'Other',
    caller: null,
    correlationId,
    at: now,
    ...outcome,
    targets: [
      ...(f.principalId ? [{ id: f.principalId, displayName: typeof f.fields.assigneeDisplayName === 'string' ? f.fields.assigneeDisplayName : null, type: 'User' as const, modifiedProperties: [] }] : []),
      targetResource(f.target, await targetName(deps, f.target)),
      { id: alertId(deps.tenantId, name), displayName: ALERT_DEFINITIONS[name].displayName, type: 'Other', modifiedProperties: [] },
    ],
    details: { alertDefinitionId: alertId(deps.tenantId, name), incidentId: f.id, severityLevel: ALERT_DEFINITIONS[name].severityLevel },
  });
}

/** An admin's change to an alert, as an audit record naming the alert. */
export function alertAudit(deps: AlertDeps, activity: string, name: AlertName, caller: Caller | null, correlationId: string, at: Date, details: Record<string, string | undefined> = {}, modified: AuditRecord['targetResources'][number]['modifiedProperties'] = []): AuditRecord {
  return auditRecord({
    activity,
    operationType: 'Update',
    caller,
    correlationId,
    at,
    targets: [{ id: alertId(deps.tenantId, name), displayName: ALERT_DEFINITIONS[name].displayName, type: 'Other', modifiedProperties: modified }],
    details: { alertDefinitionId: alertId(deps.tenantId, name), ...details },
  });
}
