import { useEffect, useRef, useState } from 'preact/hooks';
import { DecisionButtons, PageStatus, ReasonField } from './PageParts';
import type { Api } from './api';
import { errorText } from './errors';
import { POLL_MS, usePolling } from './usePolling';
import { type Awaiting, decide, loadAwaiting } from './requests';


/**
 * The requests awaiting the signed-in user's decision. One justification serves every checked
 * request, so an approver can decide several at once; each is still its own PATCH, and each
 * failure is reported by name.
 */
export function ApproveRequests({ api }: { api: Api }) {
  const [items, setItems] = useState<Awaiting[]>();
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [busy, setBusy] = useState(false);

  // The latest rows and ticks, for a refresh (which may run from a timer) to compare with.
  const shown = useRef({ items, checked });
  shown.current = { items, checked };
  /** Requests this user sent a decision for: their leaving the list is no news. */
  const decided = useRef(new Set<string>());

  const refresh = () =>
    loadAwaiting(api).then(
      (r) => {
        const { items: before, checked: ticked } = shown.current;
        const gone = (before ?? []).filter((i) => ticked.has(i.key) && !decided.current.has(i.key) && !r.some((n) => n.key === i.key));
        setItems(r);
        // Why: a request that left the list must not stay checked out of sight; and the approver
        // who had picked it is told, rather than finding it silently gone.
        setChecked((c) => new Set([...c].filter((k) => r.some((i) => i.key === k))));
        if (gone.length > 0) {
          setNote(`No longer waiting for your decision (canceled, decided by another approver, or timed out): ${gone.map((i) => `${i.requester} – ${i.name}`).join('; ')}.`);
        }
      },
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => void refresh(), []);
  usePolling(refresh);

  const toggle = (key: string, on: boolean) =>
    setChecked((c) => {
      const next = new Set(c);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });

  const submit = async (result: 'Approve' | 'Deny') => {
    const chosen = (items ?? []).filter((i) => checked.has(i.key));
    setError(undefined);
    setNote(undefined);
    if (chosen.length === 0) return setError('Select at least one request.');
    if (!reason.trim()) return setError('Give a justification for your decision.');
    setBusy(true);
    for (const i of chosen) decided.current.add(i.key);
    const outcomes = await Promise.allSettled(chosen.map((i) => decide(api, i, result, reason.trim())));
    const failed = outcomes.flatMap((o, n) => (o.status === 'rejected' ? [`${chosen[n]?.requester} – ${chosen[n]?.name}: ${errorText(o.reason)}`] : []));
    const done = chosen.length - failed.length;
    if (done > 0) setNote(`You ${result === 'Approve' ? 'approved' : 'denied'} ${done} request${done === 1 ? '' : 's'}.`);
    if (failed.length > 0) setError(failed.join(' '));
    else setReason('');
    await refresh();
    setBusy(false);
  };

  return (
    <>
      <PageStatus onRefresh={() => void refresh()} error={error} note={note} />
      <p class="hint">This list updates itself every {POLL_MS / 1000} seconds while this tab is open.</p>
      {!items ? (
        !error && <p>Loading the requests awaiting you…</p>
      ) : items.length === 0 ? (
        <p>No requests await your decision.</p>
      ) : (
        <form onSubmit={(e) => e.preventDefault()}>
          <fieldset class="cards">
            <legend>Requests awaiting your decision</legend>
            {items.map((i) => (
              <Card key={i.key} item={i} checked={checked.has(i.key)} onToggle={(on) => toggle(i.key, on)} />
            ))}
          </fieldset>
          <ReasonField id="decision-reason" label="Justification for your decision (required)" value={reason} onInput={setReason} note={`${checked.size} selected`} />
          <DecisionButtons
            busy={busy}
            choices={[
              { decision: 'Approve', label: 'Approve selected' },
              { decision: 'Deny', label: 'Deny selected' },
            ]}
            onDecide={(d) => void submit(d)}
          />
        </form>
      )}
    </>
  );
}

function Card({ item, checked, onToggle }: { item: Awaiting; checked: boolean; onToggle: (on: boolean) => void }) {
  const id = `pick-${item.id}`;
  return (
    <article class="card" aria-labelledby={`${id}-label`}>
      <div class="pick">
        <input type="checkbox" id={id} checked={checked} onChange={(e) => onToggle(e.currentTarget.checked)} />
        <label for={id} id={`${id}-label`}>
          {item.requester} requests {item.name}
        </label>
      </div>
      <dl>
        <dt>Scope</dt>
        <dd>{item.scope}</dd>
        <dt>Justification</dt>
        <dd>{item.justification || '—'}</dd>
        <dt>Ticket</dt>
        <dd>{item.ticket || '—'}</dd>
        <dt>Duration</dt>
        <dd>{item.duration}</dd>
        <dt>Requested</dt>
        <dd>{item.created ? new Date(item.created).toLocaleString() : '—'}</dd>
        <dt>Decisions so far</dt>
        <dd>
          {item.decisions.length === 0
            ? `None yet (${item.approvalsRequired} approval${item.approvalsRequired === 1 ? '' : 's'} needed)`
            : item.decisions.map((d) => `${d.reviewer}: ${d.result}${d.justification ? ` (“${d.justification}”)` : ''}`).join('; ')}
        </dd>
      </dl>
    </article>
  );
}
