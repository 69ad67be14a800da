import { useEffect, useRef, useState } from 'preact/hooks';
import { PageStatus } from './PageParts';
import type { Api } from './api';
import { errorText } from './errors';
import { ActivatePanel } from './ActivatePanel';
import { AzureScopeField } from './AzureScopeField';
import { ExtendPanel } from './ExtendPanel';
import { loadExpired } from './expired';
import { deactivate, extendability, loadMyRoles, type MyRoles as Roles, type Row } from './model';
import { RoleTable } from './RoleTable';

type Panel = { kind: 'activate'; rows: Row[] } | { kind: 'extend'; row: Row };

export function MyRoles({ api, principalId }: { api: Api; principalId: string }) {
  const [roles, setRoles] = useState<Roles & { expired: Row[] }>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [panel, setPanel] = useState<Panel>();
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [azureScope, setAzureScope] = useState<string>();
  const opener = useRef<HTMLElement | null>(null);

  const refresh = (scope = azureScope) =>
    Promise.all([loadMyRoles(api, principalId, scope), loadExpired(api)]).then(
      ([r, expired]) => {
        setRoles({ ...r, expired });
        // Why: a row that left the list (activated, expired) must not stay picked out of sight.
        setPicked((p) => new Set([...p].filter((k) => r.eligible.some((row) => row.key === k))));
        setError(r.azureError ? `Azure resource roles could not be read: ${errorText(r.azureError)}` : undefined);
      },
      (e: unknown) => setError(errorText(e)),
    );
  useEffect(() => void refresh(), []);

  const open = (p: Panel, e: Event) => {
    opener.current = e.currentTarget as HTMLElement;
    setNote(undefined);
    setPanel(p);
  };
  const closePanel = (changed: boolean, outcome?: string) => {
    setPanel(undefined);
    if (outcome) setNote(outcome);
    if (changed) {
      setPicked(new Set());
      void refresh();
    }
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
  const toggle = (row: Row, on: boolean) =>
    setPicked((p) => {
      const next = new Set(p);
      if (on) next.add(row.key);
      else next.delete(row.key);
      return next;
    });

  const extendCell = (row: Row) => {
    const can = extendability(row, new Date());
    return can.allowed ? (
      <button type="button" aria-label={`Extend ${row.name}`} onClick={(e) => open({ kind: 'extend', row }, e)}>
        Extend
      </button>
    ) : (
      <span class="muted why">{can.why}</span>
    );
  };
  const chosen = roles?.eligible.filter((r) => picked.has(r.key)) ?? [];

  return (
    <>
      <PageStatus onRefresh={() => void refresh()} error={error} note={note} />
      <AzureScopeField
        value={azureScope}
        onChange={(scope) => {
          setAzureScope(scope);
          void refresh(scope);
        }}
      />
      {!roles ? (
        !error && <p>Loading your roles…</p>
      ) : (
        <>
          <RoleTable
            id="eligible-title"
            title="Eligible assignments"
            rows={roles.eligible}
            empty="You have no eligible assignments."
            select={{ picked, toggle }}
            action={(row) => (
              <div class="cell-actions">
                <button type="button" aria-label={`Activate ${row.name}`} onClick={(e) => open({ kind: 'activate', rows: [row] }, e)}>
                  Activate
                </button>
                {extendCell(row)}
              </div>
            )}
          />
          {roles.eligible.length > 0 && (
            <div class="buttons">
              <button type="button" class="primary" disabled={chosen.length === 0} aria-describedby="picked-count" onClick={(e) => open({ kind: 'activate', rows: chosen }, e)}>
                Activate selected
              </button>
              <span id="picked-count" class="hint">
                {chosen.length} selected
              </span>
            </div>
          )}
          <RoleTable
            id="active-title"
            title="Active assignments"
            rows={roles.active}
            empty="You have no active assignments."
            action={(row) =>
              row.assignmentType === 'Activated' ? (
                <div class="cell-actions">
                  <button type="button" aria-label={`Deactivate ${row.name}`} onClick={() => void onDeactivate(row)}>
                    Deactivate
                  </button>
                  {extendCell(row)}
                </div>
              ) : (
                <div class="cell-actions">
                  <span class="muted">Assigned</span>
                  {extendCell(row)}
                </div>
              )
            }
          />
          <RoleTable
            id="expired-title"
            title="Expired assignments"
            rows={roles.expired}
            empty="You have no assignments that ended in the last 90 days."
            actionHeader="How it ended"
            action={(row) => `${row.ended ?? ''} (${row.schedule === 'eligibility' ? 'eligible' : 'active'} assignment)`}
          />
        </>
      )}
      {panel?.kind === 'activate' && <ActivatePanel api={api} principalId={principalId} rows={panel.rows} onClose={(changed) => closePanel(changed)} />}
      {panel?.kind === 'extend' && <ExtendPanel api={api} principalId={principalId} row={panel.row} onClose={(outcome) => closePanel(outcome !== undefined, outcome)} />}
    </>
  );
}
