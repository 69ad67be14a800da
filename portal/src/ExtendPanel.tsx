import { ReasonField } from './PageParts';
import { useState } from 'preact/hooks';
import { useModal } from './useModal';
import type { Api } from './api';
import { errorText } from './errors';
import { extend, type Row } from './model';


/**
 * Asks an administrator to extend an assignment near its end (selfExtend), in a modal dialog
 * like the activation panel. The ask waits for an administrator's decision (PendingAdminDecision).
 */
export function ExtendPanel(props: { api: Api; principalId: string; row: Row; onClose: (outcome?: string) => void }) {
  const { dialog, close } = useModal(props.onClose);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await extend(props.api, props.principalId, props.row, reason.trim());
      close(`Your request to extend ${props.row.name} was sent (${r.status === 'PendingAdminDecision' ? 'waiting for an administrator' : r.status}).`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  const kind = props.row.schedule === 'eligibility' ? 'eligible assignment' : 'active assignment';
  return (
    <dialog ref={dialog} aria-labelledby="extend-title" onCancel={(e) => { e.preventDefault(); close(); }}>
      <h2 id="extend-title">Extend {props.row.name}</h2>
      <p>
        Your {kind} ends {props.row.end ? new Date(props.row.end).toLocaleString() : '—'}. An administrator decides how long to extend it.
      </p>
      {error && <p role="alert" class="error">{error}</p>}
      <form onSubmit={(e) => void submit(e)}>
        <ReasonField id="extend-reason" label="Reason (required)" required value={reason} onInput={setReason} />
        <div class="buttons">
          <button type="submit" class="primary" disabled={busy}>
            Request extension
          </button>
          <button type="button" onClick={() => close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
