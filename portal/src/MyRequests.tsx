import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { errorText } from './errors';
import { cancelRequest, isCancelable, loadMyRequests, type RequestRow } from './requests';

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '—');

/** The signed-in user's pending and past requests, with Cancel on a pending one. */
export function MyRequests({ api }: { api: Api }) {
  const [rows, setRows] = useState<RequestRow[]>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [busy, setBusy] = useState<string>();

  const refresh = () =>
    loadMyRequests(api).then(
      (r) => {
        setRows(r);
        setError(undefined);
      },
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => void refresh(), []);

  const cancel = async (row: RequestRow) => {
    setBusy(row.key);
    setNote(undefined);
    setError(undefined);
    try {
      await cancelRequest(api, row);
      setNote(`Your request for ${row.name} was canceled.`);
      await refresh();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(undefined);
    }
  };

  const pending = rows?.filter((r) => isCancelable(r.status)) ?? [];
  const past = rows?.filter((r) => !isCancelable(r.status)) ?? [];
  return (
    <>
      <div class="buttons">
        <button type="button" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      <p role="status">{note ?? ''}</p>
      {!rows ? (
        !error && <p>Loading your requests…</p>
      ) : (
        <>
          <RequestTable id="pending-title" title="Pending requests" rows={pending} empty="You have no pending requests." action={(row) => (
            <button type="button" aria-label={`Cancel request for ${row.name}`} disabled={busy === row.key} onClick={() => void cancel(row)}>
              Cancel
            </button>
          )} />
          <RequestTable id="past-title" title="Past requests" rows={past} empty="You have no past requests." />
        </>
      )}
    </>
  );
}

function RequestTable(props: { id: string; title: string; rows: RequestRow[]; empty: string; action?: (row: RequestRow) => preact.ComponentChildren }) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.rows.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        // Why tabindex: at phone width the table scrolls sideways, and keyboard users must reach it.
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby={props.id}>
          <table>
            <thead>
              <tr>
                <th scope="col">Role or group</th>
                <th scope="col">Action</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Justification</th>
                {props.action && <th scope="col">Manage</th>}
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr key={row.key}>
                  <th scope="row">{row.name}</th>
                  <td>{row.action}</td>
                  <td>{row.status}</td>
                  <td>{when(row.created)}</td>
                  <td>{row.justification || '—'}</td>
                  {props.action && <td>{props.action(row)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
