import { useEffect, useState } from 'preact/hooks';
import { PageStatus, TableSection } from './PageParts';
import type { Api } from './api';
import { errorText } from './errors';
import { POLL_MS, usePolling } from './usePolling';
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
  usePolling(refresh);

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
      <PageStatus onRefresh={() => void refresh()} error={error} note={note} />
      <p class="hint">This list updates itself every {POLL_MS / 1000} seconds while this tab is open.</p>
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
  const headers = ['Role or group', 'Action', 'Status', 'Created', 'Justification', ...(props.action ? ['Manage'] : [])];
  return (
    <TableSection id={props.id} title={props.title} empty={props.empty} count={props.rows.length} headers={headers}>
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
    </TableSection>
  );
}
