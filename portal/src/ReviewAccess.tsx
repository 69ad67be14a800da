import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api';
import { errorText } from './errors';
import { DecisionButtons, PageStatus, ReasonField } from './PageParts';
import { type DecisionItem, decisionWords, isDecided, nameOf, resourceOf } from './reviewItems';
import { loadMyReview, loadMyReviews, type MyReview, recordDecision } from './reviews';

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
const dueOf = (r: MyReview) => (r.instance.endDateTime ? new Date(r.instance.endDateTime).toLocaleDateString() : 'no end date');

/**
 * Review access: the access reviews the signed-in user is a reviewer of. `open` names one review
 * ([definitionId, instanceId], as the mailed link's hash does); without it, the open reviews are listed.
 */
export function ReviewAccess({ api, open }: { api: Api; open: string[] }) {
  const [definitionId, instanceId] = open;
  return definitionId && instanceId ? <OneReview key={`${definitionId}/${instanceId}`} api={api} definitionId={definitionId} instanceId={instanceId} /> : <MyReviews api={api} />;
}

function MyReviews({ api }: { api: Api }) {
  const [reviews, setReviews] = useState<MyReview[]>();
  const [error, setError] = useState<string>();
  const refresh = () => {
    setError(undefined);
    loadMyReviews(api).then(setReviews, (e: unknown) => setError(errorText(e)));
  };
  useEffect(refresh, []);
  return (
    <>
      <PageStatus onRefresh={refresh} error={error} note={reviews ? `${reviews.length} review${reviews.length === 1 ? '' : 's'} in progress.` : undefined} />
      {!reviews ? (
        !error && <p>Loading your access reviews…</p>
      ) : reviews.length === 0 ? (
        <p>You have nothing to review.</p>
      ) : (
        <ul class="review-list">
          {reviews.map((r) => {
            const left = r.items.filter((i) => !isDecided(i)).length;
            return (
              <li key={`${r.definition.id}/${r.instance.id}`} class="card">
                <h2>
                  <a href={`#/review-access/${encodeURIComponent(r.definition.id)}/${encodeURIComponent(r.instance.id)}`}>{r.definition.displayName}</a>
                </h2>
                {r.definition.descriptionForReviewers && <p>{r.definition.descriptionForReviewers}</p>}
                <dl>
                  <dt>Due</dt>
                  <dd>{dueOf(r)}</dd>
                  <dt>Left to review</dt>
                  <dd>
                    {left} of {r.items.length}
                  </dd>
                </dl>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

type Choice = 'Approve' | 'Deny' | 'DontKnow';
const CHOICE_WORDS: Record<Choice, string> = { Approve: 'approved', Deny: 'denied', DontKnow: "answered Don't know for" };

/** One review: its items, each with the recommendation and the last activation, decided one or several at a time. */
function OneReview({ api, definitionId, instanceId }: { api: Api; definitionId: string; instanceId: string }) {
  const [review, setReview] = useState<MyReview | null>();
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  const refresh = () =>
    loadMyReview(api, definitionId, instanceId).then(
      (r) => {
        setReview(r ?? null);
        // Why: an item that left the list must not stay selected out of sight.
        setChecked((c) => new Set([...c].filter((id) => r?.items.some((i) => i.id === id))));
      },
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => void refresh(), []);
  // Why: arriving from the list or a mailed link, a screen reader user lands on the review's name.
  const focused = useRef(false);
  useEffect(() => {
    if (review && !focused.current) {
      focused.current = true;
      heading.current?.focus();
    }
  }, [review]);

  const toggle = (id: string, on: boolean) =>
    setChecked((c) => {
      const next = new Set(c);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const back = (
    <p>
      <a href="#/review-access">All my reviews</a>
    </p>
  );
  if (review === undefined) return error ? <PageStatus onRefresh={() => void refresh()} error={error} /> : <p role="status">Loading the review…</p>;
  if (review === null) {
    return (
      <>
        <p role="alert" class="error">
          This review does not exist, or you are not one of its reviewers.
        </p>
        {back}
      </>
    );
  }

  const open = review.instance.status === 'InProgress';
  const required = review.definition.settings?.justificationRequiredOnApproval === true;
  const items = [...review.items].sort((a, b) => Number(isDecided(a)) - Number(isDecided(b)) || nameOf(a.principal).localeCompare(nameOf(b.principal)));
  const decided = items.filter(isDecided).length;

  const submit = async (decision: Choice) => {
    const chosen = items.filter((i) => checked.has(i.id));
    setError(undefined);
    setNote(undefined);
    if (chosen.length === 0) return setError('Select at least one item to decide.');
    if (decision === 'Approve' && required && !reason.trim()) return setError('This review asks for a justification on approval: give one.');
    setBusy(true);
    const outcomes = await Promise.allSettled(chosen.map((i) => recordDecision(api, review, i.id, decision, reason.trim())));
    const failed = outcomes.flatMap((o, n) => (o.status === 'rejected' ? [`${nameOf(chosen[n]?.principal)} – ${resourceOf(chosen[n] ?? { id: '' })}: ${errorText(o.reason)}`] : []));
    const done = chosen.length - failed.length;
    if (done > 0) setNote(`You ${CHOICE_WORDS[decision]} ${done} item${done === 1 ? '' : 's'}.`);
    if (failed.length > 0) setError(failed.join(' '));
    else {
      setReason('');
      setChecked(new Set());
    }
    await refresh();
    setBusy(false);
  };

  return (
    <>
      {back}
      <h2 ref={heading} tabIndex={-1} class="review-title">
        {review.definition.displayName}
      </h2>
      {review.definition.descriptionForReviewers && <p>{review.definition.descriptionForReviewers}</p>}
      <p>
        {open ? `Due ${dueOf(review)}.` : `This review has ended (${review.instance.status ?? 'not in progress'}); its decisions can no longer be changed.`} {decided} of {items.length} decided.
      </p>
      <PageStatus onRefresh={() => void refresh()} error={error} note={note} />
      {items.length === 0 ? (
        <p>You have nothing to review here.</p>
      ) : (
        <form onSubmit={(e) => e.preventDefault()}>
          <fieldset class="cards">
            <legend>Who has access to what</legend>
            {items.map((i) => (
              <ItemCard key={i.id} item={i} checked={checked.has(i.id)} disabled={!open} onToggle={(on) => toggle(i.id, on)} />
            ))}
          </fieldset>
          {open && (
            <>
              <div class="buttons">
                <button type="button" onClick={() => setChecked(new Set(items.filter((i) => !isDecided(i)).map((i) => i.id)))}>
                  Select all not yet reviewed
                </button>
              </div>
              <ReasonField
                id="review-reason"
                label={`Justification${required ? ' (required to approve)' : ''}`}
                value={reason}
                onInput={setReason}
                note={`${checked.size} selected · one justification serves every selected item`}
              />
              <DecisionButtons
                busy={busy}
                choices={[
                  { decision: 'Approve', label: 'Approve selected' },
                  { decision: 'Deny', label: 'Deny selected' },
                  { decision: 'DontKnow', label: "Don't know" },
                ]}
                onDecide={(d) => void submit(d)}
              />
            </>
          )}
        </form>
      )}
    </>
  );
}

function lastActivation(item: DecisionItem): string {
  if (item.lastActivationDateTime === undefined) return '—';
  return item.lastActivationDateTime === null ? 'Never activated (in the look-back period)' : when(item.lastActivationDateTime);
}

function recommendation(item: DecisionItem): string {
  const r = item.recommendation;
  if (!r || r === 'NoInfoAvailable') return item.recommendationReason ? `No recommendation (${item.recommendationReason})` : 'No recommendation';
  return `${r}${item.recommendationReason ? `: ${item.recommendationReason}` : ''}`;
}

function decisionText(item: DecisionItem): string {
  if (!isDecided(item)) return 'Not reviewed yet';
  const by = nameOf(item.reviewedBy);
  const details = [by && `by ${by}`, item.reviewedDateTime && `on ${when(item.reviewedDateTime)}`].filter(Boolean).join(' ');
  return `${decisionWords(item.decision)}${details ? ` ${details}` : ''}${item.justification ? ` (“${item.justification}”)` : ''}`;
}

function ItemCard({ item, checked, disabled, onToggle }: { item: DecisionItem; checked: boolean; disabled: boolean; onToggle: (on: boolean) => void }) {
  const id = `item-${item.id}`;
  const who = nameOf(item.principal);
  return (
    <article class={`card${isDecided(item) ? ' decided' : ''}`} aria-labelledby={`${id}-label`}>
      <div class="pick">
        <input type="checkbox" id={id} checked={checked} disabled={disabled} onChange={(e) => onToggle(e.currentTarget.checked)} />
        <label for={id} id={`${id}-label`}>
          {who} – {resourceOf(item)}
        </label>
      </div>
      <dl>
        <dt>Who</dt>
        <dd>
          {who}
          {item.principal?.userPrincipalName && item.principal.userPrincipalName !== who ? ` (${item.principal.userPrincipalName})` : ''}
        </dd>
        <dt>Access</dt>
        <dd>{resourceOf(item)}</dd>
        <dt>Recommendation</dt>
        <dd>{recommendation(item)}</dd>
        <dt>Last activation</dt>
        <dd>{lastActivation(item)}</dd>
        <dt>Decision</dt>
        <dd>{decisionText(item)}</dd>
        {item.applyResult && item.applyResult !== 'New' && (
          <>
            <dt>Applied</dt>
            <dd>{item.applyResult}</dd>
          </>
        )}
      </dl>
    </article>
  );
}
