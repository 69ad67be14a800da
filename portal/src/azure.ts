/**
 * Azure resource roles, read and requested through the app's ARM-compatible surface
 * (`{scope}/providers/Microsoft.Authorization/...?api-version=2020-10-01`), in the same shapes
 * model.ts gives directory roles and groups, so My roles and the panel need not care which.
 */
import type { Api } from './api';

export const ARM_PIM = 'api-version=2020-10-01';
/** ARM's approvals (roleAssignmentApprovals) have an api-version of their own. */
export const ARM_APPROVALS = 'api-version=2021-01-01-preview';

/** `type` (e.g. roleAssignmentScheduleRequests) at an ARM scope, with ARM's api-version. */
export const armPath = (scope: string, type: string, name = '') => `${scope}/providers/Microsoft.Authorization/${type}${name ? `/${encodeURIComponent(name)}` : ''}?${ARM_PIM}`;

/** The tenant root management group: a listing there (without atScope()) covers every scope in Azure. */
export const rootScope = (tenantId: string) => `/providers/Microsoft.Management/managementGroups/${tenantId}`;

export interface ArmItem {
  name: string;
  id: string;
  properties: {
    scope?: string;
    roleDefinitionId?: string;
    principalId?: string;
    status?: string;
    startDateTime?: string | null;
    endDateTime?: string | null;
    memberType?: string;
    assignmentType?: string | null;
    requestType?: string;
    createdOn?: string;
    justification?: string | null;
    approvalId?: string | null;
    targetRoleAssignmentScheduleId?: string | null;
    targetRoleEligibilityScheduleId?: string | null;
    scheduleInfo?: { startDateTime?: string | null; expiration?: { type?: string; duration?: string | null; endDateTime?: string | null } };
    expandedProperties?: { roleDefinition?: { displayName?: string | null }; scope?: { displayName?: string; type?: string }; principal?: { displayName?: string | null } };
    ticketInfo?: { ticketNumber?: string | null; ticketSystem?: string | null };
  };
}

/** Every page of an ARM list (ARM pages with `nextLink`, an absolute URL on the app). */
export async function armList<T = ArmItem>(api: Api, path: string): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = path;
  while (next) {
    const page: { value?: T[]; nextLink?: string | null } = await api.arm('GET', next);
    items.push(...(page.value ?? []));
    next = page.nextLink ? new URL(page.nextLink, location.origin).pathname + new URL(page.nextLink, location.origin).search : undefined;
  }
  return items;
}

/**
 * The user's own and their groups' (ARM's assignedTo) instances of one kind at every scope.
 * Why assignedTo rather than asTarget(): it also answers what a group the user belongs to holds,
 * which My roles shows with membership Group.
 */
export async function myAzureInstances(api: Api, kind: 'eligibility' | 'assignment', principalId: string, scope?: string): Promise<ArmItem[]> {
  const type = kind === 'eligibility' ? 'roleEligibilityScheduleInstances' : 'roleAssignmentScheduleInstances';
  const filter = encodeURIComponent(`assignedTo('${principalId}')`);
  return armList(api, `${armPath(scope ?? rootScope(await api.tenantId()), type)}&$filter=${filter}`);
}

/** The user's own requests of one kind at every scope (asTarget()). */
export async function myAzureRequests(api: Api, kind: 'eligibility' | 'assignment'): Promise<ArmItem[]> {
  const type = kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests';
  return armList(api, `${armPath(rootScope(await api.tenantId()), type)}&$filter=${encodeURIComponent('asTarget()')}`);
}

/** A schedule by name at its scope, whatever its status (an ended one reads Revoked on ARM). */
export function azureSchedule(api: Api, kind: 'eligibility' | 'assignment', scope: string, name: string): Promise<ArmItem> {
  return api.arm<ArmItem>('GET', armPath(scope, kind === 'eligibility' ? 'roleEligibilitySchedules' : 'roleAssignmentSchedules', name));
}

/** An ARM scope in words: "Resource group rg-app (subscription 8d2f…)" reads better than the path. */
export function describeScope(scope: string, shown?: { displayName?: string; type?: string }): string {
  const type = shown?.type ?? '';
  const name = shown?.displayName ?? scope.split('/').pop() ?? scope;
  const kind =
    /managementgroup/i.test(type) || /managementGroups\//i.test(scope)
      ? 'Management group'
      : /resourcegroup/i.test(type) || /\/resourceGroups\/[^/]+$/i.test(scope)
        ? 'Resource group'
        : /^\/subscriptions\/[^/]+$/i.test(scope)
          ? 'Subscription'
          : 'Resource';
  return `${kind} ${name}`;
}

/** An ARM effective rule, as roleManagementPolicyAssignments lists them. */
export interface ArmRule {
  id: string;
  maximumDuration?: string;
  enabledRules?: string[];
  setting?: { isApprovalRequired?: boolean; approvalStages?: Array<{ primaryApprovers?: Array<{ id?: string; description?: string | null }> }> };
}

/** The effective rules of an Azure role at a scope (inherited from above where the scope has none of its own). */
export async function azureRules(api: Api, scope: string, roleDefinitionId: string): Promise<ArmRule[]> {
  const guid = roleDefinitionId.split('/').pop() ?? roleDefinitionId;
  const answer = await api.arm<{ value: Array<{ properties?: { effectiveRules?: ArmRule[] } }> }>(
    'GET',
    `${armPath(scope, 'roleManagementPolicyAssignments')}&$filter=${encodeURIComponent(`roleDefinitionId eq '${guid}'`)}`,
  );
  return answer.value[0]?.properties?.effectiveRules ?? [];
}

/** A request PUT under a new name at the target's scope; ARM answers it with the request. */
export function putAzureRequest(api: Api, scope: string, properties: Record<string, unknown>): Promise<ArmItem> {
  return api.arm<ArmItem>('PUT', armPath(scope, 'roleAssignmentScheduleRequests', crypto.randomUUID()), { properties });
}

export function readAzureRequest(api: Api, scope: string, name: string): Promise<ArmItem> {
  return api.arm<ArmItem>('GET', armPath(scope, 'roleAssignmentScheduleRequests', name));
}

/** The approvers of an ARM approval's stage in progress, by name (the API's `approvers` extension of a stage). */
export async function azureApprovers(api: Api, approvalId: string): Promise<string[]> {
  const approval = await api.arm<{ properties?: { stages?: Array<{ properties?: { status?: string; approvers?: Array<{ displayName?: string | null; id?: string }> } }> } }>(
    'GET',
    `${approvalId}?${ARM_APPROVALS}`,
  );
  const now = approval.properties?.stages?.find((s) => s.properties?.status === 'InProgress');
  return (now?.properties?.approvers ?? []).map((a) => a.displayName ?? a.id ?? '').filter(Boolean);
}
