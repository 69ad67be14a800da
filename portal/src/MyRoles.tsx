import { useEffect, useRef, useState } from 'preact/hooks';
import { PageStatus } from './PageParts';
import type { Api } from './api';
import { errorText } from './errors';
import { ActivatePanel } from './ActivatePanel';
import { deactivate, loadMyRoles, type MyRoles as Roles, type Row } from './model';
import { RoleTable } from './RoleTable';

export function MyRoles({ api, principalId }: { api: Api; principalId: string }) {
  const [roles, setRoles] = useState<Roles>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [panel, setPanel] = useState<Row>();
  const opener = useRef<HTMLElement | null>(null);

  const refresh = () =>
    loadMyRoles(api).then(
      (r) => {
        setRoles(r);
        setError(undefined);
      },
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => void refresh(), []);

  const openPanel = (row: Row, e: Event) => {
    opener.current = e.currentTarget as HTMLElement;
    setPanel(row);
  };
  const closePanel = (changed: boolean) => {
    setPanel(undefined);
    if (changed) void refresh();
    // Why: focus returns where the user was, not to the top of the page.
    opener.current?.focus();
  };
  const onDeactivate = async (row: Row) => {
    setNote(undefined);
    setError(undefined);
    try {
      await deactivate(api, principalId, row.target);
      setNote(`${row.name} was deactivated.`);
      await refresh();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <>
      <PageStatus onRefresh={() => void refresh()} error={error} note={note} />
      {!roles ? (
        !error && <p>Loading your roles…</p>
      ) : (
        <>
          <RoleTable
            id="eligible-title"
            title="Eligible assignments"
            rows={roles.eligible}
            empty="You have no eligible assignments."
            action={(row) => (
              <button type="button" aria-label={`Activate ${row.name}`} onClick={(e) => openPanel(row, e)}>
                Activate
              </button>
            )}
          />
          <RoleTable
            id="active-title"
            title="Active assignments"
            rows={roles.active}
            empty="You have no active assignments."
            action={(row) =>
              row.assignmentType === 'Activated' ? (
                <button type="button" aria-label={`Deactivate ${row.name}`} onClick={() => void onDeactivate(row)}>
                  Deactivate
                </button>
              ) : (
                <span class="muted">Assigned</span>
              )
            }
          />
        </>
      )}
      {panel && <ActivatePanel api={api} principalId={principalId} row={panel} onClose={closePanel} />}
    </>
  );
}
