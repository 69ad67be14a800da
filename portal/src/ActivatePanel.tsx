import { ReasonField } from './PageParts';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api';
import { errorText } from './errors';
import {
  activate,
  type ActivationRules,
  approversOf,
  describeMinutes,
  durationChoices,
  durationMinutes,
  loadActivationRules,
  type Progress,
  progressOf,
  readRequest,
  type Row,
  type Stage,
} from './model';
import { StartField } from './StartField';

const STAGES: Array<[Stage, string]> = [
  ['submitted', 'Request submitted'],
  ['approval', 'Approval pending'],
  ['activating', 'Activating'],
  ['active', 'Active: ready to use'],
];

/** One role's request once sent: where it stands, and who may approve it while it waits. */
interface Sent {
  id: string;
  progress: Progress;
  approvalId?: string | null;
  approvers?: string[];
  error?: string;
}

/**
 * The activation panel, a modal <dialog>: the browser keeps focus inside it and Escape closes
 * it; on close, focus goes back to the button that opened it (the caller's `onClose`). It takes
 * one role or several: one form, then one request per role, each with its own stages.
 */
export function ActivatePanel(props: { api: Api; principalId: string; rows: Row[]; onClose: (changed: boolean) => void }) {
  const { api, rows } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [rules, setRules] = useState<ActivationRules[]>();
  const [minutes, setMinutes] = useState(60);
  const [reason, setReason] = useState('');
  const [ticketNumber, setTicketNumber] = useState('');
  const [ticketSystem, setTicketSystem] = useState('');
  const [start, setStart] = useState<Date | undefined>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<Array<Sent | undefined>>();

  useEffect(() => {
    dialog.current?.showModal();
    Promise.all(rows.map((r) => loadActivationRules(api, r.target))).then(
      (r) => {
        setRules(r);
        setMinutes(Math.min(60, maxOf(r)));
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, []);

  // Polls each request until it is active or has ended; stops when the panel closes.
  useEffect(() => {
    if (!sent || sent.every((s) => !s || s.progress.stage === 'active' || s.progress.ended)) return;
    const timer = setTimeout(() => {
      void Promise.all(
        sent.map(async (s, i) => {
          const row = rows[i];
          if (!s || !row || s.progress.stage === 'active' || s.progress.ended) return s;
          try {
            const r = await readRequest(api, row.target, s.id);
            const progress = progressOf(r.status);
            const approvalId = r.approvalId ?? s.approvalId;
            // Who can approve is read once, when the request reaches that stage.
            const approvers = progress.stage === 'approval' && !s.approvers && approvalId ? await approversOf(api, row.target, approvalId).catch(() => undefined) : s.approvers;
            return { ...s, progress, approvalId, approvers };
          } catch (e) {
            return { ...s, error: errorText(e) };
          }
        }),
      ).then(setSent);
    }, 1000);
    return () => clearTimeout(timer);
  }, [sent]);

  const close = () => {
    dialog.current?.close();
    props.onClose(sent !== undefined);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (start && start.getTime() < Date.now() - 60_000) return setError('The start time has passed: pick a later one, or start now.');
    setBusy(true);
    setError(undefined);
    // One request per role, sent together; each failure is reported on its own role.
    const outcomes = await Promise.allSettled(rows.map((row) => activate(api, props.principalId, row.target, { minutes, justification: reason, ticketNumber, ticketSystem, start })));
    const results = outcomes.map((o): Sent => (o.status === 'fulfilled' ? { id: o.value.id, progress: progressOf(o.value.status), approvalId: o.value.approvalId } : { id: '', progress: { stage: 'submitted', ended: 'Failed' }, error: errorText(o.reason) }));
    if (rows.length === 1 && results[0]?.error) setError(results[0].error);
    else setSent(results);
    setBusy(false);
  };

  const several = rows.length > 1;
  const title = several ? `Activate ${rows.length} roles` : `Activate ${rows[0]?.name ?? ''}`;
  const max = rules ? maxOf(rules) : undefined;
  const needs = (rule: keyof Pick<ActivationRules, 'justification' | 'ticketing' | 'approval'>) => rules?.some((r) => r[rule]) === true;
  return (
    <dialog ref={dialog} aria-labelledby="panel-title" onClose={() => props.onClose(sent !== undefined)} onCancel={(e) => { e.preventDefault(); close(); }}>
      <h2 id="panel-title">{title}</h2>
      {several && (
        <ul class="chosen" aria-label="Roles to activate">
          {rows.map((r) => (
            <li key={r.key}>
              {r.name} <span class="muted">({r.scope})</span>
            </li>
          ))}
        </ul>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      {sent ? (
        <>
          {sent.map((s, i) => {
            const row = rows[i];
            if (!s || !row) return null;
            return (
              <section key={row.key} aria-label={`Status of ${row.name}`}>
                {several && <h3>{row.name}</h3>}
                {s.error && <p role="alert" class="error">{s.error}</p>}
                <StatusView progress={s.progress} approval={rules?.[i]?.approval === true} approvers={s.approvers ?? rules?.[i]?.approvers ?? []} start={start} />
              </section>
            );
          })}
          <div class="buttons">
            <button type="button" class="primary" onClick={close}>
              Close
            </button>
          </div>
        </>
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
          <p id="duration-max" class="hint">
            Maximum: {describeMinutes(max)}
            {several && new Set(rules.map((r) => r.maximumDuration)).size > 1 ? ' (the shortest maximum of the selected roles)' : ''}
          </p>

          <StartField value={start} onChange={setStart} />

          <ReasonField id="reason" label={`Reason${needs('justification') ? ' (required)' : ' (optional)'}`} required={needs('justification')} value={reason} onInput={setReason} />

          {needs('ticketing') && (
            <fieldset>
              <legend>Ticket (required by {several ? "a selected role's" : "this role's"} settings)</legend>
              <label for="ticket-number">Ticket number</label>
              <input id="ticket-number" required value={ticketNumber} onInput={(e) => setTicketNumber(e.currentTarget.value)} />
              <label for="ticket-system">Ticket system</label>
              <input id="ticket-system" required value={ticketSystem} onInput={(e) => setTicketSystem(e.currentTarget.value)} />
            </fieldset>
          )}
          {needs('approval') && <p class="hint">{several ? 'Some of these roles need' : 'This role needs'} an approver's decision before becoming active.</p>}
          <div class="buttons">
            <button type="submit" class="primary" disabled={busy}>
              {several ? `Activate ${rows.length} roles` : 'Activate'}
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

/** The longest duration every chosen role allows. */
function maxOf(rules: ActivationRules[]): number {
  return Math.min(...rules.map((r) => durationMinutes(r.maximumDuration) ?? 60));
}

function StatusView({ progress, approval, approvers, start }: { progress: Progress; approval: boolean; approvers: string[]; start?: Date }) {
  const reached = STAGES.findIndex(([s]) => s === progress.stage);
  // A request with a later start is granted now and provisioned at its start.
  const scheduled = start !== undefined && start.getTime() > Date.now() && progress.stage === 'activating';
  // Why: a role without approval passes that stage at once; say so rather than tick "pending".
  const label = (stage: Stage, text: string) => {
    if (stage === 'approval' && !approval) return 'Approval: not required';
    if (stage === 'approval' && approvers.length > 0) return `${text} (can approve: ${approvers.join(', ')})`;
    if (stage === 'activating' && scheduled) return `Scheduled: active from ${start?.toLocaleString()}`;
    return text;
  };
  const current = STAGES[reached];
  const summary = progress.ended ? `The request ended: ${progress.ended}.` : current ? label(current[0], current[1]) : '';
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
    </div>
  );
}
