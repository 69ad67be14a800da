import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../errors';
import { PageStatus, TableSection } from '../PageParts';
import type { AdminAccess } from './appRoles';
import { AlertSettingsList } from './AlertSettings';
import { RemediateDialog } from './RemediateDialog';
import { type Alert, columnsOf, describeAlert, type Incident, severityWords } from './alertModel';
import { dismissAlert, loadAlerts, loadIncidents, refreshAlerts } from './securityAlerts';
import './securityAlerts.css';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'Never');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const openHref = (alert: Alert) => `#/alerts/${encodeURIComponent(alert.id)}`;

/** Reached by its address without an admin app role: say why there is nothing (the API would refuse). */
export function SecurityAlerts({ api, access, open }: { api: Api; access: AdminAccess; open: string[] }) {
  return access ? <AlertsAdmin api={api} manage={access === 'edit'} openId={open[0]} /> : <p>Security alerts are managed by PIM administrators (PIM.Admin) and read by auditors (PIM.Auditor).</p>;
}

/**
 * Admin → Security alerts: what PIM's scans found (active alerts with incidents first), one
 * alert's details and incidents (`#/alerts/{id}`), and each alert's settings. Admins rescan,
 * dismiss and change settings; auditors read the same without those buttons.
 */
function AlertsAdmin({ api, manage, openId }: { api: Api; manage: boolean; openId: string | undefined }) {
  const [alerts, setAlerts] = useState<Alert[]>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [busy, setBusy] = useState(false);

  const reload = () =>
    loadAlerts(api).then(
      (a) => setAlerts(a),
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => void reload(), []);

  /** Runs an action that changes something, then reloads, saying how it went. */
  const act = async (action: () => Promise<string>) => {
    setError(undefined);
    setNote(undefined);
    setBusy(true);
    try {
      const done = await action();
      await reload();
      setNote(done);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  /** After a dialog's action: the list as it now is, and what happened. */
  const after = async (outcome: string) => {
    setError(undefined);
    await reload();
    setNote(outcome);
  };
  // Why a scan for admins: the Graph API's refresh is what makes the list current; auditors may only read it.
  const refresh = () =>
    manage
      ? void act(async () => {
          setNote('Scanning the directory for every alert…');
          await refreshAlerts(api);
          return `Scanned every alert at ${new Date().toLocaleTimeString()}.`;
        })
      : void act(async () => 'Reloaded the alerts.');

  const active = (alerts ?? []).filter((a) => a.isActive && a.incidentCount > 0);
  const quiet = (alerts ?? []).filter((a) => a.isActive && a.incidentCount === 0);
  const dismissed = (alerts ?? []).filter((a) => !a.isActive);
  const neverScanned = (alerts ?? []).every((a) => a.lastScannedDateTime === null);
  const opened = openId === undefined ? undefined : alerts?.find((a) => a.id.toLowerCase() === openId.toLowerCase());

  return (
    <>
      {manage && <p class="hint">Refresh scans the directory again for every alert; it also makes dismissed alerts active again.</p>}
      <PageStatus onRefresh={refresh} error={error} note={note} busy={busy} />
      {!alerts ? (
        !error && <p>Loading the alerts…</p>
      ) : (
        <>
          {openId !== undefined && !opened && (
            <p class="error">
              No alert has the id {openId}. <a href="#/alerts">Show every alert</a>
            </p>
          )}
          {opened && <AlertDetails key={opened.id} api={api} alert={opened} manage={manage} busy={busy} act={act} after={after} onError={setError} />}
          <AlertTable id="active-alerts-title" title="Active alerts" alerts={active} empty={neverScanned ? `No alert has been scanned yet${manage ? ': Refresh scans now' : ''} (PIM also scans on a schedule).` : 'No active alerts: the last scan found nothing that needs attention.'} />
          {quiet.length > 0 && (
            <details class="quiet-alerts">
              <summary>{plural(quiet.length, 'other alert')} found nothing at their last scan</summary>
              <ul>
                {quiet.map((a) => (
                  <li key={a.id}>
                    <a href={openHref(a)}>{a.alertDefinition.displayName}</a>
                  </li>
                ))}
              </ul>
            </details>
          )}
          {dismissed.length > 0 && <AlertTable id="dismissed-alerts-title" title="Dismissed alerts" alerts={dismissed} empty="" />}
          <AlertSettingsList alerts={alerts} api={api} manage={manage} onSaved={reload} />
        </>
      )}
    </>
  );
}

function AlertTable({ id, title, alerts, empty }: { id: string; title: string; alerts: Alert[]; empty: string }) {
  // Why the wrapper and data-label: at phone width each row is shown as a card (styles.css).
  return (
    <div class="stack-narrow">
      <TableSection id={id} title={title} empty={empty} count={alerts.length} headers={['Alert', 'Severity', 'Incidents', 'Last scanned']}>
        {alerts.map((a) => (
          <tr key={a.id}>
            <th scope="row">
              <a href={openHref(a)}>{a.alertDefinition.displayName}</a>
            </th>
            <td data-label="Severity">
              <Severity alert={a} />
            </td>
            <td data-label="Incidents">{a.incidentCount}</td>
            <td data-label="Last scanned">{when(a.lastScannedDateTime)}</td>
          </tr>
        ))}
      </TableSection>
    </div>
  );
}

function Severity({ alert }: { alert: Alert }) {
  const level = alert.alertDefinition.severityLevel;
  return <span class={`severity severity-${level}`}>{severityWords[level] ?? level}</span>;
}

/** One alert: what it means, what to do, what was found; Dismiss and each incident's Remediate for admins. */
function AlertDetails(props: {
  api: Api;
  alert: Alert;
  manage: boolean;
  busy: boolean;
  act: (action: () => Promise<string>) => Promise<void>;
  after: (outcome: string) => Promise<void>;
  onError: (error: string) => void;
}) {
  const { api, alert, manage, busy, act } = props;
  const [incidents, setIncidents] = useState<Incident[]>();
  const [remediating, setRemediating] = useState<{ incident: Incident; what: string; facts: Array<{ label: string; value: string }> }>();
  const heading = useRef<HTMLHeadingElement>(null);
  const definition = alert.alertDefinition;
  // Reloaded whenever the page reloads the alert (a scan or a dismissal changes them).
  useEffect(() => {
    loadIncidents(api, alert).then(setIncidents, (e: unknown) => props.onError(errorText(e)));
  }, [alert]);
  // Why: opening an alert from the list moves a screen reader user to what opened.
  useEffect(() => heading.current?.focus(), [alert.id]);

  const dismiss = () =>
    act(async () => {
      await dismissAlert(api, alert);
      return `Dismissed “${definition.displayName}”: it left the active alerts and is not scanned until someone refreshes the alerts. ${alert.incidentCount === 1 ? 'Its incident stays' : `Its ${alert.incidentCount} incidents stay`} readable here.`;
    });
  const columns = columnsOf(alert, incidents ?? []);
  const remediable = manage && alert.alertDefinition.isRemediatable;

  return (
    <section aria-labelledby="alert-title" class="alert-details">
      <h2 id="alert-title" ref={heading} tabIndex={-1}>
        {definition.displayName}
      </h2>
      <p>
        <Severity alert={alert} /> severity · {alert.isActive ? 'Active' : 'Dismissed'} · last scanned {when(alert.lastScannedDateTime)} · <a href="#/alerts">Close</a>
      </p>
      <p>{incidents ? describeAlert(alert, incidents) : definition.description}</p>
      <dl class="remediation">
        <dt>Security impact</dt>
        <dd>{definition.securityImpact}</dd>
        <dt>Mitigation steps</dt>
        <dd>{definition.mitigationSteps}</dd>
        <dt>How to prevent</dt>
        <dd>{definition.howToPrevent}</dd>
      </dl>
      {manage && alert.isActive && (
        <div class="buttons">
          <button type="button" disabled={busy} onClick={() => void dismiss()}>
            Dismiss
          </button>
        </div>
      )}
      {!incidents ? (
        <p>Loading the incidents…</p>
      ) : (
        <div class="stack-narrow">
          <TableSection id="incidents-title" title="Incidents" empty="This alert has no incidents." count={incidents.length} headers={[...columns.map((c) => c.header), ...(remediable ? ['Action'] : [])]}>
            {incidents.map((i) => {
              const [first, ...rest] = columns.map((c) => c.cell(i));
              return (
                <tr key={i.id}>
                  <th scope="row">{first ?? i.id}</th>
                  {rest.map((cell, n) => (
                    <td key={columns[n + 1]?.header} data-label={columns[n + 1]?.header}>
                      {cell}
                    </td>
                  ))}
                  {remediable && (
                    <td data-label="Action">
                      <button type="button" disabled={busy} aria-label={`Remediate ${first ?? i.id}`} onClick={() => setRemediating({ incident: i, what: first ?? i.id, facts: columns.slice(1).map((c) => ({ label: c.header, value: c.cell(i) })) })}>
                        Remediate
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </TableSection>
        </div>
      )}
      {remediating && (
        <RemediateDialog
          api={api}
          alert={alert}
          incident={remediating.incident}
          what={remediating.what}
          facts={remediating.facts}
          onClose={(outcome) => {
            setRemediating(undefined);
            // Why: the incident's row (and the button that had focus) is gone; land on the alert.
            if (outcome) void props.after(outcome).then(() => heading.current?.focus());
          }}
        />
      )}
    </section>
  );
}
