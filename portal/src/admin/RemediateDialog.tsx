import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useModal } from '../useModal';
import type { Api } from '../api';
import { errorText } from '../errors';
import type { Alert, Incident } from './alertModel';
import { remediateIncident } from './securityAlerts';

/**
 * Asks before an incident's remediation (it changes the directory or a policy: e.g. removes a
 * role assignment), in a modal dialog like the activation panel; says what it will do, the
 * definition's own words, and the incident's facts.
 */
export function RemediateDialog(props: { api: Api; alert: Alert; incident: Incident; what: string; facts: Array<{ label: string; value: string }>; onClose: (outcome?: string) => void }) {
  const { dialog, close } = useModal(props.onClose);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await remediateIncident(props.api, props.alert, props.incident);
      close(`Remediated ${props.what} (“${props.alert.alertDefinition.displayName}”).`);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} aria-labelledby="remediate-title" onCancel={(e) => { e.preventDefault(); close(); }}>
      <h2 id="remediate-title">Remediate {props.what}?</h2>
      {props.facts.length > 0 && (
        <dl class="remediation">
          {props.facts.map((f) => (
            <Fragment key={f.label}>
              <dt>{f.label}</dt>
              <dd>{f.value}</dd>
            </Fragment>
          ))}
        </dl>
      )}
      <p>{props.alert.alertDefinition.mitigationSteps}</p>
      {error && <p role="alert" class="error">{error}</p>}
      <div class="buttons">
        <button type="button" class="primary" disabled={busy} onClick={() => void confirm()}>
          Remediate
        </button>
        <button type="button" onClick={() => close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
