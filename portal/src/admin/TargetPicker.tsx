import { useEffect, useId, useState } from 'preact/hooks';
import type { Api } from '../api';
import { errorText } from '../errors';
import { Choice, Group } from './fields';
import type { SettingsTarget } from './policyStore';
import { type AzureRoleChoice, azureRolesAt, type Directory, directoryRoles, type Named } from './targets';

type Kind = SettingsTarget['kind'];

/**
 * Choosing whose settings to edit: a directory role, a group's membership or ownership, or an
 * Azure role at an ARM scope (whose roles are listed once the scope is given).
 */
export function TargetPicker(props: { api: Api; arm: () => Promise<Api>; directory: Directory | undefined; onPick: (target: SettingsTarget) => void }) {
  const ids = useId();
  const [kind, setKind] = useState<Kind>('directoryRole');
  const [roles, setRoles] = useState<Named[]>([]);
  const [roleId, setRoleId] = useState('');
  const [groupId, setGroupId] = useState('');
  const [accessId, setAccessId] = useState<'member' | 'owner'>('member');
  const [scope, setScope] = useState('');
  const [azureRoles, setAzureRoles] = useState<AzureRoleChoice[]>();
  const [policyName, setPolicyName] = useState('');
  const [error, setError] = useState<string>();

  useEffect(() => {
    directoryRoles(props.api).then(setRoles, (e: unknown) => setError(errorText(e)));
  }, []);

  const listAzureRoles = async () => {
    setError(undefined);
    setAzureRoles(undefined);
    setPolicyName('');
    try {
      setAzureRoles(await azureRolesAt(await props.arm(), scope.trim()));
    } catch (e) {
      setError(errorText(e));
    }
  };

  const groupName = (id: string) => props.directory?.groups.find((g) => g.id === id)?.displayName ?? id;
  const chosen = (): SettingsTarget | undefined => {
    if (kind === 'directoryRole' && roleId) return { kind, roleDefinitionId: roleId, name: roles.find((r) => r.id === roleId)?.displayName ?? roleId };
    if (kind === 'group' && groupId.trim()) return { kind, groupId: groupId.trim(), accessId, name: `${groupName(groupId.trim())} (${accessId === 'owner' ? 'Owner' : 'Member'})` };
    if (kind === 'azureRole' && policyName) {
      const role = azureRoles?.find((r) => r.policyName === policyName);
      return { kind, scope: scope.trim(), policyName, name: `${role?.displayName ?? policyName} at ${scope.trim()}` };
    }
    return undefined;
  };
  const target = chosen();

  return (
    <Group legend="Whose settings">
      <Choice
        label="Kind"
        value={kind}
        options={[
          { value: 'directoryRole', label: 'Directory role' },
          { value: 'group', label: 'Group (PIM for Groups)' },
          { value: 'azureRole', label: 'Azure role at a scope' },
        ]}
        onChange={setKind}
      />
      {kind === 'directoryRole' && (
        <Choice label="Directory role" placeholder="Choose a role…" value={roleId} options={roles.map((r) => ({ value: r.id, label: r.displayName }))} onChange={setRoleId} />
      )}
      {kind === 'group' && (
        <>
          {props.directory ? (
            <Choice label="Group" placeholder="Choose a group…" value={groupId} options={props.directory.groups.map((g) => ({ value: g.id, label: g.displayName }))} onChange={setGroupId} />
          ) : (
            <div class="field">
              <label for={`${ids}-group`}>Group object id</label>
              <input id={`${ids}-group`} type="text" value={groupId} onInput={(e) => setGroupId(e.currentTarget.value)} />
            </div>
          )}
          <Choice
            label="Access"
            value={accessId}
            options={[
              { value: 'member', label: 'Member' },
              { value: 'owner', label: 'Owner' },
            ]}
            onChange={setAccessId}
          />
        </>
      )}
      {kind === 'azureRole' && (
        <>
          <div class="field">
            <label for={`${ids}-scope`}>Azure scope</label>
            <input
              id={`${ids}-scope`}
              type="text"
              value={scope}
              placeholder="/subscriptions/{id}/resourceGroups/{name}"
              aria-describedby={`${ids}-scope-hint`}
              onInput={(e) => {
                setScope(e.currentTarget.value);
                setAzureRoles(undefined);
                setPolicyName('');
              }}
            />
            <p id={`${ids}-scope-hint`} class="hint">
              A management group, subscription, resource group or resource, as its ARM id.
            </p>
          </div>
          <div class="buttons">
            <button type="button" disabled={!scope.trim()} onClick={() => void listAzureRoles()}>
              List roles at this scope
            </button>
          </div>
          {azureRoles && (
            <Choice label="Azure role" placeholder="Choose a role…" value={policyName} options={azureRoles.map((r) => ({ value: r.policyName, label: r.displayName }))} onChange={setPolicyName} />
          )}
        </>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="buttons">
        <button type="button" class="primary" disabled={!target} onClick={() => target && props.onPick(target)}>
          Load settings
        </button>
      </div>
    </Group>
  );
}
