import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../errors';
import { PageStatus, TableSection } from '../PageParts';
import { decisionWords, nameOf, resourceOf } from '../reviewItems';
import { hasUnapplied, instanceAction, type InstanceAction, loadReviewRows, progressOf, type ReviewRow } from './accessReviews';
import { decisionsCsv, describeReviewScope } from './reviewBody';
import type { AdminAccess } from './appRoles';
import { type Directory, loadDirectory } from './directory';
import { ReviewForm } from './ReviewForm';

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

/** Reached by its address without an admin app role: say why there is nothing (the API would refuse). */
export function AccessReviews({ api, access }: { api: Api; access: AdminAccess }) {
  return access ? <ReviewAdmin api={api} manage={access === 'edit'} /> : <p>Access reviews are managed by PIM administrators (PIM.Admin) and read by auditors (PIM.Auditor).</p>;
}

/**
 * Admin → Access reviews: every review with its status and the current instance's progress;
 * admins create reviews, stop an instance and apply its decisions; everyone here sees the
 * results and exports them as CSV. Auditors see the same without the buttons that change anything.
 */
function ReviewAdmin({ api, manage }: { api: Api; manage: boolean }) {
  const [rows, setRows] = useState<ReviewRow[]>();
  const [directory, setDirectory] = useState<Directory>();
  const [creating, setCreating] = useState(false);
  const [resultsOf, setResultsOf] = useState<string>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [busy, setBusy] = useState(false);
  const results = useRef<HTMLHeadingElement>(null);

  const refresh = () =>
    loadReviewRows(api).then(
      (r) => setRows(r),
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => {
    void refresh();
    loadDirectory(api).then(setDirectory, (e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => {
    if (resultsOf) results.current?.focus();
  }, [resultsOf]);

  const names = new Map<string, string>([...(directory?.roles ?? []), ...(directory?.groups ?? [])].map((n) => [n.id.toLowerCase(), n.displayName]));
  const done: Record<InstanceAction, string> = { stop: 'Stopped', applyDecisions: 'Applied the decisions of', sendReminder: 'Reminded the reviewers of' };
  const act = async (row: ReviewRow, action: InstanceAction) => {
    setError(undefined);
    setNote(undefined);
    setBusy(true);
    try {
      await instanceAction(api, row, action);
      setNote(`${done[action]} ${row.definition.displayName}.`);
      await refresh();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const shown = rows?.find((r) => r.definition.id === resultsOf);

  return (
    <>
      <PageStatus onRefresh={() => void refresh()} error={error} note={note} />
      {manage && !creating && (
        <div class="buttons">
          <button type="button" class="primary" disabled={!directory} onClick={() => setCreating(true)}>
            New access review
          </button>
        </div>
      )}
      {manage && creating && directory && (
        <ReviewForm
          api={api}
          directory={directory}
          onCancel={() => setCreating(false)}
          onCreated={(name) => {
            setCreating(false);
            setNote(`Created the access review ${name}.`);
            void refresh();
          }}
        />
      )}
      {!rows ? (
        !error && <p>Loading the access reviews…</p>
      ) : (
        <TableSection id="reviews-title" title="Access reviews" empty="There are no access reviews yet." count={rows.length} headers={['Name', 'Scope', 'Status', 'Current review', 'Progress', 'Actions']}>
          {rows.map((r) => (
            <tr key={r.definition.id}>
              <th scope="row">{r.definition.displayName}</th>
              <td>{describeReviewScope(r.definition, names)}</td>
              <td>{r.current?.status ?? r.definition.status ?? '—'}</td>
              <td>{r.current ? `${when(r.current.startDateTime)} – ${when(r.current.endDateTime)}` : '—'}</td>
              <td>{progressOf(r)}</td>
              <td>
                <div class="row-actions">
                  <button type="button" disabled={!r.current} aria-label={`Results of ${r.definition.displayName}`} onClick={() => setResultsOf(r.definition.id)}>
                    Results
                  </button>
                  {manage && r.current?.status === 'InProgress' && (
                    <>
                      <button type="button" disabled={busy} aria-label={`Remind the reviewers of ${r.definition.displayName}`} onClick={() => void act(r, 'sendReminder')}>
                        Remind
                      </button>
                      <button type="button" disabled={busy} aria-label={`Stop ${r.definition.displayName}`} onClick={() => void act(r, 'stop')}>
                        Stop
                      </button>
                    </>
                  )}
                  {manage && hasUnapplied(r) && (
                    <button type="button" disabled={busy} aria-label={`Apply the decisions of ${r.definition.displayName}`} onClick={() => void act(r, 'applyDecisions')}>
                      Apply decisions
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </TableSection>
      )}
      {shown && <Results row={shown} heading={results} />}
    </>
  );
}

/** The current instance's decisions, and the same as a CSV file made in the browser. */
function Results({ row, heading }: { row: ReviewRow; heading: RefObject<HTMLHeadingElement> }) {
  const exportCsv = () => {
    const url = URL.createObjectURL(new Blob([decisionsCsv(row.items)], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${row.definition.displayName.replace(/[^\w.-]+/g, '-')}-${row.current?.id ?? 'results'}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <section aria-labelledby="review-results-title">
      <h2 id="review-results-title" ref={heading} tabIndex={-1} class="review-title">
        Results: {row.definition.displayName}
      </h2>
      <p>
        {row.current?.status ?? ''} · {when(row.current?.startDateTime)} – {when(row.current?.endDateTime)} · {progressOf(row)}
      </p>
      <div class="buttons">
        <button type="button" disabled={row.items.length === 0} onClick={exportCsv}>
          Export CSV
        </button>
      </div>
      <TableSection id="review-decisions-title" title="Decisions" empty="This review has no items." count={row.items.length} headers={['Principal', 'Access', 'Decision', 'Reviewed by', 'Reviewed', 'Justification', 'Applied']}>
        {row.items.map((i) => (
          <tr key={i.id}>
            <th scope="row">{nameOf(i.principal)}</th>
            <td>{resourceOf(i)}</td>
            <td>{decisionWords(i.decision)}</td>
            <td>{nameOf(i.reviewedBy) || '—'}</td>
            <td class="nowrap">{when(i.reviewedDateTime)}</td>
            <td>{i.justification || '—'}</td>
            <td>{i.applyResult ?? '—'}</td>
          </tr>
        ))}
      </TableSection>
    </section>
  );
}
