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
        <div class="field">
          <label for={`${ids}-role`}>Directory role</label>
          <select id={`${ids}-role`} value={roleId} onChange={(e) => setRoleId(e.currentTarget.value)}>
            <option value="">Choose a role…</option>
            {roles.map((r) => (
              <option key={r.id} value={r.id}>
                {r.displayName}
              </option>
            ))}
          </select>
        </div>
      )}
      {kind === 'group' && (
        <>
          <div class="field">
            <label for={`${ids}-group`}>{props.directory ? 'Group' : 'Group object id'}</label>
            {props.directory ? (
              <select id={`${ids}-group`} value={groupId} onChange={(e) => setGroupId(e.currentTarget.value)}>
                <option value="">Choose a group…</option>
                {props.directory.groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.displayName}
                  </option>
                ))}
              </select>
            ) : (
              <input id={`${ids}-group`} type="text" value={groupId} onInput={(e) => setGroupId(e.currentTarget.value)} />
            )}
          </div>
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
            <div class="field">
              <label for={`${ids}-azrole`}>Azure role</label>
              <select id={`${ids}-azrole`} value={policyName} onChange={(e) => setPolicyName(e.currentTarget.value)}>
                <option value="">Choose a role…</option>
                {azureRoles.map((r) => (
                  <option key={r.policyName} value={r.policyName}>
                    {r.displayName}
                  </option>
                ))}
              </select>
            </div>
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
