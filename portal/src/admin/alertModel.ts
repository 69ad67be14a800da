/** Admin → Security alerts: the shapes the API answers with and what the page makes of them (no I/O). */
import { ALERT_NAMES, ALERT_THRESHOLDS, type AlertName, type AlertSettings } from '../../../shared/domain/alerts';

export type Severity = 'unknown' | 'informational' | 'low' | 'medium' | 'high';

export interface AlertDefinition {
  id: string;
  displayName: string;
  /** With {0} and {1} placeholders (see `describeAlert`). */
  description: string;
  severityLevel: Severity;
  securityImpact: string;
  mitigationSteps: string;
  howToPrevent: string;
  isRemediatable: boolean;
  isConfigurable: boolean;
}

export interface AlertConfiguration {
  '@odata.type': string;
  id: string;
  isEnabled: boolean;
  [threshold: string]: unknown;
}

/** An alert with its definition and configuration expanded (one list call brings all three). */
export interface Alert {
  id: string;
  incidentCount: number;
  isActive: boolean;
  lastModifiedDateTime: string;
  lastScannedDateTime: string | null;
  alertDefinition: AlertDefinition;
  alertConfiguration: AlertConfiguration;
}

/** An incident: its fields depend on its type (the alert it belongs to). */
export interface Incident {
  id: string;
  '@odata.type': string;
  [field: string]: string | number | boolean | null | undefined;
}

export interface Operation {
  id: string;
  status: 'notStarted' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'unknownFutureValue';
  statusDetail: string | null;
}

const SEVERITY_ORDER: Severity[] = ['high', 'medium', 'low', 'informational', 'unknown'];
/** What needs attention first: active before dismissed, alerts with incidents, then the most severe. */
export const byAttention = (a: Alert, b: Alert) =>
  Number(b.isActive) - Number(a.isActive) ||
  Number(b.incidentCount > 0) - Number(a.incidentCount > 0) ||
  SEVERITY_ORDER.indexOf(a.alertDefinition.severityLevel) - SEVERITY_ORDER.indexOf(b.alertDefinition.severityLevel) ||
  a.alertDefinition.displayName.localeCompare(b.alertDefinition.displayName);

/** The alert's name (its id's last part, `DirectoryRole_{tenantId}_{Name}`). */
export function alertNameOf(alert: Pick<Alert, 'id'>): AlertName | undefined {
  return ALERT_NAMES.find((n) => alert.id.toLowerCase().endsWith(`_${n.toLowerCase()}`));
}

export const severityWords: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low', informational: 'Informational', unknown: 'Unknown' };

const when = (iso: unknown) => (typeof iso === 'string' && iso ? new Date(iso).toLocaleString() : '—');
const text = (value: unknown) => (value === null || value === undefined || value === '' ? '—' : String(value));

/** The definition's description with its placeholders filled from what the page knows. */
export function describeAlert(alert: Alert, incidents: Incident[]): string {
  const config = alert.alertConfiguration;
  const newest = [...incidents].sort((a, b) => String(b.signInDateTime ?? '').localeCompare(String(a.signInDateTime ?? '')))[0];
  const values: Partial<Record<AlertName, [string, string]>> = {
    TooManyGlobalAdminsAssignedToTenantAlert: [String(alert.incidentCount), `at least ${text(config.percentageOfGlobalAdminsOutOfRolesThreshold)}`],
    StaleSignInAlert: [String(alert.incidentCount), String(daysOf(config.duration))],
    RedundantAssignmentAlert: [String(alert.incidentCount), String(daysOf(config.duration))],
    SequentialActivationRenewalsAlert: [`${text(config.sequentialActivationCounterThreshold)} or more`, text(config.timeIntervalBetweenActivations)],
    BreakGlassAccountSignInAlert: [text(newest?.assigneeUserPrincipalName ?? newest?.assigneeDisplayName), when(newest?.signInDateTime)],
    TooFewBreakGlassAccountsAlert: [text(incidents[0]?.permanentGlobalAdministratorCount ?? 0), ''],
    RevocationFailedAlert: [text(incidents[0]?.assigneeDisplayName ?? incidents[0]?.assigneeId), when(incidents[0]?.endDateTime)],
  };
  const name = alertNameOf(alert);
  const [zero, one] = (name && values[name]) ?? [String(alert.incidentCount), '—'];
  return alert.alertDefinition.description.replace('{0}', zero).replace('{1}', one);
}

/** One column of an incident table: its header and what a cell shows. */
export interface IncidentColumn {
  header: string;
  cell: (incident: Incident) => string;
}

const userColumn: IncidentColumn = {
  header: 'User',
  cell: (i) => [i.assigneeDisplayName, i.assigneeUserPrincipalName && `(${String(i.assigneeUserPrincipalName)})`].filter(Boolean).join(' ') || text(i.assigneeId),
};
/** A role by name; for RolesAssignedOutsidePim, PIM also reports groups and Azure roles it governs. */
const accessColumn: IncidentColumn = {
  header: 'Role or access',
  cell: (i) => {
    if (i.targetKind === 'group') return `Group ${text(i.groupId)} (${text(i.accessId)})`;
    if (i.targetKind === 'azureRole') return `Azure role ${text(i.roleDefinitionId)} at ${text(i.scope)}`;
    return text(i.roleDisplayName ?? i.roleDefinitionId);
  },
};
const dateColumn = (header: string, field: string): IncidentColumn => ({ header, cell: (i) => when(i[field]) });
const valueColumn = (header: string, field: string): IncidentColumn => ({ header, cell: (i) => text(i[field]) });

/** The fields each incident type has, as columns (the first one names the row). */
export const INCIDENT_COLUMNS: Record<AlertName, IncidentColumn[]> = {
  RolesAssignedOutsidePimAlert: [userColumn, accessColumn, dateColumn('Assigned', 'assignmentCreatedDateTime')],
  TooManyGlobalAdminsAssignedToTenantAlert: [userColumn],
  NoMfaOnRoleActivationAlert: [accessColumn],
  StaleSignInAlert: [userColumn, accessColumn, dateColumn('Assigned', 'assignmentCreatedDateTime'), dateColumn('Last sign-in', 'lastSignInDateTime')],
  RedundantAssignmentAlert: [userColumn, accessColumn, dateColumn('Assigned', 'assignmentCreatedDateTime'), dateColumn('Last activation', 'lastActivationDateTime')],
  SequentialActivationRenewalsAlert: [userColumn, accessColumn, valueColumn('Activations in a row', 'activationCount'), dateColumn('First started', 'sequenceStartDateTime'), dateColumn('Last ended', 'sequenceEndDateTime')],
  BreakGlassAccountSignInAlert: [userColumn, dateColumn('Signed in', 'signInDateTime'), valueColumn('Application', 'appDisplayName')],
  TooFewBreakGlassAccountsAlert: [valueColumn('Emergency access accounts', 'breakGlassAccountCount'), valueColumn('With permanent Global Administrator', 'permanentGlobalAdministratorCount')],
  RevocationFailedAlert: [userColumn, accessColumn, dateColumn('Ended', 'endDateTime'), valueColumn('Why the removal failed', 'error')],
};

/** Columns for an alert the page does not know (a newer API): every field as the API names it. */
export function columnsOf(alert: Alert, incidents: Incident[]): IncidentColumn[] {
  const name = alertNameOf(alert);
  if (name) return INCIDENT_COLUMNS[name];
  const fields = [...new Set(incidents.flatMap((i) => Object.keys(i).filter((k) => k !== '@odata.type')))];
  return fields.map((f) => valueColumn(f, f));
}

/** Whole days of an ISO 8601 `P{n}D` duration; anything else as written. */
export function daysOf(duration: unknown): string {
  const m = typeof duration === 'string' ? /^P(\d+)D$/i.exec(duration) : null;
  return m?.[1] ?? text(duration);
}

/** A threshold as the settings form shows and edits it. */
export interface ThresholdField {
  field: keyof AlertSettings;
  label: string;
  /** The label in a closed form's summary. */
  short: string;
  hint: string;
  kind: 'int' | 'days' | 'duration';
}

const LABELS: Partial<Record<keyof AlertSettings, string>> = {
  globalAdminCountThreshold: 'Global Administrators (at least this many)',
  percentageOfGlobalAdminsOutOfRolesThreshold: 'Share of all role assignments that are Global Administrator (%, at least)',
  timeIntervalBetweenActivations: 'Time between one activation\'s end and the next (ISO 8601, e.g. PT1H)',
  sequentialActivationCounterThreshold: 'Activations in a row (at least)',
};
const SHORT: Partial<Record<keyof AlertSettings, string>> = {
  globalAdminCountThreshold: 'Global Administrators',
  percentageOfGlobalAdminsOutOfRolesThreshold: 'Share (%)',
  timeIntervalBetweenActivations: 'Within',
  sequentialActivationCounterThreshold: 'Activations in a row',
};
const DAYS_LABEL: Partial<Record<AlertName, string>> = { StaleSignInAlert: 'Days without a sign-in', RedundantAssignmentAlert: 'Days without an activation' };

/** The thresholds an alert's configuration type has (none for most), with the range the API allows. */
export function thresholdsOf(alert: Alert): ThresholdField[] {
  const name = alertNameOf(alert);
  return (name ? (ALERT_THRESHOLDS[name] ?? []) : []).map((t) => {
    const days = t.kind === 'days' && name ? DAYS_LABEL[name] : undefined;
    return {
      field: t.field,
      kind: t.kind,
      label: days ?? LABELS[t.field] ?? t.field,
      short: days ?? SHORT[t.field] ?? t.field,
      hint: t.kind === 'duration' ? 'At least one minute (PT1M).' : `A whole number from ${t.min} to ${t.max.toLocaleString()}.`,
    };
  });
}

/** The text a threshold's field starts with. */
export function thresholdText(alert: Alert, t: ThresholdField): string {
  const value = alert.alertConfiguration[t.field];
  return t.kind === 'days' ? (value === undefined ? '' : daysOf(value)) : value === undefined || value === null ? '' : String(value);
}

/**
 * What the form sends for a threshold's text. Why send what does not parse as typed: the API
 * checks every value and names each problem, and the form shows its answer as is.
 */
export function thresholdValue(t: ThresholdField, typed: string): unknown {
  const trimmed = typed.trim();
  if (t.kind === 'int') return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  if (t.kind === 'days') return /^\d+$/.test(trimmed) ? `P${Number(trimmed)}D` : trimmed;
  return trimmed;
}

