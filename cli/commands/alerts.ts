import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Json, type PimApi } from '../api';
import { isoDurationMs, type ParsedCommand, stringOption, toIsoDuration, UsageError } from '../args';
import { CliError } from '../errors';
import { type Output, table } from '../output';

const ALERTS = '/beta/identityGovernance/roleManagementAlerts';
/** Graph answers the alert lists only for this scope. */
const SCOPE_FILTER = `$filter=${encodeURIComponent("scopeId eq '/' and scopeType eq 'DirectoryRole'")}`;
/** Graph's lastModifiedDateTime of an alert nobody has dismissed or refreshed. */
const NEVER_MODIFIED = '0001-01-01T08:00:00Z';

interface AlertRow {
  id: string;
  /** The definition's name, the last part of the id (e.g. StaleSignInAlert): what people type. */
  name: string;
  displayName: string;
  severityLevel: string;
  incidentCount: number;
  isActive: boolean;
  lastModifiedDateTime: string | null;
  lastScannedDateTime: string | null;
  mitigationSteps: string;
}

const nameOf = (id: string) => id.slice(id.lastIndexOf('_') + 1);

function rowOf(alert: Json): AlertRow {
  const definition = (alert.alertDefinition ?? {}) as Json;
  const id = String(alert.id);
  const modified = typeof alert.lastModifiedDateTime === 'string' && alert.lastModifiedDateTime !== NEVER_MODIFIED ? alert.lastModifiedDateTime : null;
  return {
    id,
    name: nameOf(id),
    displayName: String(definition.displayName ?? nameOf(id)),
    severityLevel: String(definition.severityLevel ?? 'unknown'),
    incidentCount: Number(alert.incidentCount ?? 0),
    isActive: alert.isActive === true,
    lastModifiedDateTime: modified,
    lastScannedDateTime: typeof alert.lastScannedDateTime === 'string' ? alert.lastScannedDateTime : null,
    mitigationSteps: String(definition.mitigationSteps ?? ''),
  };
}

async function allAlerts(api: PimApi): Promise<AlertRow[]> {
  return (await api.list(`${ALERTS}/alerts?${SCOPE_FILTER}&$expand=alertDefinition`)).map(rowOf);
}

/** The alert an argument names: its Graph id, or its name (e.g. StaleSignInAlert), in any case. */
async function findAlert(api: PimApi, arg: string | undefined, usage: string): Promise<AlertRow> {
  if (!arg) throw new UsageError(`Give the alert: ${usage}. 'pim alerts --all' lists them.`);
  const alerts = await allAlerts(api);
  const wanted = arg.toLowerCase();
  const found = alerts.find((a) => a.id.toLowerCase() === wanted || a.name.toLowerCase() === wanted);
  if (!found) throw new CliError(`No PIM alert '${arg}'. The alerts are: ${alerts.map((a) => a.name).join(', ')}.`, 1, 'ResourceNotFound');
  return found;
}

const SEVERITY_ORDER = ['high', 'medium', 'low', 'informational', 'unknown'];
const bySeverity = (a: AlertRow, b: AlertRow) => SEVERITY_ORDER.indexOf(a.severityLevel) - SEVERITY_ORDER.indexOf(b.severityLevel) || a.name.localeCompare(b.name);

function alertTable(rows: AlertRow[]): string {
  return table(
    ['ALERT', 'NAME', 'SEVERITY', 'INCIDENTS', 'LAST MODIFIED', 'STATE'],
    rows.map((a) => [a.name, a.displayName, a.severityLevel, String(a.incidentCount), a.lastModifiedDateTime ?? 'never', a.isActive ? 'active' : 'dismissed']),
  );
}

/**
 * `pim alerts [--all]`: the security alerts with incidents, not dismissed (most severe first);
 * with --all, every alert. `pim alerts show|refresh|dismiss ...`: see below.
 */
export async function alerts(cmd: ParsedCommand, out: Output): Promise<void> {
  const [sub, ...rest] = cmd.args;
  const api = connect(cmd.global.url);
  switch (sub) {
    case undefined:
      return list(api, cmd.options.all === true, out);
    case 'show':
      return show(api, rest[0], out);
    case 'refresh':
      return refresh(api, rest[0], cmd, out);
    case 'dismiss':
      return dismiss(api, rest[0], out);
    default:
      throw new UsageError(`Unknown 'pim alerts ${sub}': use show, refresh or dismiss (or nothing, for the list).`);
  }
}

async function list(api: PimApi, all: boolean, out: Output): Promise<void> {
  const rows = (await allAlerts(api)).filter((a) => all || (a.isActive && a.incidentCount > 0)).sort(bySeverity);
  out.result(rows, alertTable(rows) || 'No active PIM alerts: nothing was found, or the alerts with incidents were dismissed (pim alerts --all).');
}

/** `pim alerts show <alert>`: the alert and its incidents. */
async function show(api: PimApi, arg: string | undefined, out: Output): Promise<void> {
  const alert = await findAlert(api, arg, 'pim alerts show <alert>');
  const incidents = await api.list(`${ALERTS}/alerts/${encodeURIComponent(alert.id)}/alertIncidents`);
  const rows = incidents.map((i) => [String(i.id), who(i), what(i), details(i)]);
  const head = `${alert.displayName} (${alert.name}, ${alert.severityLevel}${alert.isActive ? '' : ', dismissed'}): ${incidents.length} incident${incidents.length === 1 ? '' : 's'}`;
  const body = table(['INCIDENT', 'WHO', 'ROLE OR RESOURCE', 'DETAILS'], rows) || '  (no incidents)';
  out.result({ ...alert, incidents }, `${head}\n${body}${incidents.length > 0 && alert.mitigationSteps ? `\n\nWhat to do: ${alert.mitigationSteps}` : ''}`);
}

/** Incident fields shown in their own columns, or not at all. */
const SHOWN = new Set(['@odata.type', 'id', 'assigneeId', 'assigneeDisplayName', 'assigneeUserPrincipalName', 'roleDefinitionId', 'roleDisplayName', 'roleTemplateId', 'targetKind', 'groupId', 'accessId', 'scope', 'directoryScopeId']);
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const who = (i: Json) => text(i.assigneeDisplayName) ?? text(i.assigneeUserPrincipalName) ?? text(i.assigneeId) ?? '';
const what = (i: Json) => {
  const role = text(i.roleDisplayName) ?? text(i.roleDefinitionId) ?? '';
  if (text(i.groupId)) return `group ${String(i.groupId)} (${text(i.accessId) ?? 'member'})`;
  return text(i.scope) ? `${role} at ${String(i.scope)}` : role;
};
const details = (i: Json) =>
  Object.entries(i)
    .filter(([k, v]) => !SHOWN.has(k) && v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');

/**
 * `pim alerts refresh [<alert>] [--timeout 5m]`: rescans one alert or all (reactivating dismissed
 * ones), then follows the operation until it has succeeded or failed.
 */
async function refresh(api: PimApi, arg: string | undefined, cmd: ParsedCommand, out: Output): Promise<void> {
  const alert = arg === undefined ? undefined : await findAlert(api, arg, 'pim alerts refresh [<alert>]');
  const location = alert
    ? await api.start(`${ALERTS}/alerts/${encodeURIComponent(alert.id)}/refresh`)
    : await api.start(`${ALERTS}/alerts/refresh`, { scopeId: '/', scopeType: 'DirectoryRole' });
  const timeoutMs = isoDurationMs(toIsoDuration(stringOption(cmd.options, 'timeout') ?? '5m'));
  const pollMs = Number(process.env.PIM_POLL_MS ?? 1000);
  const deadline = Date.now() + timeoutMs;
  out.progress(`Refreshing ${alert ? alert.name : 'every alert'}`);
  for (;;) {
    const operation = await api.get(location);
    const status = String(operation.status);
    if (status === 'failed') throw new CliError(`The refresh failed: ${String(operation.statusDetail ?? 'no detail given')}`, 1, 'RefreshFailed');
    if (status === 'succeeded') {
      const rows = (await allAlerts(api)).filter((a) => (alert ? a.id === alert.id : a.isActive && a.incidentCount > 0)).sort(bySeverity);
      out.result({ operation, alerts: rows }, `Refreshed ${alert ? alert.name : 'every alert'}.\n${alertTable(rows) || 'No active PIM alerts.'}`);
      return;
    }
    if (Date.now() >= deadline) throw new CliError(`The refresh is still ${status} after ${stringOption(cmd.options, 'timeout') ?? '5m'}; it goes on. Run 'pim alerts' later.`, 1, 'Timeout');
    await sleep(pollMs);
  }
}

/** `pim alerts dismiss <alert>`: no more scanning until a refresh; its incidents stay readable. */
async function dismiss(api: PimApi, arg: string | undefined, out: Output): Promise<void> {
  const alert = await findAlert(api, arg, 'pim alerts dismiss <alert>');
  await api.send('PATCH', `${ALERTS}/alerts/${encodeURIComponent(alert.id)}`, { isActive: false });
  out.result({ id: alert.id, name: alert.name, isActive: false }, `Dismissed ${alert.displayName} (${alert.name}). It is not scanned until 'pim alerts refresh ${alert.name}'.`);
}
