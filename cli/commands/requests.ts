import { approvalsPath, armPath, type Kind, requestsPath } from '../access';
import { connect, type Json, type PimApi } from '../api';
import { azureScopes, type ParsedCommand, stringOption, UsageError } from '../args';
import { CliError } from '../errors';
import { type Output, table } from '../output';

interface RequestRow {
  kind: Kind;
  id: string;
  status: string;
  action: string;
  target: string;
  principal?: string;
  justification?: string;
  createdDateTime?: string;
}

async function listRequests(api: PimApi, on: 'principal' | 'approver', scopes: readonly string[]): Promise<RequestRow[]> {
  const query = (kind: Kind) => `${requestsPath(kind)}/filterByCurrentUser(on='${on}')?$expand=principal,${kind === 'group' ? 'group' : 'roleDefinition'}`;
  const [roles, groups, azure] = await Promise.all([api.list(query('directoryRole')), api.list(query('group')), azureRequests(api, on, scopes)]);
  const row = (kind: Kind) => (r: Json): RequestRow => {
    const target = (kind === 'group' ? r.group : r.roleDefinition) as { displayName?: string } | undefined;
    const principal = r.principal as { displayName?: string } | undefined;
    return {
      kind,
      id: String(r.id),
      status: String(r.status),
      action: String(r.action),
      target: kind === 'group' ? `${r.accessId} of ${target?.displayName ?? r.groupId}` : (target?.displayName ?? String(r.roleDefinitionId)),
      ...(principal?.displayName ? { principal: principal.displayName } : {}),
      ...(typeof r.justification === 'string' ? { justification: r.justification } : {}),
      ...(typeof r.createdDateTime === 'string' ? { createdDateTime: r.createdDateTime } : {}),
    };
  };
  return [...roles.map(row('directoryRole')), ...groups.map(row('group')), ...azure].sort((a, b) => (b.createdDateTime ?? '').localeCompare(a.createdDateTime ?? ''));
}

/** ARM's requests names for Graph's actions, so one table shows both. */
const ARM_ACTIONS: Record<string, string> = { SelfActivate: 'selfActivate', SelfDeactivate: 'selfDeactivate', SelfExtend: 'selfExtend', SelfRenew: 'selfRenew' };

/**
 * Azure role activation requests at the ARM scopes (asRequestor() or asApprover()); a request
 * seen from two scopes is listed once. Without an ARM token (a sign-in that got none) there are none.
 */
async function azureRequests(api: PimApi, on: 'principal' | 'approver', scopes: readonly string[]): Promise<RequestRow[]> {
  if (scopes.length === 0 || !api.login.armAccessToken) return [];
  const filter = `&$filter=${encodeURIComponent(on === 'principal' ? 'asRequestor()' : 'asApprover()')}`;
  const lists = await Promise.all(scopes.map((scope) => api.arm.list(`${armPath(scope, 'roleAssignmentScheduleRequests')}${filter}`)));
  const rows = lists.flat().map((r): RequestRow => {
    const p = (r.properties ?? {}) as Json;
    const expanded = (p.expandedProperties ?? {}) as { principal?: { displayName?: string }; roleDefinition?: { displayName?: string } };
    const requestType = String(p.requestType);
    return {
      kind: 'azureRole',
      id: String(r.name),
      status: String(p.status),
      action: ARM_ACTIONS[requestType] ?? requestType,
      target: `${expanded.roleDefinition?.displayName ?? String(p.roleDefinitionId)} at ${String(p.scope)}`,
      ...(expanded.principal?.displayName ? { principal: expanded.principal.displayName } : {}),
      ...(typeof p.justification === 'string' ? { justification: p.justification } : {}),
      ...(typeof p.createdOn === 'string' ? { createdDateTime: p.createdOn } : {}),
    };
  });
  return [...new Map(rows.map((r) => [r.id.toLowerCase(), r])).values()];
}

const scopesOf = (cmd: ParsedCommand, api: PimApi) => azureScopes(cmd.options, process.env, api.login.scopes);

/** `pim requests`: the signed-in identity's own requests, newest first. */
export async function requests(cmd: ParsedCommand, out: Output): Promise<void> {
  const api = connect(cmd.global.url);
  const rows = await listRequests(api, 'principal', scopesOf(cmd, api));
  out.result(rows, table(['ID', 'STATUS', 'ACTION', 'TARGET', 'CREATED'], rows.map((r) => [r.id, r.status, r.action, r.target, r.createdDateTime ?? ''])) || 'No requests.');
}

/** `pim approvals`: requests waiting for the signed-in user's decision. */
export async function approvals(cmd: ParsedCommand, out: Output): Promise<void> {
  const api = connect(cmd.global.url);
  const rows = (await listRequests(api, 'approver', scopesOf(cmd, api))).filter((r) => r.status === 'PendingApproval');
  out.result(rows, table(['ID', 'REQUESTER', 'TARGET', 'JUSTIFICATION'], rows.map((r) => [r.id, r.principal ?? '', r.target, r.justification ?? ''])) || 'Nothing waits for your decision.');
}

/** `pim approve|deny <requestId> --reason ...`: decides the caller's step of the request's approval. */
export async function decide(cmd: ParsedCommand, out: Output): Promise<void> {
  const decision = cmd.command[0] === 'approve' ? 'Approve' : 'Deny';
  const id = cmd.args[0];
  if (!id) throw new UsageError(`Give the request id: pim ${cmd.command[0]} <requestId> --reason '...'. 'pim approvals' lists them.`);
  const reason = stringOption(cmd.options, 'reason');
  if (!reason) throw new UsageError('Give a --reason: the requester and auditors read it.');
  const api = connect(cmd.global.url);
  // The approval id is the request's id; a role's, a group's and an Azure role's live under different paths.
  const found = await findApproval(api, id);
  const steps = found.steps;
  const step = steps.find((s) => s.assignedToMe && s.status === 'InProgress');
  if (!step) throw new CliError(`Request ${id} has no approval step waiting for you. 'pim approvals' lists what does.`, 1, 'NothingToDecide');
  if (found.kind === 'azureRole') await api.arm.patch(`${ARM_APPROVALS}/${encodeURIComponent(id)}/stages/${encodeURIComponent(step.id)}?${ARM_APPROVALS_VERSION}`, { properties: { reviewResult: decision, justification: reason } });
  else await api.send('PATCH', `${approvalsPath(found.kind)}/${encodeURIComponent(id)}/steps/${encodeURIComponent(step.id)}`, { reviewResult: decision, justification: reason });
  out.result({ requestId: id, reviewResult: decision, justification: reason }, `${decision === 'Approve' ? 'Approved' : 'Denied'} request ${id}.`);
}

/** ARM's approvals are tenant-wide, under their own api-version. */
const ARM_APPROVALS = '/providers/Microsoft.Authorization/roleAssignmentApprovals';
const ARM_APPROVALS_VERSION = 'api-version=2021-01-01-preview';

interface Step {
  id: string;
  status?: string;
  assignedToMe?: boolean;
}

const isNotFound = (error: unknown) => error instanceof CliError && (error.code === 'ResourceNotFound' || error.code === 'NotFound' || error.code === 'RoleAssignmentApprovalNotFound');

async function findApproval(api: PimApi, id: string): Promise<{ kind: Kind; steps: Step[] }> {
  for (const kind of ['directoryRole', 'group'] as const) {
    try {
      const approval = await api.get(`${approvalsPath(kind)}/${encodeURIComponent(id)}`);
      return { kind, steps: ((approval.steps ?? approval.stages) as Step[] | undefined) ?? [] };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  if (api.login.armAccessToken) {
    try {
      const stages = await api.arm.list(`${ARM_APPROVALS}/${encodeURIComponent(id)}/stages?${ARM_APPROVALS_VERSION}`);
      return { kind: 'azureRole', steps: stages.map((s) => ({ id: String(s.name), ...((s.properties ?? {}) as Omit<Step, 'id'>) })) };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  throw new CliError(`There is no request ${id} waiting for your approval. 'pim approvals' lists what does.`, 1, 'ResourceNotFound');
}
