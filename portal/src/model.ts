/**
 * What My roles shows, read from the API's schedule instances and policies: directory roles,
 * groups (Graph surface) and Azure resource roles (ARM surface) in one shape, so the table and
 * the activation panel need not care which. What differs per kind is in the small switches
 * below (where a request goes, how its body names the target).
 */
import type { Api } from './api';
import { type ArmItem, type ArmRule, azureApprovers, azureRules, describeScope, myAzureInstances, putAzureRequest, readAzureRequest } from './azure';

const DIR = '/v1.0/roleManagement/directory';
const GRP = '/v1.0/identityGovernance/privilegedAccess/group';

export type Target =
  | { kind: 'role'; roleDefinitionId: string; directoryScopeId: string }
  | { kind: 'group'; groupId: string; accessId: string }
  /** An Azure role at an ARM scope; roleDefinitionId is ARM's full id. */
  | { kind: 'azure'; roleDefinitionId: string; scope: string };

export interface Row {
  key: string;
  target: Target;
  /** Which schedule the row is: an eligibility or an active assignment. */
  schedule: 'eligibility' | 'assignment';
  name: string;
  scope: string;
  /** Direct, Group (held through a group) or Inherited (held at an Azure scope above). */
  membership: string;
  start?: string;
  end?: string;
  /** For active rows: "Activated" (from PIM, can be deactivated) or "Assigned". */
  assignmentType?: string;
  /** For expired rows: how the assignment ended, in words. */
  ended?: string;
}

interface Instance {
  id: string;
  startDateTime?: string | null;
  endDateTime?: string | null;
  memberType?: string;
  assignmentType?: string;
  roleDefinitionId?: string;
  directoryScopeId?: string;
  roleDefinition?: { displayName?: string };
  groupId?: string;
  accessId?: string;
  group?: { displayName?: string };
}

const list = async (api: Api, path: string) => (await api.call<{ value: Instance[] }>('GET', path)).value;
const mine = "filterByCurrentUser(on='principal')";
const cap = (s: string | undefined) => (s ? `${s.charAt(0).toUpperCase()}${s.slice(1)}` : s);

export function roleRow(i: Instance, schedule: Row['schedule']): Row {
  const target: Target = { kind: 'role', roleDefinitionId: i.roleDefinitionId ?? '', directoryScopeId: i.directoryScopeId ?? '/' };
  return {
    key: `role:${schedule}:${i.id}`,
    target,
    schedule,
    name: i.roleDefinition?.displayName ?? i.roleDefinitionId ?? '',
    scope: target.directoryScopeId === '/' ? 'Directory' : target.directoryScopeId,
    membership: cap(i.memberType) ?? 'Direct',
    start: i.startDateTime ?? undefined,
    end: i.endDateTime ?? undefined,
    assignmentType: cap(i.assignmentType),
  };
}

export function groupRow(i: Instance, schedule: Row['schedule']): Row {
  const target: Target = { kind: 'group', groupId: i.groupId ?? '', accessId: i.accessId ?? 'member' };
  return {
    key: `group:${schedule}:${i.id}`,
    target,
    schedule,
    name: `${i.group?.displayName ?? i.groupId ?? ''} (${target.accessId === 'owner' ? 'Owner' : 'Member'})`,
    scope: 'Group',
    membership: cap(i.memberType) ?? 'Direct',
    start: i.startDateTime ?? undefined,
    end: i.endDateTime ?? undefined,
    assignmentType: cap(i.assignmentType),
  };
}

/**
 * An Azure role's row. Seen from a scope below where it is held (ARM's memberType Inherited), the
 * row stands for that scope: activating it there grants the role at that scope only, as Azure
 * lets an eligibility be used anywhere under its scope.
 */
export function azureRow(i: ArmItem, schedule: Row['schedule'], seenFrom?: string): Row {
  const p = i.properties;
  const held = p.scope ?? '';
  const inherited = p.memberType === 'Inherited' && seenFrom !== undefined;
  // An activation held above is ended where it is held; an eligibility held above is used here.
  const target: Target = { kind: 'azure', roleDefinitionId: p.roleDefinitionId ?? '', scope: inherited && schedule === 'eligibility' ? seenFrom : held };
  return {
    key: `azure:${schedule}:${i.id}${inherited ? `@${seenFrom}` : ''}`,
    target,
    schedule,
    name: p.expandedProperties?.roleDefinition?.displayName ?? target.roleDefinitionId.split('/').pop() ?? '',
    scope: inherited ? `${describeScope(seenFrom)} (inherited from ${describeScope(held, p.expandedProperties?.scope)})` : describeScope(held, p.expandedProperties?.scope),
    membership: p.memberType ?? 'Direct',
    start: p.startDateTime ?? undefined,
    end: p.endDateTime ?? undefined,
    assignmentType: p.assignmentType ?? undefined,
  };
}

export interface MyRoles {
  eligible: Row[];
  active: Row[];
}

/**
 * Everything the user is eligible for and holds now. Azure resource roles come from the ARM
 * surface, at every scope or as seen from `azureScope`; where they cannot be read (e.g. a
 * deployment without Azure, or a scope Azure does not have) the rest still shows.
 */
export async function loadMyRoles(api: Api, principalId: string, azureScope?: string): Promise<MyRoles & { azureError?: unknown }> {
  const azure = Promise.all([myAzureInstances(api, 'eligibility', principalId, azureScope), myAzureInstances(api, 'assignment', principalId, azureScope)]).then(
    ([e, a]) => ({ eligible: e.map((i) => azureRow(i, 'eligibility', azureScope)), active: a.map((i) => azureRow(i, 'assignment', azureScope)) }),
    (error: unknown) => ({ eligible: [], active: [], error }),
  );
  const [roleEligible, roleActive, groupEligible, groupActive, az] = await Promise.all([
    list(api, `${DIR}/roleEligibilityScheduleInstances/${mine}?$expand=roleDefinition`),
    list(api, `${DIR}/roleAssignmentScheduleInstances/${mine}?$expand=roleDefinition`),
    list(api, `${GRP}/eligibilityScheduleInstances/${mine}?$expand=group`),
    list(api, `${GRP}/assignmentScheduleInstances/${mine}?$expand=group`),
    azure,
  ]);
  return {
    eligible: [...roleEligible.map((i) => roleRow(i, 'eligibility')), ...groupEligible.map((i) => groupRow(i, 'eligibility')), ...az.eligible],
    active: [...roleActive.map((i) => roleRow(i, 'assignment')), ...groupActive.map((i) => groupRow(i, 'assignment')), ...az.active],
    ...('error' in az ? { azureError: az.error } : {}),
  };
}

/** The end-user activation rules of a role's or group's policy that the panel needs. */
export interface ActivationRules {
  /** ISO 8601 duration, e.g. PT8H. */
  maximumDuration: string;
  justification: boolean;
  ticketing: boolean;
  approval: boolean;
  /** The first approval stage's approvers, by name where the policy gives one (else by id). */
  approvers: string[];
}

interface Rule {
  id: string;
  maximumDuration?: string;
  enabledRules?: string[];
  setting?: { isApprovalRequired?: boolean; approvalStages?: Array<{ primaryApprovers?: Array<{ userId?: string; groupId?: string; id?: string; description?: string | null }> }> };
}

async function graphRules(api: Api, target: Exclude<Target, { kind: 'azure' }>): Promise<Rule[]> {
  const filter =
    target.kind === 'role'
      ? `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${target.roleDefinitionId}'`
      : `scopeId eq '${target.groupId}' and scopeType eq 'Group' and roleDefinitionId eq '${target.accessId}'`;
  const answer = await api.call<{ value: Array<{ policy?: { rules?: Rule[] } }> }>(
    'GET',
    `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}&$expand=${encodeURIComponent('policy($expand=rules)')}`,
  );
  return answer.value[0]?.policy?.rules ?? [];
}

export async function loadActivationRules(api: Api, target: Target): Promise<ActivationRules> {
  // ARM's effective rules carry the same ids and settings as Graph's (approvers differ in shape only).
  const rules: Array<Rule | ArmRule> = target.kind === 'azure' ? await azureRules(api, target.scope, target.roleDefinitionId) : await graphRules(api, target);
  const rule = (id: string) => rules.find((r) => r.id === id) as Rule | undefined;
  const enabled = rule('Enablement_EndUser_Assignment')?.enabledRules ?? [];
  const approval = rule('Approval_EndUser_Assignment')?.setting;
  return {
    maximumDuration: rule('Expiration_EndUser_Assignment')?.maximumDuration ?? 'PT8H',
    justification: enabled.includes('Justification'),
    ticketing: enabled.includes('Ticketing'),
    approval: approval?.isApprovalRequired === true,
    approvers: (approval?.approvalStages?.[0]?.primaryApprovers ?? []).map((a) => a.description ?? a.userId ?? a.groupId ?? a.id ?? '').filter(Boolean),
  };
}

/** Minutes in a day/time ISO 8601 duration (PT8H, P1D, PT30M); undefined when unreadable. */
export function durationMinutes(iso: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return undefined;
  const [, d, h, min, s] = m.map((v) => Number(v ?? 0));
  return (d ?? 0) * 1440 + (h ?? 0) * 60 + (min ?? 0) + Math.floor((s ?? 0) / 60);
}

export function minutesToIso(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (!h && !m) return 'PT0M';
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}`;
}

export function describeMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const parts = [h ? `${h} hour${h === 1 ? '' : 's'}` : '', m ? `${m} minutes` : ''].filter(Boolean);
  return parts.join(' ') || '0 minutes';
}

/** The durations offered: half-hour steps up to one hour, then whole hours, up to the maximum. */
export function durationChoices(maxMinutes: number): number[] {
  const choices: number[] = [];
  for (const m of [30, 60]) if (m <= maxMinutes) choices.push(m);
  for (let m = 120; m <= maxMinutes; m += 60) choices.push(m);
  if (!choices.includes(maxMinutes)) choices.push(maxMinutes);
  return choices;
}

export interface RequestState {
  id: string;
  status: string;
  approvalId?: string | null;
}

function requestSet(target: Exclude<Target, { kind: 'azure' }>, schedule: Row['schedule'] = 'assignment'): string {
  if (target.kind === 'role') return `${DIR}/${schedule === 'eligibility' ? 'roleEligibility' : 'roleAssignment'}ScheduleRequests`;
  return `${GRP}/${schedule === 'eligibility' ? 'eligibility' : 'assignment'}ScheduleRequests`;
}

function targetBody(target: Exclude<Target, { kind: 'azure' }>): Record<string, string> {
  return target.kind === 'role'
    ? { roleDefinitionId: target.roleDefinitionId, directoryScopeId: target.directoryScopeId }
    : { groupId: target.groupId, accessId: target.accessId };
}

/** Graph's action and ARM's requestType name the same things, with a capital first letter on ARM. */
type Action = 'selfActivate' | 'selfDeactivate' | 'selfExtend';

/** The one place a request is sent: Graph's POST for roles and groups, ARM's PUT (under a new name) for Azure roles. */
async function send(api: Api, principalId: string, target: Target, action: Action, extra: Record<string, unknown>, schedule: Row['schedule'] = 'assignment'): Promise<RequestState> {
  if (target.kind !== 'azure') return api.call<RequestState>('POST', requestSet(target, schedule), { action, principalId, ...targetBody(target), ...extra });
  const info = extra.scheduleInfo as { startDateTime?: string; expiration?: { type?: string; duration?: string } } | undefined;
  const created = await putAzureRequest(api, target.scope, {
    principalId,
    roleDefinitionId: target.roleDefinitionId,
    requestType: `${action.charAt(0).toUpperCase()}${action.slice(1)}`,
    ...extra,
    ...(info ? { scheduleInfo: { startDateTime: info.startDateTime ?? null, expiration: { type: 'AfterDuration', endDateTime: null, duration: info.expiration?.duration ?? null } } } : {}),
  });
  return { id: created.name, status: created.properties.status ?? '', approvalId: created.properties.approvalId ?? null };
}

export interface Activation {
  minutes: number;
  justification: string;
  ticketNumber?: string;
  ticketSystem?: string;
  /** When the role should become active; now when absent. */
  start?: Date;
}

export function activate(api: Api, principalId: string, target: Target, a: Activation): Promise<RequestState> {
  return send(api, principalId, target, 'selfActivate', {
    justification: a.justification,
    ...(a.ticketNumber || a.ticketSystem ? { ticketInfo: { ticketNumber: a.ticketNumber || null, ticketSystem: a.ticketSystem || null } } : {}),
    scheduleInfo: { startDateTime: (a.start ?? new Date()).toISOString(), expiration: { type: 'afterDuration', duration: minutesToIso(a.minutes) } },
  });
}

export function deactivate(api: Api, principalId: string, target: Target): Promise<RequestState> {
  return send(api, principalId, target, 'selfDeactivate', {});
}

/** Asks an administrator to extend an assignment near its end (Graph's selfExtend); an admin decides. */
export function extend(api: Api, principalId: string, row: Row, justification: string): Promise<RequestState> {
  return send(api, principalId, row.target, 'selfExtend', { justification }, row.schedule);
}

export async function readRequest(api: Api, target: Target, id: string): Promise<RequestState> {
  if (target.kind !== 'azure') return api.call<RequestState>('GET', `${requestSet(target)}/${encodeURIComponent(id)}`);
  const r = await readAzureRequest(api, target.scope, id);
  return { id: r.name, status: r.properties.status ?? '', approvalId: r.properties.approvalId ?? null };
}

/** Who may decide the request's approval stage in progress, by name, as the API's approval shows them. */
export async function approversOf(api: Api, target: Target, approvalId: string): Promise<string[]> {
  if (target.kind === 'azure') return azureApprovers(api, approvalId);
  const base = target.kind === 'role' ? `${DIR}/roleAssignmentApprovals` : `${GRP}/assignmentApprovals`;
  const approval = await api.call<{ steps?: ApprovalStepJson[]; stages?: ApprovalStepJson[] }>('GET', `${base}/${encodeURIComponent(approvalId)}`);
  const now = (approval.steps ?? approval.stages ?? []).find((s) => s.status === 'InProgress');
  return (now?.approvers ?? []).map((a) => (a.type === 'group' ? `members of ${a.displayName ?? a.id}` : a.displayName ?? a.id ?? '')).filter(Boolean);
}

interface ApprovalStepJson {
  status?: string;
  approvers?: Array<{ id?: string; displayName?: string | null; type?: string }>;
}

/** How long before its end an assignment may be extended (Entra: its last 14 days). */
const EXTEND_WINDOW_MS = 14 * 86_400_000;

/** Whether the user may ask to extend a row now, and if not, why (what they would otherwise wonder). */
export function extendability(row: Row, now: Date): { allowed: true } | { allowed: false; why: string } {
  if (row.target.kind === 'group') return { allowed: false, why: 'Groups are not extended by their members; ask an administrator.' };
  if (row.membership !== 'Direct') return { allowed: false, why: `Held through ${row.membership === 'Group' ? 'a group' : 'a scope above'}; extend it there.` };
  if (row.assignmentType === 'Activated') return { allowed: false, why: 'An activation is not extended; activate again when it ends.' };
  if (!row.end) return { allowed: false, why: 'Permanent: nothing to extend.' };
  const opens = Date.parse(row.end) - EXTEND_WINDOW_MS;
  if (opens > now.getTime()) return { allowed: false, why: `Can be extended from ${new Date(opens).toLocaleDateString()} (its last 14 days).` };
  return { allowed: true };
}

export type Stage = 'submitted' | 'approval' | 'activating' | 'active';
export type Progress = { stage: Stage; ended?: undefined } | { stage: Stage; ended: string };

/** Where a request stands, as the stages Entra's portal shows. */
export function progressOf(status: string): Progress {
  switch (status) {
    case 'PendingApproval':
    case 'PendingApprovalProvisioning':
      return { stage: 'approval' };
    case 'Granted':
    case 'PendingProvisioning':
    case 'PendingScheduleCreation':
    case 'ScheduleCreated':
      return { stage: 'activating' };
    case 'Provisioned':
      return { stage: 'active' };
    case 'Denied':
    case 'Failed':
    case 'Canceled':
    case 'Revoked':
    case 'TimedOut':
      return { stage: 'submitted', ended: status };
    default:
      return { stage: 'submitted' };
  }
}
