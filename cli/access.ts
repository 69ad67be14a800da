import type { Json, PimApi } from './api';
import { CliError } from './errors';

/** The kinds of access the CLI requests: directory roles, group membership/ownership, Azure resource roles (ARM). */
export type Kind = 'directoryRole' | 'group' | 'azureRole';

/** One eligible or active assignment of the caller, whatever its kind. */
export interface AccessItem {
  kind: Kind;
  state: 'eligible' | 'active';
  /** roleDefinitionId (for Azure roles the full ARM id) or groupId. */
  targetId: string;
  name: string;
  /** directoryScopeId for roles ("/" is the whole directory); "member" or "owner" for groups; the ARM scope for Azure roles. */
  scope: string;
  /** Activated (just in time) or Assigned (permanent or admin-given) for active items. */
  assignmentType?: string;
  memberType?: string;
  startDateTime?: string | null;
  endDateTime?: string | null;
}

const ROLES = '/v1.0/roleManagement/directory';
const GROUPS = '/v1.0/identityGovernance/privilegedAccess/group';

export const requestsPath = (kind: Kind) => (kind === 'group' ? `${GROUPS}/assignmentScheduleRequests` : `${ROLES}/roleAssignmentScheduleRequests`);
export const approvalsPath = (kind: Kind) => (kind === 'group' ? `${GROUPS}/assignmentApprovals` : `${ROLES}/roleAssignmentApprovals`);

/** ARM's api-version for role management (PIM) resources. */
export const ARM_PIM = 'api-version=2020-10-01';
/** `type` (e.g. roleAssignmentScheduleRequests) at an ARM scope, with ARM's api-version. */
export const armPath = (scope: string, type: string, rest = '') => `${scope}/providers/Microsoft.Authorization/${type}${rest}?${ARM_PIM}`;

/**
 * The caller's Azure resource roles seen from each ARM scope: eligible and active instances at,
 * above (Inherited) and below it. The same instance seen from two scopes is listed once.
 */
export async function myAzureAccess(api: PimApi, scopes: readonly string[]): Promise<AccessItem[]> {
  const filter = `&$filter=${encodeURIComponent('asTarget()')}`;
  const lists = await Promise.all(
    scopes.flatMap((scope) => [
      api.arm.list(`${armPath(scope, 'roleEligibilityScheduleInstances')}${filter}`).then((l) => l.map((i) => azureItem(i, 'eligible'))),
      api.arm.list(`${armPath(scope, 'roleAssignmentScheduleInstances')}${filter}`).then((l) => l.map((i) => azureItem(i, 'active'))),
    ]),
  );
  const items = lists.flat();
  return [...new Map(items.map((i) => [`${i.state}|${i.targetId.toLowerCase()}|${i.scope.toLowerCase()}`, i])).values()];
}

function azureItem(i: Json, state: AccessItem['state']): AccessItem {
  const p = (i.properties ?? {}) as Json;
  const role = (p.expandedProperties as { roleDefinition?: { displayName?: string } } | undefined)?.roleDefinition;
  const roleDefinitionId = String(p.roleDefinitionId);
  return {
    kind: 'azureRole',
    state,
    targetId: roleDefinitionId,
    name: role?.displayName ?? roleGuid(roleDefinitionId),
    scope: String(p.scope),
    ...common(p),
  };
}

/** The GUID at the end of an ARM role definition id. */
export const roleGuid = (roleDefinitionId: string) => roleDefinitionId.split('/').pop() ?? roleDefinitionId;

/** Whether an assignment at `held` covers `wanted`: the same scope or one above it (a management group may hold subscriptions). */
export function covers(held: string, wanted: string): boolean {
  const h = held.toLowerCase().replace(/\/+$/, '');
  const w = wanted.toLowerCase().replace(/\/+$/, '');
  return w === h || w.startsWith(`${h}/`) || h.startsWith('/providers/microsoft.management/');
}
const mine = "filterByCurrentUser(on='principal')";

/** Everything the caller is eligible for and holds now, roles and groups. */
export async function myAccess(api: PimApi): Promise<AccessItem[]> {
  const [roleEligible, roleActive, groupEligible, groupActive] = await Promise.all([
    api.list(`${ROLES}/roleEligibilityScheduleInstances/${mine}?$expand=roleDefinition`),
    api.list(`${ROLES}/roleAssignmentScheduleInstances/${mine}?$expand=roleDefinition`),
    api.list(`${GROUPS}/eligibilityScheduleInstances/${mine}?$expand=group`),
    api.list(`${GROUPS}/assignmentScheduleInstances/${mine}?$expand=group`),
  ]);
  return [
    ...roleEligible.map((i) => roleItem(i, 'eligible')),
    ...roleActive.map((i) => roleItem(i, 'active')),
    ...groupEligible.map((i) => groupItem(i, 'eligible')),
    ...groupActive.map((i) => groupItem(i, 'active')),
  ];
}

function roleItem(i: Json, state: AccessItem['state']): AccessItem {
  const role = i.roleDefinition as { displayName?: string } | undefined;
  return {
    kind: 'directoryRole',
    state,
    targetId: String(i.roleDefinitionId),
    name: role?.displayName ?? String(i.roleDefinitionId),
    scope: String(i.directoryScopeId ?? '/'),
    ...common(i),
  };
}

function groupItem(i: Json, state: AccessItem['state']): AccessItem {
  const group = i.group as { displayName?: string } | undefined;
  return { kind: 'group', state, targetId: String(i.groupId), name: group?.displayName ?? String(i.groupId), scope: String(i.accessId ?? 'member'), ...common(i) };
}

function common(i: Json): Pick<AccessItem, 'assignmentType' | 'memberType' | 'startDateTime' | 'endDateTime'> {
  return {
    ...(typeof i.assignmentType === 'string' ? { assignmentType: i.assignmentType } : {}),
    ...(typeof i.memberType === 'string' ? { memberType: i.memberType } : {}),
    startDateTime: (i.startDateTime as string | null | undefined) ?? null,
    endDateTime: (i.endDateTime as string | null | undefined) ?? null,
  };
}

/** Which of the user's items a command means: --scope for roles, --owner for groups (member otherwise). */
export interface Selector {
  scope?: string;
  owner?: boolean;
}

/** What the user typed picks out the item: a role name or id, or a group name or id (case-insensitive). */
export function matches(item: AccessItem, wanted: string, selector: Selector = {}): boolean {
  const w = wanted.toLowerCase();
  const ids = item.kind === 'azureRole' ? [item.targetId.toLowerCase(), roleGuid(item.targetId).toLowerCase()] : [item.targetId.toLowerCase()];
  if (!ids.includes(w) && item.name.toLowerCase() !== w) return false;
  if (item.kind === 'group') return item.scope === (selector.owner ? 'owner' : 'member');
  // An Azure role eligible at a scope may be activated there or anywhere below it.
  if (item.kind === 'azureRole') return selector.scope === undefined || (item.state === 'eligible' ? covers(item.scope, selector.scope) : item.scope.toLowerCase() === selector.scope.toLowerCase());
  return selector.scope === undefined || item.scope.toLowerCase() === selector.scope.toLowerCase();
}

/**
 * The one eligible item the name picks out. Not finding one is the "not eligible" answer, given
 * here with what to do, before anything is sent.
 */
export function pickEligible(items: AccessItem[], wanted: string, selector: Selector = {}): AccessItem {
  const { scope } = selector;
  const found = items.filter((i) => i.state === 'eligible' && matches(i, wanted, selector));
  const unique = [...new Map(found.map((i) => [`${i.kind}|${i.targetId}|${i.scope}`, i])).values()];
  if (unique.length === 0) {
    throw new CliError(`You are not eligible for '${wanted}'${scope ? ` at ${scope}` : ''}. Run 'pim roles' to see what you can activate, or ask an administrator for an eligible assignment.`, 1, 'NotEligible');
  }
  if (unique.length > 1) {
    throw new CliError(`'${wanted}' matches several: ${unique.map((i) => `${i.name} (${i.kind === 'group' ? i.scope : `scope ${i.scope}`})`).join(', ')}. Give --scope, or the id.`, 2);
  }
  return unique[0] as AccessItem;
}

/** ARM's body for a SelfActivate or SelfDeactivate roleAssignmentScheduleRequest of `item`. */
export function armSelfRequest(item: AccessItem, principalId: string, requestType: 'SelfActivate' | 'SelfDeactivate', extra: Json = {}): Json {
  return { properties: { principalId, roleDefinitionId: item.targetId, requestType, ...extra } };
}

/** The request body for selfActivate or selfDeactivate of `item`. */
export function selfRequest(item: AccessItem, principalId: string, action: 'selfActivate' | 'selfDeactivate', extra: Json = {}): Json {
  const target = item.kind === 'group' ? { groupId: item.targetId, accessId: item.scope } : { roleDefinitionId: item.targetId, directoryScopeId: item.scope };
  return { action, principalId, ...target, ...extra };
}
