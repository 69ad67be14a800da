import { useState } from 'preact/hooks';
import type { AlertSettings } from '../../../shared/domain/alerts';
import type { Api } from '../api';
import { errorText } from '../errors';
import { Check, TextField } from './fields';
import { type Alert, thresholdsOf, thresholdText } from './alertModel';
import { saveConfiguration } from './securityAlerts';
import './admin.css';

type Typed = Partial<Record<keyof AlertSettings, string>>;

/** Every alert's settings, one expandable form each (alphabetical, so an alert keeps its place as its incidents change). */
export function AlertSettingsList({ alerts, api, manage, onSaved }: { alerts: Alert[]; api: Api; manage: boolean; onSaved: () => unknown }) {
  const sorted = [...alerts].sort((a, b) => a.alertDefinition.displayName.localeCompare(b.alertDefinition.displayName));
  return (
    <section aria-labelledby="alert-settings-title">
      <h2 id="alert-settings-title">Alert settings</h2>
      <p class="hint">{manage ? 'Turn an alert off to stop scanning for it; thresholds decide when it is raised.' : 'Read-only: only PIM administrators change alert settings.'}</p>
      {sorted.map((a) => (
        <SettingsForm key={a.id} alert={a} api={api} manage={manage} onSaved={onSaved} />
      ))}
    </section>
  );
}

/** What the closed form's summary says: on or off, and the thresholds as saved. */
function summaryOf(alert: Alert): string {
  const thresholds = thresholdsOf(alert).map((t) => `${t.short}: ${thresholdText(alert, t) || '—'}`);
  return [alert.alertConfiguration.isEnabled ? 'On' : 'Off', ...thresholds].join(' · ');
}

/**
 * One alert's configuration. What the user typed stays on screen after saving or a refusal;
 * the API checks the values and its message is shown next to the form as it says it.
 */
function SettingsForm({ alert, api, manage, onSaved }: { alert: Alert; api: Api; manage: boolean; onSaved: () => unknown }) {
  const [isEnabled, setEnabled] = useState(alert.alertConfiguration.isEnabled);
  const [typed, setTyped] = useState<Typed>({});
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState(false);
  const thresholds = thresholdsOf(alert);
  const name = alert.alertDefinition.displayName;
  const errorId = `${alert.id}-error`;

  const save = async () => {
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      await saveConfiguration(api, alert, isEnabled, typed);
      setSaved(`Saved: ${isEnabled ? 'on' : 'off'}${thresholds.map((t) => `; ${t.label.toLowerCase()} ${typed[t.field] ?? thresholdText(alert, t)}`).join('')}.`);
      await onSaved();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="alert-settings">
      <summary>
        <span class="alert-settings-name">{name}</span> <span class="hint">{summaryOf(alert)}</span>
      </summary>
      <form
        aria-label={`Settings of ${name}`}
        aria-describedby={error ? errorId : undefined}
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <fieldset class="editor" disabled={!manage}>
          <Check label="Enabled: scan for this alert and raise it" checked={isEnabled} onChange={setEnabled} />
          {thresholds.map((t) => (
            <TextField key={t.field} label={t.label} hint={t.hint} initial={thresholdText(alert, t)} inputMode={t.kind === 'duration' ? 'text' : 'numeric'} onText={(text) => setTyped((now) => ({ ...now, [t.field]: text }))} />
          ))}
          {thresholds.length === 0 && <p class="hint">This alert has no thresholds to set.</p>}
          {manage && (
            <div class="buttons">
              <button type="submit" class="primary" disabled={busy}>
                Save settings
              </button>
            </div>
          )}
        </fieldset>
        {error && (
          <p id={errorId} role="alert" class="error">
            {error}
          </p>
        )}
        <p role="status">{saved ?? ''}</p>
      </form>
    </details>
  );
}
