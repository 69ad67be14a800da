/** The Graph adapter of the admin port: directory roles and PIM for Groups. */
import type { Api } from '../api';
import type { Target } from '../model';
import { type AdminAction, type AdminRequest, endOf, type Held, type Made, type PolicyRule, requestFields, type ScheduleKind, type TargetPort } from './ports';

/** Where a target's kind lives in Graph, and how its URLs and bodies name the target. */
interface Surface {
  base: string;
  prefix: Record<ScheduleKind, string>;
  /** The $filter that pins a listing to the target. */
  filter: string;
  /** The target's fields in a request body. */
  body: Record<string, string>;
  /** The $filter that finds the target's policy assignment. */
  policyFilter: string;
}

const q = (v: string) => v.replace(/'/g, "''");

/** The Graph surfaces' targets (Azure roles go through armPort.ts). */
type GraphTarget = Exclude<Target, { kind: 'azure' }>;

function surfaceOf(t: GraphTarget): Surface {
  switch (t.kind) {
    case 'role':
      return {
        base: '/v1.0/roleManagement/directory',
        prefix: { eligibility: 'roleEligibility', assignment: 'roleAssignment' },
        filter: `roleDefinitionId eq '${q(t.roleDefinitionId)}' and directoryScopeId eq '${q(t.directoryScopeId)}'`,
        body: { roleDefinitionId: t.roleDefinitionId, directoryScopeId: t.directoryScopeId },
        policyFilter: `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${q(t.roleDefinitionId)}'`,
      };
    case 'group':
      return {
        base: '/v1.0/identityGovernance/privilegedAccess/group',
        prefix: { eligibility: 'eligibility', assignment: 'assignment' },
        filter: `groupId eq '${q(t.groupId)}' and accessId eq '${q(t.accessId)}'`,
        body: { groupId: t.groupId, accessId: t.accessId },
        policyFilter: `scopeId eq '${q(t.groupId)}' and scopeType eq 'Group' and roleDefinitionId eq '${q(t.accessId)}'`,
      };
  }
}

interface RawPrincipal {
  displayName?: string | null;
  userPrincipalName?: string | null;
}

interface RawSchedule {
  id: string;
  principalId: string;
  status?: string;
  memberType?: string;
  assignmentType?: string | null;
  principal?: RawPrincipal | null;
  scheduleInfo?: { startDateTime?: string | null; expiration?: { endDateTime?: string | null } };
}

interface RawRequest {
  id: string;
  action: string;
  status?: string;
  principalId: string;
  createdDateTime?: string;
  principal?: RawPrincipal | null;
  scheduleInfo?: { startDateTime?: string | null; expiration?: { endDateTime?: string | null; duration?: string | null } } | null;
}

const nameOf = (id: string, p?: RawPrincipal | null) => p?.displayName ?? p?.userPrincipalName ?? id;

async function listAll<T>(api: Api, path: string): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = path;
  while (next) {
    const page: { value: T[]; '@odata.nextLink'?: string } = await api.call('GET', next);
    items.push(...page.value);
    // Why a relative path: the API's links are absolute, and the portal calls its own origin.
    const link = page['@odata.nextLink'];
    next = link ? link.replace(/^https?:\/\/[^/]+/, '') : undefined;
  }
  return items;
}

export function graphPort(api: Api, target: GraphTarget): TargetPort {
  const s = surfaceOf(target);
  const set = (kind: ScheduleKind, entity: 'Schedules' | 'ScheduleRequests') => `${s.base}/${s.prefix[kind]}${entity}`;
  const listed = (kind: ScheduleKind, entity: 'Schedules' | 'ScheduleRequests') => `${set(kind, entity)}?$filter=${encodeURIComponent(s.filter)}&$expand=principal`;
  return {
    async schedules(kind): Promise<Held[]> {
      return (await listAll<RawSchedule>(api, listed(kind, 'Schedules'))).map((r) => ({
        id: r.id,
        principalId: r.principalId,
        principal: nameOf(r.principalId, r.principal),
        memberType: r.memberType ?? 'Direct',
        assignmentType: r.assignmentType,
        pending: r.status === 'PendingProvisioning',
        start: r.scheduleInfo?.startDateTime ?? undefined,
        end: r.scheduleInfo?.expiration?.endDateTime ?? undefined,
      }));
    },
    async requests(kind): Promise<Made[]> {
      return (await listAll<RawRequest>(api, listed(kind, 'ScheduleRequests'))).map((r) => ({
        action: r.action,
        status: r.status ?? '',
        principalId: r.principalId,
        principal: nameOf(r.principalId, r.principal),
        created: r.createdDateTime,
        end: endOf(r.scheduleInfo, r.createdDateTime),
      }));
    },
    async rules(): Promise<PolicyRule[]> {
      const answer = await api.call<{ value: Array<{ policy?: { rules?: PolicyRule[] } }> }>(
        'GET',
        `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(s.policyFilter)}&$expand=${encodeURIComponent('policy($expand=rules)')}`,
      );
      return answer.value[0]?.policy?.rules ?? [];
    },
    send(kind: ScheduleKind, action: AdminAction, r: AdminRequest) {
      return api.call('POST', set(kind, 'ScheduleRequests'), {
        action,
        principalId: r.principalId,
        ...s.body,
        ...requestFields(r, 'graph'),
      });
    },
  };
}
