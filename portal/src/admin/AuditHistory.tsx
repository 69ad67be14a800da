import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../errors';
import { PageStatus, TableSection } from '../PageParts';
import { type AuditFilters, type AuditRecord, initiatorOf, loadAuditPage, noFilters, reasonOf, targetsOf } from './auditRecords';
import './auditHistory.css';

const when = (iso: string) => new Date(iso).toLocaleString();

/** Admins' and auditors' view of the audit trail: newest first, filtered, a page at a time. */
export function AuditHistory({ api }: { api: Api }) {
  const [form, setForm] = useState<AuditFilters>(noFilters);
  const [applied, setApplied] = useState<AuditFilters>(noFilters);
  const [records, setRecords] = useState<AuditRecord[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = async (filters: AuditFilters, more?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await loadAuditPage(api, filters, more);
      const shown = more ? [...(records ?? []), ...page.records] : page.records;
      setRecords(shown);
      setNext(page.next);
      setApplied(filters);
      setNote(`${shown.length} record${shown.length === 1 ? '' : 's'} shown${page.next ? '; more are available' : ''}.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(noFilters), []);

  const set = <K extends keyof AuditFilters>(key: K) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value as AuditFilters[K] });
  const activities = [...new Set((records ?? []).map((r) => r.activityDisplayName))].sort();

  return (
    <>
      <PageStatus onRefresh={() => void load(applied)} error={error} note={note} />
      <form
        class="audit-filters"
        aria-label="Filter the audit history"
        onSubmit={(e) => {
          e.preventDefault();
          void load(form);
        }}
      >
        <div>
          <label for="audit-from">From (date)</label>
          <input id="audit-from" type="date" value={form.fromDate} onInput={set('fromDate')} />
        </div>
        <div>
          <label for="audit-to">To (date)</label>
          <input id="audit-to" type="date" value={form.toDate} onInput={set('toDate')} />
        </div>
        <div>
          <label for="audit-activity">Activity</label>
          <input id="audit-activity" list="audit-activities" value={form.activity} onInput={set('activity')} aria-describedby="audit-activity-hint" />
          <datalist id="audit-activities">
            {activities.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <p id="audit-activity-hint" class="hint">The exact activity name, e.g. one from the table below.</p>
        </div>
        <div>
          <label for="audit-result">Result</label>
          <select id="audit-result" value={form.result} onChange={set('result')}>
            <option value="">Any result</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
          </select>
        </div>
        <div>
          <label for="audit-principal-role">Principal is</label>
          <select id="audit-principal-role" value={form.principalRole} onChange={set('principalRole')}>
            <option value="initiatedBy">Who initiated it</option>
            <option value="target">A target of it</option>
          </select>
        </div>
        <div>
          <label for="audit-principal">Principal (user, group or object id)</label>
          <input id="audit-principal" value={form.principal} onInput={set('principal')} spellcheck={false} autocomplete="off" />
        </div>
        <div class="buttons audit-actions">
          <button type="submit" class="primary" disabled={busy}>
            Apply filters
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setForm(noFilters);
              void load(noFilters);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {!records ? (
        !error && <p>Loading the audit history…</p>
      ) : (
        <TableSection id="audit-title" title="Audit records (newest first)" empty="No audit records match these filters." count={records.length} headers={['Time', 'Activity', 'Initiated by', 'Target', 'Result', 'Reason or justification']}>
          {records.map((r) => (
            <tr key={r.id}>
              <td class="nowrap">{when(r.activityDateTime)}</td>
              <th scope="row">{r.activityDisplayName}</th>
              <td>{initiatorOf(r)}</td>
              <td>{targetsOf(r)}</td>
              <td class={r.result === 'success' ? '' : 'error'}>{r.result === 'success' ? 'Success' : `Failure${r.resultReason ? `: ${r.resultReason}` : ''}`}</td>
              <td>{reasonOf(r)}</td>
            </tr>
          ))}
        </TableSection>
      )}
      {next && (
        <div class="buttons">
          <button type="button" disabled={busy} onClick={() => void load(applied, next)}>
            Load more
          </button>
        </div>
      )}
    </>
  );
}
