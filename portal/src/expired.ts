/**
 * Expired assignments. Neither API lists ended schedules as such (their schedule and instance
 * lists show what is live), but every assignment was made by a request that names its schedule
 * (targetScheduleId), and a schedule read by id keeps its end and status after it ended:
 * Expired (it reached its end) or Revoked (deactivated or removed before). Which request ended
 * it says how. So the user's own requests, with their schedules, give the expired list.
 */
import type { Api } from './api';
import { type ArmItem, azureSchedule, describeScope, myAzureRequests } from './azure';
import type { Row, Target } from './model';

const DIR = '/v1.0/roleManagement/directory';
const GRP = '/v1.0/identityGovernance/privilegedAccess/group';

/** How long an ended assignment stays listed (Entra shows recent ones; renewing is possible for 90 days). */
const KEEP_MS = 90 * 86_400_000;

interface GraphSchedule {
  id: string;
  status?: string;
  scheduleInfo?: { startDateTime?: string | null; expiration?: { endDateTime?: string | null } };
}

interface GraphRequest {
  id: string;
  action?: string;
  createdDateTime?: string;
  targetScheduleId?: string | null;
  roleDefinitionId?: string;
  directoryScopeId?: string;
  groupId?: string;
  accessId?: string;
  roleDefinition?: { displayName?: string } | null;
  group?: { displayName?: string } | null;
  targetSchedule?: GraphSchedule | null;
}

const SETS = [
  { kind: 'role', schedule: 'assignment', path: `${DIR}/roleAssignmentScheduleRequests`, expand: 'roleDefinition' },
  { kind: 'role', schedule: 'eligibility', path: `${DIR}/roleEligibilityScheduleRequests`, expand: 'roleDefinition' },
  { kind: 'group', schedule: 'assignment', path: `${GRP}/assignmentScheduleRequests`, expand: 'group' },
  { kind: 'group', schedule: 'eligibility', path: `${GRP}/eligibilityScheduleRequests`, expand: 'group' },
] as const;

/** In words, how a schedule ended: by the request that ended it, or by reaching its end. */
function howItEnded(status: string | undefined, endedBy: string | undefined, schedule: Row['schedule']): string {
  if (endedBy === 'selfDeactivate' || endedBy === 'SelfDeactivate') return 'Deactivated by you';
  if (endedBy === 'adminRemove' || endedBy === 'AdminRemove') return 'Removed by an administrator';
  if (status === 'Expired') return schedule === 'eligibility' ? 'Eligibility expired' : 'Expired at its end time';
  return 'Ended before its end time';
}

const ENDING = new Set(['selfDeactivate', 'adminRemove', 'SelfDeactivate', 'AdminRemove']);
const recent = (end: string | undefined, now: number) => end !== undefined && now - Date.parse(end) <= KEEP_MS;

async function graphExpired(api: Api, now: number): Promise<Row[]> {
  const lists = await Promise.all(
    SETS.map(async (set) => {
      const answer = await api.call<{ value: GraphRequest[] }>('GET', `${set.path}/filterByCurrentUser(on='principal')?$expand=${set.expand},targetSchedule`);
      const requests = answer.value;
      const rows = new Map<string, Row>();
      for (const r of requests) {
        const s = r.targetSchedule;
        if (!s || (s.status !== 'Expired' && s.status !== 'Revoked') || rows.has(s.id)) continue;
        const end = s.scheduleInfo?.expiration?.endDateTime ?? undefined;
        if (!recent(end, now)) continue;
        const endedBy = requests.find((q) => q.targetScheduleId === s.id && ENDING.has(q.action ?? ''))?.action;
        const target: Target = set.kind === 'role' ? { kind: 'role', roleDefinitionId: r.roleDefinitionId ?? '', directoryScopeId: r.directoryScopeId ?? '/' } : { kind: 'group', groupId: r.groupId ?? '', accessId: r.accessId ?? 'member' };
        rows.set(s.id, {
          key: `expired:${set.kind}:${set.schedule}:${s.id}`,
          target,
          schedule: set.schedule,
          name: set.kind === 'role' ? r.roleDefinition?.displayName ?? r.roleDefinitionId ?? '' : `${r.group?.displayName ?? r.groupId ?? ''} (${r.accessId === 'owner' ? 'Owner' : 'Member'})`,
          scope: set.kind === 'group' ? 'Group' : !r.directoryScopeId || r.directoryScopeId === '/' ? 'Directory' : r.directoryScopeId,
          membership: 'Direct',
          start: s.scheduleInfo?.startDateTime ?? undefined,
          end,
          ended: howItEnded(s.status, endedBy, set.schedule),
        });
      }
      return [...rows.values()];
    }),
  );
  return lists.flat();
}

/**
 * Azure roles: ARM's requests name their schedule (targetRoleAssignmentScheduleId), read at
 * the request's scope. ARM shows an ended schedule as Revoked either way, so a SelfDeactivate
 * or AdminRemove request of the same role and scope made while it ran says it was ended early.
 */
async function azureExpired(api: Api, now: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const schedule of ['assignment', 'eligibility'] as const) {
    const requests = await myAzureRequests(api, schedule);
    const field = schedule === 'eligibility' ? 'targetRoleEligibilityScheduleId' : 'targetRoleAssignmentScheduleId';
    const seen = new Set<string>();
    const made = requests.filter((r) => !ENDING.has(r.properties.requestType ?? '') && r.properties[field] && recent(r.properties.createdOn, now));
    const schedules = await Promise.all(
      made.map(async (r) => {
        const name = (r.properties[field] ?? '').split('/').pop() ?? '';
        if (seen.has(name)) return undefined;
        seen.add(name);
        return { request: r, schedule: await azureSchedule(api, schedule, r.properties.scope ?? '', name).catch(() => undefined) };
      }),
    );
    for (const found of schedules) {
      const s = found?.schedule;
      if (!found || !s || s.properties.status !== 'Revoked') continue;
      const end = s.properties.endDateTime ?? undefined;
      if (!recent(end, now)) continue;
      rows.push(azureExpiredRow(found.request, s, schedule, endedByOf(requests, s)));
    }
  }
  return rows;
}

function endedByOf(requests: ArmItem[], s: ArmItem): string | undefined {
  const p = s.properties;
  const start = Date.parse(p.startDateTime ?? '');
  const end = Date.parse(p.endDateTime ?? '');
  return requests.find((q) => {
    const at = Date.parse(q.properties.createdOn ?? '');
    return ENDING.has(q.properties.requestType ?? '') && q.properties.roleDefinitionId?.toLowerCase() === p.roleDefinitionId?.toLowerCase() && q.properties.scope?.toLowerCase() === p.scope?.toLowerCase() && at >= start && at <= end + 60_000;
  })?.properties.requestType;
}

function azureExpiredRow(request: ArmItem, s: ArmItem, schedule: Row['schedule'], endedBy: string | undefined): Row {
  const p = s.properties;
  return {
    key: `expired:azure:${schedule}:${s.id}`,
    target: { kind: 'azure', roleDefinitionId: p.roleDefinitionId ?? '', scope: p.scope ?? '' },
    schedule,
    name: p.expandedProperties?.roleDefinition?.displayName ?? request.properties.expandedProperties?.roleDefinition?.displayName ?? '',
    scope: describeScope(p.scope ?? '', p.expandedProperties?.scope),
    membership: p.memberType ?? 'Direct',
    start: p.startDateTime ?? undefined,
    end: p.endDateTime ?? undefined,
    // ARM's Revoked covers both; without an ending request it reached its end.
    ended: howItEnded(endedBy ? 'Revoked' : 'Expired', endedBy, schedule),
  };
}

/** The user's assignments that ended (in the last 90 days), most recent first. */
export async function loadExpired(api: Api): Promise<Row[]> {
  const now = Date.now();
  const [graph, azure] = await Promise.all([graphExpired(api, now), azureExpired(api, now).catch(() => [])]);
  return [...graph, ...azure].sort((a, b) => (b.end ?? '').localeCompare(a.end ?? ''));
}

