import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../errors';
import { PageStatus, TableSection } from '../PageParts';
import type { AdminAccess } from './appRoles';
import { AssignmentForm, type FormMode } from './AssignmentForm';
import { type AdminApis, type AdminRules, type AdminTarget, type AssignmentRow, type ExpiredRow, loadAdminRules, loadAssignments, type ScheduleKind, type TargetAssignments } from './assignments';
import { type Directory, loadDirectory } from './directory';
import { AssignmentTarget } from './AssignmentTarget';
import './assignments.css';

/** Why a row has no buttons: where it is changed instead. */
const NOT_HERE: Record<string, string> = {
  Group: 'Held through a group: change the group’s assignment',
  Inherited: 'Inherited from a scope above: change it there',
};

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '—');

interface Shown {
  target: AdminTarget;
  name: string;
  lists: TargetAssignments;
  rules: Record<ScheduleKind, AdminRules>;
}

/**
 * Admin → Assignments: pick a directory role or a group, see its eligible, active and
 * recently expired assignments, and (with PIM.Admin) add, update, extend, renew or remove them.
 * Auditors see the same lists without any of the buttons.
 */
export function Assignments({ api, access }: { api: Api; access: Exclude<AdminAccess, undefined> }) {
  const manage = access === 'edit';
  const [directory, setDirectory] = useState<Directory>();
  const [shown, setShown] = useState<Shown>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [form, setForm] = useState<FormMode>();
  const opener = useRef<HTMLElement | null>(null);
  const apis = useMemo<AdminApis>(() => ({ graph: api, arm: api }), [api]);

  useEffect(() => {
    loadDirectory(api).then(setDirectory, (e: unknown) => setError(errorText(e)));
  }, []);

  const show = async (target: AdminTarget, name: string) => {
    setError(undefined);
    try {
      const [lists, rules] = await Promise.all([loadAssignments(apis, target), loadAdminRules(apis, target)]);
      setShown({ target, name, lists, rules });
    } catch (e) {
      setError(errorText(e));
    }
  };
  const reloadRules = async () => {
    if (!shown) return;
    const rules = await loadAdminRules(apis, shown.target);
    setShown((s) => (s && s.target === shown.target ? { ...s, rules } : s));
  };
  const refresh = () => (shown ? show(shown.target, shown.name) : Promise.resolve());
  const heading = useRef<HTMLHeadingElement>(null);

  const openForm = (mode: FormMode, e: Event) => {
    opener.current = e.currentTarget as HTMLElement;
    setNote(undefined);
    setForm(mode);
  };
  const closeForm = (outcome?: string) => {
    setForm(undefined);
    // Why: focus returns where the admin was, not to the top of the page; when that button is
    // gone with its row (a removal, a renewal), to the heading of the lists instead.
    opener.current?.focus();
    if (!outcome) return;
    setNote(outcome);
    void refresh().then(() => {
      if (!opener.current?.isConnected) heading.current?.focus();
    });
  };

  const actions = (row: AssignmentRow) => {
    if (!row.changeable) return <span class="muted">{NOT_HERE[row.membership] ?? 'Ends by itself'}</span>;
    const label = (verb: string) => `${verb} ${row.kind === 'eligibility' ? 'eligible' : 'active'} assignment of ${row.principal}`;
    const mode = (action: 'adminUpdate' | 'adminExtend' | 'adminRemove') => ({ action, kind: row.kind, principalId: row.principalId, principal: row.principal, start: row.start, end: row.end });
    return (
      <div class="row-actions">
        <button type="button" aria-label={label('Update')} onClick={(e) => openForm(mode('adminUpdate'), e)}>
          Update
        </button>
        {row.extendable && (
          <button type="button" aria-label={label('Extend')} onClick={(e) => openForm(mode('adminExtend'), e)}>
            Extend
          </button>
        )}
        <button type="button" aria-label={label('Remove')} onClick={(e) => openForm(mode('adminRemove'), e)}>
          Remove
        </button>
      </div>
    );
  };

  return (
    <>
      <PageStatus onRefresh={() => void refresh()} error={error} note={note} />
      {!manage && <p class="notice">You are an auditor: you can read every assignment here but change none.</p>}
      {!directory ? (
        !error && <p>Loading roles and groups…</p>
      ) : (
        <AssignmentTarget directory={directory} arm={apis.arm} onPick={(t, name) => void show(t, name)} />
      )}
      {shown && (
        <section aria-labelledby="shown-title">
          <h2 id="shown-title" ref={heading} tabIndex={-1}>
            Assignments of {shown.name}</h2>
          {manage && (
            <div class="buttons">
              <button type="button" class="primary" onClick={(e) => openForm({ action: 'adminAssign' }, e)}>
                Add assignment
              </button>
            </div>
          )}
          <AssignmentTable id="admin-eligible" title="Eligible assignments" rows={shown.lists.eligible} empty="No one is eligible." actions={manage ? actions : undefined} />
          <AssignmentTable id="admin-active" title="Active assignments" rows={shown.lists.active} empty="No one holds it actively." actions={manage ? actions : undefined} />
          <ExpiredTable
            rows={shown.lists.expired}
            renew={
              manage
                ? (row, e) => openForm({ action: 'adminRenew', kind: row.kind, principalId: row.principalId, principal: row.principal, end: row.end }, e)
                : undefined
            }
          />
        </section>
      )}
      {form && shown && (
        <AssignmentForm apis={apis} target={shown.target} targetName={shown.name} mode={form} rules={shown.rules} users={directory?.users} reloadRules={reloadRules} onClose={closeForm} />
      )}
    </>
  );
}

function AssignmentTable(props: { id: string; title: string; rows: AssignmentRow[]; empty: string; actions?: (row: AssignmentRow) => preact.ComponentChildren }) {
  const headers = ['Principal', 'Membership', 'Start', 'End', 'State', ...(props.actions ? ['Actions'] : [])];
  return (
    <TableSection id={props.id} title={props.title} empty={props.empty} count={props.rows.length} headers={headers}>
      {props.rows.map((row) => (
        <tr key={row.key}>
          <th scope="row">{row.principal}</th>
          <td>{row.membership}</td>
          <td>{when(row.start)}</td>
          <td>{row.end ? when(row.end) : 'Permanent'}</td>
          <td>{row.state}</td>
          {props.actions && <td>{props.actions(row)}</td>}
        </tr>
      ))}
    </TableSection>
  );
}

function ExpiredTable(props: { rows: ExpiredRow[]; renew?: (row: ExpiredRow, e: Event) => void }) {
  const headers = ['Principal', 'Type', 'Ended', ...(props.renew ? ['Actions'] : [])];
  return (
    <TableSection id="admin-expired" title="Expired assignments" empty="None expired in the last 90 days." count={props.rows.length} headers={headers}>
      {props.rows.map((row) => (
        <tr key={row.key}>
          <th scope="row">{row.principal}</th>
          <td>{row.kind === 'eligibility' ? 'Eligible' : 'Active'}</td>
          <td>{when(row.end)}</td>
          {props.renew && (
            <td>
              <button type="button" aria-label={`Renew ${row.kind === 'eligibility' ? 'eligible' : 'active'} assignment of ${row.principal}`} onClick={(e) => props.renew?.(row, e)}>
                Renew
              </button>
            </td>
          )}
        </tr>
      ))}
    </TableSection>
  );
}
