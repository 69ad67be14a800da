import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api';
import { errorText } from './errors';
import { activate, type ActivationRules, describeMinutes, durationChoices, durationMinutes, loadActivationRules, type Progress, progressOf, readRequest, type Row, type Stage } from './model';

const MAX_REASON = 500;
const STAGES: Array<[Stage, string]> = [
  ['submitted', 'Request submitted'],
  ['approval', 'Approval pending'],
  ['activating', 'Activating'],
  ['active', 'Active: ready to use'],
];

/**
 * The activation panel, a modal <dialog>: the browser keeps focus inside it and Escape closes
 * it; on close, focus goes back to the button that opened it (the caller's `onClose`).
 */
export function ActivatePanel(props: { api: Api; principalId: string; row: Row; onClose: (changed: boolean) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [rules, setRules] = useState<ActivationRules>();
  const [minutes, setMinutes] = useState(60);
  const [reason, setReason] = useState('');
  const [ticketNumber, setTicketNumber] = useState('');
  const [ticketSystem, setTicketSystem] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [request, setRequest] = useState<{ id: string; progress: Progress }>();

  useEffect(() => {
    dialog.current?.showModal();
    loadActivationRules(props.api, props.row.target).then(
      (r) => {
        setRules(r);
        setMinutes(Math.min(60, durationMinutes(r.maximumDuration) ?? 60));
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, []);

  // Polls the request until it is active or has ended; stops when the panel closes.
  useEffect(() => {
    if (!request || request.progress.stage === 'active' || request.progress.ended) return;
    const timer = setTimeout(() => {
      readRequest(props.api, props.row.target, request.id).then(
        (r) => setRequest({ id: r.id, progress: progressOf(r.status) }),
        (e: unknown) => setError(errorText(e)),
      );
    }, 1000);
    return () => clearTimeout(timer);
  }, [request]);

  const close = () => {
    dialog.current?.close();
    props.onClose(request !== undefined);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await activate(props.api, props.principalId, props.row.target, { minutes, justification: reason, ticketNumber, ticketSystem });
      setRequest({ id: created.id, progress: progressOf(created.status) });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const max = rules ? durationMinutes(rules.maximumDuration) ?? 60 : undefined;
  return (
    <dialog ref={dialog} aria-labelledby="panel-title" onClose={() => props.onClose(request !== undefined)} onCancel={(e) => { e.preventDefault(); close(); }}>
      <h2 id="panel-title">Activate {props.row.name}</h2>
      {error && <p role="alert" class="error">{error}</p>}
      {request ? (
        <StatusView progress={request.progress} approval={rules?.approval === true} onClose={close} />
      ) : !rules || max === undefined ? (
        !error && <p role="status">Reading the role's settings…</p>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <label for="duration">Duration</label>
          <select id="duration" value={String(minutes)} aria-describedby="duration-max" onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
            {durationChoices(max).map((m) => (
              <option key={m} value={String(m)}>
                {describeMinutes(m)}
              </option>
            ))}
          </select>
          <p id="duration-max" class="hint">Maximum: {describeMinutes(max)}</p>

          <label for="reason">Reason{rules.justification ? ' (required)' : ' (optional)'}</label>
          <textarea id="reason" maxLength={MAX_REASON} required={rules.justification} value={reason} aria-describedby="reason-count" onInput={(e) => setReason(e.currentTarget.value)} />
          <p id="reason-count" class="hint">
            {reason.length}/{MAX_REASON} characters
          </p>

          {rules.ticketing && (
            <fieldset>
              <legend>Ticket (required by this role's settings)</legend>
              <label for="ticket-number">Ticket number</label>
              <input id="ticket-number" required value={ticketNumber} onInput={(e) => setTicketNumber(e.currentTarget.value)} />
              <label for="ticket-system">Ticket system</label>
              <input id="ticket-system" required value={ticketSystem} onInput={(e) => setTicketSystem(e.currentTarget.value)} />
            </fieldset>
          )}
          {rules.approval && <p class="hint">This role needs an approver's decision before it becomes active.</p>}
          <div class="buttons">
            <button type="submit" class="primary" disabled={busy}>
              Activate
            </button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

function StatusView({ progress, approval, onClose }: { progress: Progress; approval: boolean; onClose: () => void }) {
  const reached = STAGES.findIndex(([s]) => s === progress.stage);
  // Why: a role without approval passes that stage at once; say so rather than tick "pending".
  const label = (stage: Stage, text: string) => (stage === 'approval' && !approval ? 'Approval: not required' : text);
  const summary = progress.ended ? `The request ended: ${progress.ended}.` : STAGES[reached]?.[1] ?? '';
  return (
    <div>
      <ol class="stages">
        {STAGES.map(([stage, text], i) => (
          <li key={stage} class={i < reached || progress.stage === 'active' ? 'done' : i === reached ? 'current' : ''} aria-current={i === reached ? 'step' : undefined}>
            {label(stage, text)}
          </li>
        ))}
      </ol>
      <p role="status" class={progress.ended ? 'error' : ''}>
        {summary}
      </p>
      <div class="buttons">
        <button type="button" class="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
