/**
 * What My requests and Approve requests show: schedule requests of directory roles, groups and
 * Azure resource roles in one shape, read through the same API a Graph or ARM client would use.
 */
import type { Api } from './api';
import { ARM_APPROVALS, ARM_PIM, type ArmItem, armList, armPath, describeScope, myAzureRequests, rootScope } from './azure';
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
  /** The request's own URL, for cancel (an ARM resource id for Azure roles). */
  url: string;
  kind: 'role' | 'group' | 'azure';
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

/** ARM's request types, as Graph's actions (the same words in the table). */
const ARM_ACTIONS: Record<string, string> = { SelfActivate: 'selfActivate', SelfDeactivate: 'selfDeactivate', SelfExtend: 'selfExtend', SelfRenew: 'selfRenew', AdminAssign: 'adminAssign', AdminRemove: 'adminRemove', AdminUpdate: 'adminUpdate', AdminExtend: 'adminExtend', AdminRenew: 'adminRenew' };

/** An Azure role's request (ARM), as the row a Graph request makes. */
function azureRowOf(type: RequestSet['type'], item: ArmItem): RequestRow {
  const p = item.properties;
  const raw: RawRequest = {
    id: item.name,
    action: ARM_ACTIONS[p.requestType ?? ''] ?? p.requestType,
    status: p.status,
    createdDateTime: p.createdOn,
    justification: p.justification,
    approvalId: p.approvalId,
    ticketInfo: p.ticketInfo ?? null,
    scheduleInfo: p.scheduleInfo ? { ...p.scheduleInfo, expiration: p.scheduleInfo.expiration ? { ...p.scheduleInfo.expiration, type: p.scheduleInfo.expiration.type === 'NoExpiration' ? 'noExpiration' : p.scheduleInfo.expiration.type } : undefined } : null,
    principal: p.expandedProperties?.principal?.displayName ? { displayName: p.expandedProperties.principal.displayName } : null,
  };
  const base = rowOf({ kind: 'role', type, path: '', expand: '' }, raw);
  return {
    ...base,
    key: `${item.id}`,
    url: item.id,
    kind: 'azure',
    name: p.expandedProperties?.roleDefinition?.displayName ?? p.roleDefinitionId?.split('/').pop() ?? '',
    scope: describeScope(p.scope ?? '', p.expandedProperties?.scope),
  };
}

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

/** The signed-in user's own requests, newest first: pending and past, roles, groups and Azure roles. */
export async function loadMyRequests(api: Api): Promise<RequestRow[]> {
  const lists = await Promise.all([
    ...SETS.map(async (set) => {
      const answer = await api.call<{ value: RawRequest[] }>('GET', `${set.path}/filterByCurrentUser(on='principal')?$expand=${set.expand}`);
      return answer.value.map((r) => rowOf(set, r));
    }),
    myAzureRequests(api, 'assignment').then((items) => items.map((i) => azureRowOf('Assignment', i)), azureUnavailable),
    myAzureRequests(api, 'eligibility').then((items) => items.map((i) => azureRowOf('Eligibility', i)), azureUnavailable),
  ]);
  return lists.flat().sort(byNewest);
}

/**
 * Why Azure may answer nothing: a sign-in that cannot get a token for ARM's audience still shows
 * the directory's requests; the Azure rows are simply absent (My roles says why).
 */
const azureUnavailable = (): RequestRow[] => [];

export function cancelRequest(api: Api, row: RequestRow): Promise<unknown> {
  return row.kind === 'azure' ? api.arm('POST', `${row.url}/cancel?${ARM_PIM}`) : api.call('POST', `${row.url}/cancel`);
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
  const lists = await Promise.all([
    ...sets.map(async (set) => {
      const answer = await api.call<{ value: RawRequest[] }>('GET', `${set.path}/filterByCurrentUser(on='approver')?$expand=principal,${set.expand}`);
      const rows = answer.value.map((r) => rowOf(set, r)).filter((r) => r.approvalId && r.status === 'PendingApproval');
      const withSteps = await Promise.all(rows.map((row) => withStep(api, row, set.kind === 'group' ? 'group' : 'role')));
      return withSteps.filter((a): a is Awaiting => a !== undefined);
    }),
    // As in My requests: without an ARM token the Azure approvals are simply absent.
    awaitingInAzure(api).catch((): Awaiting[] => []),
  ]);
  return lists.flat().sort(byNewest);
}

interface RawArmStage {
  name: string;
  properties?: { status?: string; assignedToMe?: boolean; reviewResult?: string; justification?: string | null; reviewedBy?: { principalName?: string | null; principalId?: string } | null };
}

/** Azure role activations waiting for this user (ARM's asApprover() over every scope), with the stage they may decide. */
async function awaitingInAzure(api: Api): Promise<Awaiting[]> {
  const pending = (await armList(api, `${armPath(rootScope(await api.tenantId()), 'roleAssignmentScheduleRequests')}&$filter=${encodeURIComponent('asApprover()')}`))
    .map((i) => azureRowOf('Assignment', i))
    .filter((r) => r.approvalId && r.status === 'PendingApproval');
  const found = await Promise.all(
    pending.map(async (row): Promise<Awaiting | undefined> => {
      const approvalUrl = row.approvalId ?? '';
      const stages = (await api.arm<{ properties?: { stages?: RawArmStage[] } }>('GET', `${approvalUrl}?${ARM_APPROVALS}`)).properties?.stages ?? [];
      const mine = stages.find((s) => s.properties?.assignedToMe && s.properties.status === 'InProgress');
      if (!mine) return undefined;
      const decisions = stages
        .filter((s) => s.properties?.reviewedBy)
        .map((s) => ({ reviewer: s.properties?.reviewedBy?.principalName ?? s.properties?.reviewedBy?.principalId ?? '', result: s.properties?.reviewResult ?? '', justification: s.properties?.justification ?? '' }));
      return { ...row, approvalUrl, stepId: mine.name, approvalsRequired: 1, decisions };
    }),
  );
  return found.filter((a): a is Awaiting => a !== undefined);
}

async function withStep(api: Api, row: RequestRow, kind: 'role' | 'group'): Promise<Awaiting | undefined> {
  const approvalUrl = `${APPROVALS[kind]}/${encodeURIComponent(row.approvalId ?? '')}`;
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
  if (item.kind === 'azure') return api.arm('PATCH', `${item.approvalUrl}/stages/${encodeURIComponent(item.stepId)}?${ARM_APPROVALS}`, { properties: { reviewResult, justification } });
  // Why `steps` for groups too: v1.0 lists group steps as `stages` but writes them under `steps`.
  return api.call('PATCH', `${item.approvalUrl}/steps/${encodeURIComponent(item.stepId)}`, { reviewResult, justification });
}
