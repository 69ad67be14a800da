import { useId, useState } from 'preact/hooks';
import type { Approver } from '../../../shared/domain/policy/types';
import type { Directory } from './targets';

const USER = '#microsoft.graph.singleUser';
const GROUP = '#microsoft.graph.groupMembers';

const idOf = (a: Approver) => (a['@odata.type'] === USER ? a.userId : a.groupId);

/** An approver as people know them: the directory's name, else the description the policy keeps, else the object id. */
export function approverName(a: Approver, directory: Directory | undefined): string {
  const id = idOf(a);
  const named = a['@odata.type'] === USER ? directory?.users.find((u) => u.id === id) : directory?.groups.find((g) => g.id === id);
  const name = named?.displayName ?? a.description ?? id;
  return a['@odata.type'] === GROUP ? `${name} (group)` : name;
}

/**
 * A list of approvers (users or group members) with Remove, and a way to add one: a choice from
 * the directory where the portal can read it (devhost), else a user's or group's object id.
 */
export function ApproverList(props: { label: string; approvers: Approver[]; directory: Directory | undefined; onChange: (approvers: Approver[]) => void }) {
  const pickId = useId();
  const [pick, setPick] = useState('');
  const [typedType, setTypedType] = useState<'user' | 'group'>('user');
  const add = (approver: Approver) => {
    if (props.approvers.some((a) => idOf(a) === idOf(approver))) return;
    props.onChange([...props.approvers, approver]);
    setPick('');
  };
  const addPicked = () => {
    const [kind, id] = pick.split(':');
    if (!id) return;
    const user = props.directory?.users.find((u) => u.id === id);
    const group = props.directory?.groups.find((g) => g.id === id);
    if (props.directory) {
      if (kind === 'user' && user) add({ '@odata.type': USER, userId: id, description: user.displayName, isBackup: false });
      if (kind === 'group' && group) add({ '@odata.type': GROUP, groupId: id, description: group.displayName, isBackup: false });
    } else {
      add(typedType === 'user' ? { '@odata.type': USER, userId: id, description: null, isBackup: false } : { '@odata.type': GROUP, groupId: id, description: null, isBackup: false });
    }
  };
  return (
    <div class="approvers" role="group" aria-labelledby={`${pickId}-title`}>
      <p class="approvers-title" id={`${pickId}-title`}>
        {props.label}
      </p>
      {props.approvers.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul>
          {props.approvers.map((a) => (
            <li key={idOf(a)}>
              <span>{approverName(a, props.directory)}</span>
              <button type="button" class="small" aria-label={`Remove ${approverName(a, props.directory)} from ${props.label.toLowerCase()}`} onClick={() => props.onChange(props.approvers.filter((x) => idOf(x) !== idOf(a)))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="add-row">
        {props.directory ? (
          <div class="field">
            <label for={pickId}>Add to {props.label.toLowerCase()}</label>
            <select id={pickId} value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
              <option value="">Choose a user or group…</option>
              <optgroup label="Users">
                {props.directory.users.map((u) => (
                  <option key={u.id} value={`user:${u.id}`}>
                    {u.displayName} ({u.userPrincipalName})
                  </option>
                ))}
              </optgroup>
              <optgroup label="Groups (every member may approve)">
                {props.directory.groups.map((g) => (
                  <option key={g.id} value={`group:${g.id}`}>
                    {g.displayName}
                  </option>
                ))}
              </optgroup>
            </select>
          </div>
        ) : (
          <>
            <div class="field">
              <label for={`${pickId}-type`}>Approver type</label>
              <select id={`${pickId}-type`} value={typedType} onChange={(e) => setTypedType(e.currentTarget.value as 'user' | 'group')}>
                <option value="user">User</option>
                <option value="group">Group members</option>
              </select>
            </div>
            <div class="field">
              <label for={pickId}>Object id to add to {props.label.toLowerCase()}</label>
              <input id={pickId} type="text" value={pick.split(':')[1] ?? ''} onInput={(e) => setPick(`${typedType}:${e.currentTarget.value.trim()}`)} />
            </div>
          </>
        )}
        <button type="button" onClick={addPicked} disabled={!pick}>
          Add
        </button>
      </div>
    </div>
  );
}
