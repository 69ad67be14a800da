import { useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../errors';
import { azureRolesAt } from './targets';
import type { AdminTarget } from './ports';
import type { Directory } from './directory';

type TargetKind = AdminTarget['kind'];

/**
 * The target chooser: a directory role at a directory scope, a group's membership or
 * ownership, or an Azure role at an ARM scope (whose roles are read from that scope first).
 */
export function AssignmentTarget({
  directory,
  arm,
  onPick,
  submitLabel = 'Show assignments',
  directoryWide = false,
}: {
  directory: Directory;
  arm: Api;
  onPick: (t: AdminTarget, name: string) => void;
  submitLabel?: string;
  /** Directory roles only at the whole directory ("/"): no directory scope to type (access reviews cover a role tenant-wide). */
  directoryWide?: boolean;
}) {
  const [kind, setKind] = useState<TargetKind>('role');
  const [roleId, setRoleId] = useState(directory.roles[0]?.id ?? '');
  const [scope, setScope] = useState('/');
  const [groupId, setGroupId] = useState(directory.groups?.[0]?.id ?? '');
  const [accessId, setAccessId] = useState<'member' | 'owner'>('member');
  const [armScope, setArmScope] = useState('');
  const [azureRoles, setAzureRoles] = useState<{ scope: string; roles: Array<{ id: string; displayName: string }> }>();
  const [azureRoleId, setAzureRoleId] = useState('');
  const [azureError, setAzureError] = useState<string>();

  const findAzureRoles = async () => {
    setAzureError(undefined);
    const at = armScope.trim().replace(/\/+$/, '');
    try {
      const roles = await azureRolesAt(arm, at);
      setAzureRoles({ scope: at, roles });
      setAzureRoleId(roles[0]?.id ?? '');
    } catch (e) {
      setAzureRoles(undefined);
      setAzureError(errorText(e));
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    if (kind === 'role') {
      const role = directory.roles.find((r) => r.id === roleId)?.displayName ?? roleId;
      const directoryScopeId = scope.trim() || '/';
      onPick({ kind: 'role', roleDefinitionId: roleId, directoryScopeId }, directoryScopeId === '/' ? role : `${role} at ${directoryScopeId}`);
    } else if (kind === 'group') {
      const id = groupId.trim();
      const group = directory.groups?.find((g) => g.id === id)?.displayName ?? id;
      onPick({ kind: 'group', groupId: id, accessId }, `${group} (${accessId === 'owner' ? 'Owner' : 'Member'})`);
    } else if (azureRoles && azureRoleId) {
      const role = azureRoles.roles.find((r) => r.id === azureRoleId)?.displayName ?? azureRoleId;
      onPick({ kind: 'azure', scope: azureRoles.scope, roleDefinitionId: azureRoleId }, `${role} at ${azureRoles.scope}`);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Choose what to manage">
      <fieldset>
        <legend>What to manage</legend>
        <label for="target-kind">Kind</label>
        <select id="target-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as TargetKind)}>
          <option value="role">Directory role</option>
          <option value="group">Group (PIM for Groups)</option>
          <option value="azure">Azure resource role</option>
        </select>
        {kind === 'role' && (
          <>
            <label for="target-role">Role</label>
            <select id="target-role" value={roleId} onChange={(e) => setRoleId(e.currentTarget.value)}>
              {directory.roles.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.displayName}
                </option>
              ))}
            </select>
            {!directoryWide && (
              <>
                <label for="target-scope">Directory scope</label>
                <input id="target-scope" value={scope} aria-describedby="target-scope-hint" onInput={(e) => setScope(e.currentTarget.value)} />
                <p id="target-scope-hint" class="hint">
                  / for the whole directory, or /administrativeUnits/{'{id}'} for one unit.
                </p>
              </>
            )}
          </>
        )}
        {kind === 'group' && (
          <>
            <label for="target-group">Group{directory.groups ? '' : ' (object id)'}</label>
            {directory.groups ? (
              <select id="target-group" value={groupId} onChange={(e) => setGroupId(e.currentTarget.value)}>
                {directory.groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.displayName}
                  </option>
                ))}
              </select>
            ) : (
              <input id="target-group" required value={groupId} onInput={(e) => setGroupId(e.currentTarget.value)} />
            )}
            <label for="target-access">Access</label>
            <select id="target-access" value={accessId} onChange={(e) => setAccessId(e.currentTarget.value as 'member' | 'owner')}>
              <option value="member">Member</option>
              <option value="owner">Owner</option>
            </select>
          </>
        )}
        {kind === 'azure' && (
          <>
            <label for="target-arm-scope">Azure scope</label>
            <input
              id="target-arm-scope"
              required
              value={armScope}
              aria-describedby="target-arm-scope-hint"
              onInput={(e) => {
                setArmScope(e.currentTarget.value);
                setAzureRoles(undefined);
              }}
            />
            <p id="target-arm-scope-hint" class="hint">
              e.g. /subscriptions/{'{id}'} or /subscriptions/{'{id}'}/resourceGroups/{'{name}'}
            </p>
            {azureError && <p role="alert" class="error">{azureError}</p>}
            <div class="buttons">
              <button type="button" disabled={!armScope.trim()} onClick={() => void findAzureRoles()}>
                Find roles at this scope
              </button>
            </div>
            {azureRoles && (
              <>
                <label for="target-azure-role">Azure role</label>
                <select id="target-azure-role" value={azureRoleId} onChange={(e) => setAzureRoleId(e.currentTarget.value)}>
                  {azureRoles.roles.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.displayName}
                    </option>
                  ))}
                </select>
              </>
            )}
          </>
        )}
        <div class="buttons">
          <button type="submit" class="primary" disabled={kind === 'azure' && !azureRoles}>
            {submitLabel}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
