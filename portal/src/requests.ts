/**
 * What My requests and Approve requests show: schedule requests of directory roles and groups
 * in one shape, read through the same API a Graph client would use.
 */
import type { Api } from './api';
import { describeMinutes, durationMinutes } from './model';

const DIR = '/v1.0/roleManagement/directory';
const GRP = '/v1.0/identityGovernance/privilegedAccess/group';

/** A request set of the API, and what the portal needs to name its target. */
interface RequestSet {
  kind: 'role' | 'group';
  /** What the request grants: an eligibility or an assignment (activation). */
  type: 'Eligibility' | 'Assignment';
  path: string;
  expand: string;
}

const SETS: RequestSet[] = [
  { kind: 'role', type: 'Assignment', path: `${DIR}/roleAssignmentScheduleRequests`, expand: 'roleDefinition' },
  { kind: 'role', type: 'Eligibility', path: `${DIR}/roleEligibilityScheduleRequests`, expand: 'roleDefinition' },
  { kind: 'group', type: 'Assignment', path: `${GRP}/assignmentScheduleRequests`, expand: 'group' },
  { kind: 'group', type: 'Eligibility', path: `${GRP}/eligibilityScheduleRequests`, expand: 'group' },
];

interface RawRequest {
  id: string;
  action?: string;
  status?: string;
  createdDateTime?: string;
  justification?: string | null;
  approvalId?: string | null;
  directoryScopeId?: string;
  accessId?: string;
  roleDefinitionId?: string;
  groupId?: string;
  roleDefinition?: { displayName?: string } | null;
  group?: { displayName?: string } | null;
  principal?: { displayName?: string; userPrincipalName?: string | null } | null;
  ticketInfo?: { ticketNumber?: string | null; ticketSystem?: string | null } | null;
  scheduleInfo?: { startDateTime?: string | null; expiration?: { type?: string; duration?: string | null; endDateTime?: string | null } } | null;
}

export interface RequestRow {
  key: string;
  id: string;
  /** The request's own URL, for cancel. */
  url: string;
  kind: 'role' | 'group';
  type: 'Eligibility' | 'Assignment';
  name: string;
  scope: string;
  action: string;
  status: string;
  created?: string;
  justification: string;
  ticket: string;
  duration: string;
  requester: string;
  approvalId?: string;
}

/**
 * Statuses in which a requester may still cancel: nothing is held yet. Granted (an activation
 * approved or needing no approval, not yet provisioned: e.g. one with a later start) and
 * ScheduleCreated (an assignment that starts later) are withdrawn before they take effect.
 */
const CANCELABLE = new Set(['PendingApproval', 'PendingScheduleCreation', 'PendingAdminDecision', 'Granted', 'ScheduleCreated']);

export function isCancelable(status: string): boolean {
  return CANCELABLE.has(status);
}

/** Graph's actions, in words a user reads. */
const ACTIONS: Record<string, string> = {
  selfActivate: 'Activate',
  selfDeactivate: 'Deactivate',
  selfExtend: 'Extend',
  selfRenew: 'Renew',
  adminAssign: 'Assign',
  adminRemove: 'Remove',
  adminUpdate: 'Update',
  adminExtend: 'Extend (admin)',
  adminRenew: 'Renew (admin)',
};

function rowOf(set: RequestSet, r: RawRequest): RequestRow {
  const name =
    set.kind === 'role'
      ? r.roleDefinition?.displayName ?? r.roleDefinitionId ?? ''
      : `${r.group?.displayName ?? r.groupId ?? ''} (${r.accessId === 'owner' ? 'Owner' : 'Member'})`;
  const scope = set.kind === 'group' ? 'Group' : !r.directoryScopeId || r.directoryScopeId === '/' ? 'Directory' : r.directoryScopeId;
  const exp = r.scheduleInfo?.expiration;
  const minutes = exp?.duration ? durationMinutes(exp.duration) : undefined;
  const duration = minutes !== undefined ? describeMinutes(minutes) : exp?.duration ? exp.duration : exp?.endDateTime ? `until ${new Date(exp.endDateTime).toLocaleString()}` : exp?.type === 'noExpiration' ? 'Permanent' : '—';
  const ticket = [r.ticketInfo?.ticketSystem, r.ticketInfo?.ticketNumber].filter(Boolean).join(' ');
  return {
    key: `${set.path}:${r.id}`,
    id: r.id,
    url: `${set.path}/${encodeURIComponent(r.id)}`,
    kind: set.kind,
    type: set.type,
    name,
    scope,
    action: `${ACTIONS[r.action ?? ''] ?? r.action ?? ''}${set.type === 'Eligibility' ? ' (eligibility)' : ''}`,
    status: r.status ?? '',
    created: r.createdDateTime,
    justification: r.justification ?? '',
    ticket,
    duration,
    requester: r.principal?.displayName ?? r.principal?.userPrincipalName ?? '',
    approvalId: r.approvalId ?? undefined,
  };
}

const byNewest = (a: RequestRow, b: RequestRow) => (b.created ?? '').localeCompare(a.created ?? '');

/** The signed-in user's own requests, newest first: pending and past, roles and groups. */
export async function loadMyRequests(api: Api): Promise<RequestRow[]> {
  const lists = await Promise.all(
    SETS.map(async (set) => {
      const answer = await api.call<{ value: RawRequest[] }>('GET', `${set.path}/filterByCurrentUser(on='principal')?$expand=${set.expand}`);
      return answer.value.map((r) => rowOf(set, r));
    }),
  );
  return lists.flat().sort(byNewest);
}

export function cancelRequest(api: Api, row: RequestRow): Promise<unknown> {
  return api.call('POST', `${row.url}/cancel`);
}

/** One approver's decision so far on a step (the API's extension of Graph's approvalStep). */
export interface DecisionSoFar {
  reviewer: string;
  result: string;
  justification: string;
}

export interface Awaiting extends RequestRow {
  approvalUrl: string;
  /** The step this user can decide now. */
  stepId: string;
  approvalsRequired: number;
  decisions: DecisionSoFar[];
}

interface RawStep {
  id: string;
  status?: string;
  assignedToMe?: boolean;
  approvalsRequired?: number;
  decisions?: Array<{ reviewer?: { displayName?: string | null; id?: string }; result?: string; justification?: string | null }>;
}

const APPROVALS: Record<'role' | 'group', string> = {
  role: `${DIR}/roleAssignmentApprovals`,
  group: `${GRP}/assignmentApprovals`,
};

/**
 * What awaits the signed-in user's decision: activation requests of roles and groups whose
 * approval has a step assigned to them and still in progress.
 */
export async function loadAwaiting(api: Api): Promise<Awaiting[]> {
  const sets = SETS.filter((s) => s.type === 'Assignment');
  const lists = await Promise.all(
    sets.map(async (set) => {
      const answer = await api.call<{ value: RawRequest[] }>('GET', `${set.path}/filterByCurrentUser(on='approver')?$expand=principal,${set.expand}`);
      const rows = answer.value.map((r) => rowOf(set, r)).filter((r) => r.approvalId && r.status === 'PendingApproval');
      const withSteps = await Promise.all(rows.map((row) => withStep(api, row)));
      return withSteps.filter((a): a is Awaiting => a !== undefined);
    }),
  );
  return lists.flat().sort(byNewest);
}

async function withStep(api: Api, row: RequestRow): Promise<Awaiting | undefined> {
  const approvalUrl = `${APPROVALS[row.kind]}/${encodeURIComponent(row.approvalId ?? '')}`;
  const approval = await api.call<{ steps?: RawStep[]; stages?: RawStep[] }>('GET', approvalUrl);
  const steps = approval.steps ?? approval.stages ?? [];
  const mine = steps.find((s) => s.assignedToMe && s.status === 'InProgress');
  if (!mine) return undefined;
  return {
    ...row,
    approvalUrl,
    stepId: mine.id,
    approvalsRequired: mine.approvalsRequired ?? 1,
    decisions: steps.flatMap((s) =>
      (s.decisions ?? []).map((d) => ({ reviewer: d.reviewer?.displayName ?? d.reviewer?.id ?? '', result: d.result ?? '', justification: d.justification ?? '' })),
    ),
  };
}

/** Records this user's decision on the step they may decide (Graph's PATCH of an approvalStep). */
export function decide(api: Api, item: Awaiting, reviewResult: 'Approve' | 'Deny', justification: string): Promise<unknown> {
  // Why `steps` for groups too: v1.0 lists group steps as `stages` but writes them under `steps`.
  return api.call('PATCH', `${item.approvalUrl}/steps/${encodeURIComponent(item.stepId)}`, { reviewResult, justification });
}
