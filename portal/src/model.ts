/**
 * What My roles shows, read from the API's schedule instances and policies: directory roles
 * and groups in one shape, so the table and the activation panel need not care which.
 */
import type { Api } from './api';

const DIR = '/v1.0/roleManagement/directory';
const GRP = '/v1.0/identityGovernance/privilegedAccess/group';

export type Target =
  | { kind: 'role'; roleDefinitionId: string; directoryScopeId: string }
  | { kind: 'group'; groupId: string; accessId: string };

export interface Row {
  key: string;
  target: Target;
  name: string;
  scope: string;
  membership: string;
  start?: string;
  end?: string;
  /** For active rows: "Activated" (from PIM, can be deactivated) or "Assigned". */
  assignmentType?: string;
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

function roleRow(i: Instance): Row {
  const target: Target = { kind: 'role', roleDefinitionId: i.roleDefinitionId ?? '', directoryScopeId: i.directoryScopeId ?? '/' };
  return {
    key: `role:${i.id}`,
    target,
    name: i.roleDefinition?.displayName ?? i.roleDefinitionId ?? '',
    scope: target.directoryScopeId === '/' ? 'Directory' : target.directoryScopeId,
    membership: i.memberType ?? 'Direct',
    start: i.startDateTime ?? undefined,
    end: i.endDateTime ?? undefined,
    assignmentType: i.assignmentType,
  };
}

function groupRow(i: Instance): Row {
  const target: Target = { kind: 'group', groupId: i.groupId ?? '', accessId: i.accessId ?? 'member' };
  return {
    key: `group:${i.id}`,
    target,
    name: `${i.group?.displayName ?? i.groupId ?? ''} (${target.accessId === 'owner' ? 'Owner' : 'Member'})`,
    scope: 'Group',
    membership: i.memberType ?? 'Direct',
    start: i.startDateTime ?? undefined,
    end: i.endDateTime ?? undefined,
    assignmentType: i.assignmentType,
  };
}

export interface MyRoles {
  eligible: Row[];
  active: Row[];
}

export async function loadMyRoles(api: Api): Promise<MyRoles> {
  const [roleEligible, roleActive, groupEligible, groupActive] = await Promise.all([
    list(api, `${DIR}/roleEligibilityScheduleInstances/${mine}?$expand=roleDefinition`),
    list(api, `${DIR}/roleAssignmentScheduleInstances/${mine}?$expand=roleDefinition`),
    list(api, `${GRP}/eligibilityScheduleInstances/${mine}?$expand=group`),
    list(api, `${GRP}/assignmentScheduleInstances/${mine}?$expand=group`),
  ]);
  return {
    eligible: [...roleEligible.map(roleRow), ...groupEligible.map(groupRow)],
    active: [...roleActive.map(roleRow), ...groupActive.map(groupRow)],
  };
}

/** The end-user activation rules of a role's or group's policy that the panel needs. */
export interface ActivationRules {
  /** ISO 8601 duration, e.g. PT8H. */
  maximumDuration: string;
  justification: boolean;
  ticketing: boolean;
  approval: boolean;
}

interface Rule {
  id: string;
  maximumDuration?: string;
  enabledRules?: string[];
  setting?: { isApprovalRequired?: boolean };
}

export async function loadActivationRules(api: Api, target: Target): Promise<ActivationRules> {
  const filter =
    target.kind === 'role'
      ? `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${target.roleDefinitionId}'`
      : `scopeId eq '${target.groupId}' and scopeType eq 'Group' and roleDefinitionId eq '${target.accessId}'`;
  const answer = await api.call<{ value: Array<{ policy?: { rules?: Rule[] } }> }>(
    'GET',
    `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}&$expand=${encodeURIComponent('policy($expand=rules)')}`,
  );
  const rules = answer.value[0]?.policy?.rules ?? [];
  const rule = (id: string) => rules.find((r) => r.id === id);
  const enabled = rule('Enablement_EndUser_Assignment')?.enabledRules ?? [];
  return {
    maximumDuration: rule('Expiration_EndUser_Assignment')?.maximumDuration ?? 'PT8H',
    justification: enabled.includes('Justification'),
    ticketing: enabled.includes('Ticketing'),
    approval: rule('Approval_EndUser_Assignment')?.setting?.isApprovalRequired === true,
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
}

function requestSet(target: Target): string {
  return target.kind === 'role' ? `${DIR}/roleAssignmentScheduleRequests` : `${GRP}/assignmentScheduleRequests`;
}

function targetBody(target: Target): Record<string, string> {
  return target.kind === 'role'
    ? { roleDefinitionId: target.roleDefinitionId, directoryScopeId: target.directoryScopeId }
    : { groupId: target.groupId, accessId: target.accessId };
}

export interface Activation {
  minutes: number;
  justification: string;
  ticketNumber?: string;
  ticketSystem?: string;
}

export function activate(api: Api, principalId: string, target: Target, a: Activation): Promise<RequestState> {
  return api.call<RequestState>('POST', requestSet(target), {
    action: 'selfActivate',
    principalId,
    ...targetBody(target),
    justification: a.justification,
    ...(a.ticketNumber || a.ticketSystem ? { ticketInfo: { ticketNumber: a.ticketNumber, ticketSystem: a.ticketSystem } } : {}),
    scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: minutesToIso(a.minutes) } },
  });
}

export function deactivate(api: Api, principalId: string, target: Target): Promise<RequestState> {
  return api.call<RequestState>('POST', requestSet(target), { action: 'selfDeactivate', principalId, ...targetBody(target) });
}

export function readRequest(api: Api, target: Target, id: string): Promise<RequestState> {
  return api.call<RequestState>('GET', `${requestSet(target)}/${encodeURIComponent(id)}`);
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
