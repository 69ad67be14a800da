/**
 * What the Role settings page offers to choose from: directory roles (Graph's role
 * definitions), groups, and the Azure roles at an ARM scope (ARM's policy assignments there).
 */
import { Api } from '../api';
import { loadSession } from '../session';

export interface Named {
  id: string;
  displayName: string;
}

/** Every directory role, following @odata.nextLink. */
export async function directoryRoles(api: Api): Promise<Named[]> {
  const roles: Named[] = [];
  let path: string | undefined = '/v1.0/roleManagement/directory/roleDefinitions?$select=id,displayName';
  while (path) {
    const page: { value: Named[]; '@odata.nextLink'?: string } = await api.call('GET', path);
    roles.push(...page.value);
    const next = page['@odata.nextLink'];
    path = next ? new URL(next, location.origin).pathname + new URL(next, location.origin).search : undefined;
  }
  return roles.sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** The directory's users and groups, for naming approvers and choosing groups; undefined outside devhost (there, object ids are typed in). */
export interface Directory {
  users: Array<Named & { userPrincipalName: string }>;
  groups: Named[];
}

export async function devhostDirectory(): Promise<Directory | undefined> {
  const res = await fetch('/.devhost/directory', { headers: { accept: 'application/json' } });
  if (!res.ok) return undefined;
  const body = (await res.json()) as Partial<Directory>;
  return { users: body.users ?? [], groups: (body.groups ?? []).slice().sort((a, b) => a.displayName.localeCompare(b.displayName)) };
}

export interface AzureRoleChoice {
  /** The policy's name at the scope (the last segment of its id). */
  policyName: string;
  displayName: string;
}

interface ArmAssignment {
  properties: { policyId: string; roleDefinitionId: string; policyAssignmentProperties?: { roleDefinition?: { displayName?: string | null } } };
}

/** The Azure roles at `scope`, each with its policy (ARM lists one policy assignment per role). */
export async function azureRolesAt(arm: Api, scope: string): Promise<AzureRoleChoice[]> {
  const answer = await arm.call<{ value: ArmAssignment[] }>('GET', `${scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?api-version=2020-10-01`);
  return answer.value
    .map((a) => ({
      policyName: a.properties.policyId.slice(a.properties.policyId.lastIndexOf('/') + 1),
      displayName: a.properties.policyAssignmentProperties?.roleDefinition?.displayName ?? a.properties.roleDefinitionId,
    }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/**
 * An Api for the ARM surface: the same user, with a token for ARM's audience. Under devhost its
 * issuer gives one; elsewhere the portal has no way yet to get one (sign-in with Entra is not built).
 */
export function armApi(notice: (message: string) => void): () => Promise<Api> {
  let cached: { api: Promise<Api>; at: number } | undefined;
  return () => {
    // Why renew: devhost's tokens last an hour, and an admin may keep the page open longer.
    if (!cached || Date.now() - cached.at > TOKEN_REUSE_MS) {
      const api = armSession(notice);
      cached = { api, at: Date.now() };
      // A failure is not kept: the next try asks again.
      api.catch(() => (cached = undefined));
    }
    return cached.api;
  };
}

const TOKEN_REUSE_MS = 45 * 60_000;

async function armSession(notice: (message: string) => void): Promise<Api> {
  const session = loadSession();
  if (!session) throw new Error('Sign in first.');
  const res = await fetch('/.devhost/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: session.user.alias, mfa: true, audience: 'arm' }),
  });
  if (!res.ok) throw new Error('Azure role settings need a token for Azure Resource Manager, which this sign-in cannot get yet; use the pim CLI or ARM tools.');
  const { access_token: token } = (await res.json()) as { access_token: string };
  return new Api({ user: session.user, token }, notice);
}
