/** The ARM adapter of the admin port: Azure resource roles at an ARM scope. */
import type { Api } from '../api';
import { ARM_PIM as ARM_API_VERSION, armList } from '../azure';
import { type AdminAction, type AdminRequest, type AzureTarget, endOf, type Held, type Made, type PolicyRule, requestFields, type ScheduleKind, type TargetPort } from './ports';

const AUTH = '/providers/Microsoft.Authorization';

interface ArmPrincipal {
  displayName?: string | null;
  email?: string | null;
}

interface ArmSchedule {
  name: string;
  properties: {
    principalId: string;
    roleDefinitionId: string;
    status?: string;
    memberType?: string;
    assignmentType?: string | null;
    startDateTime?: string | null;
    endDateTime?: string | null;
    expandedProperties?: { principal?: ArmPrincipal };
  };
}

interface ArmRequest {
  properties: {
    principalId: string;
    roleDefinitionId: string;
    requestType: string;
    status?: string;
    createdOn?: string;
    scheduleInfo?: { startDateTime?: string | null; expiration?: { endDateTime?: string | null; duration?: string | null } } | null;
    expandedProperties?: { principal?: ArmPrincipal };
  };
}

/** The role's GUID, the last segment of its ARM id: ARM names a role at each scope by a different id. */
export const roleGuidOf = (id: string) => (id.split('/').pop() ?? id).toLowerCase();

const nameOf = (id: string, p?: ArmPrincipal) => p?.displayName ?? p?.email ?? id;

const SETS: Record<ScheduleKind, { schedules: string; requests: string }> = {
  eligibility: { schedules: 'roleEligibilitySchedules', requests: 'roleEligibilityScheduleRequests' },
  assignment: { schedules: 'roleAssignmentSchedules', requests: 'roleAssignmentScheduleRequests' },
};

/** ARM's requestType is Graph's action in PascalCase (AdminAssign). */
const requestType = (action: AdminAction) => `${action.charAt(0).toUpperCase()}${action.slice(1)}`;
const actionOf = (type: string) => `${type.charAt(0).toLowerCase()}${type.slice(1)}`;

export function armPort(api: Api, target: AzureTarget): TargetPort {
  const guid = roleGuidOf(target.roleDefinitionId);
  const base = `${target.scope}${AUTH}`;
  // Why atScope(): what holds at this scope, including what is inherited from above, as Azure's portal lists it.
  const atScope = `${ARM_API_VERSION}&$filter=${encodeURIComponent('atScope()')}`;
  const ofRole = (p: { roleDefinitionId: string }) => roleGuidOf(p.roleDefinitionId) === guid;
  return {
    async schedules(kind): Promise<Held[]> {
      const items = await armList<ArmSchedule>(api, `${base}/${SETS[kind].schedules}?${atScope}`);
      return items
        .filter((i) => ofRole(i.properties) && (i.properties.status === 'Provisioned' || i.properties.status === 'PendingProvisioning'))
        .map(({ name, properties: p }) => ({
          id: name,
          principalId: p.principalId,
          principal: nameOf(p.principalId, p.expandedProperties?.principal),
          memberType: p.memberType ?? 'Direct',
          assignmentType: p.assignmentType,
          pending: p.status === 'PendingProvisioning',
          start: p.startDateTime ?? undefined,
          end: p.endDateTime ?? undefined,
        }));
    },
    async requests(kind): Promise<Made[]> {
      const items = await armList<ArmRequest>(api, `${base}/${SETS[kind].requests}?${atScope}`);
      return items
        .filter((i) => ofRole(i.properties))
        .map(({ properties: p }) => ({
          action: actionOf(p.requestType),
          status: p.status ?? '',
          principalId: p.principalId,
          principal: nameOf(p.principalId, p.expandedProperties?.principal),
          created: p.createdOn,
          end: endOf(p.scheduleInfo, p.createdOn),
        }));
    },
    async rules(): Promise<PolicyRule[]> {
      const filter = encodeURIComponent(`roleDefinitionId eq '${target.roleDefinitionId}'`);
      const items = await armList<{ properties: { effectiveRules?: PolicyRule[] } }>(api, `${base}/roleManagementPolicyAssignments?${ARM_API_VERSION}&$filter=${filter}`);
      return items[0]?.properties.effectiveRules ?? [];
    },
    send(kind: ScheduleKind, action: AdminAction, r: AdminRequest) {
      return api.arm('PUT', `${base}/${SETS[kind].requests}/${crypto.randomUUID()}?${ARM_API_VERSION}`, {
        properties: {
          principalId: r.principalId,
          roleDefinitionId: target.roleDefinitionId,
          requestType: requestType(action),
          ...requestFields(r, 'arm'),
        },
      });
    },
  };
}
