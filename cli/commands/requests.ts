import { approvalsPath, type Kind, requestsPath } from '../access';
import { connect, type Json, type PimApi } from '../api';
import { type ParsedCommand, stringOption, UsageError } from '../args';
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

async function listRequests(api: PimApi, on: 'principal' | 'approver'): Promise<RequestRow[]> {
  const query = (kind: Kind) => `${requestsPath(kind)}/filterByCurrentUser(on='${on}')?$expand=principal,${kind === 'group' ? 'group' : 'roleDefinition'}`;
  const [roles, groups] = await Promise.all([api.list(query('directoryRole')), api.list(query('group'))]);
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
  return [...roles.map(row('directoryRole')), ...groups.map(row('group'))].sort((a, b) => (b.createdDateTime ?? '').localeCompare(a.createdDateTime ?? ''));
}

/** `pim requests`: the signed-in identity's own requests, newest first. */
export async function requests(cmd: ParsedCommand, out: Output): Promise<void> {
  const rows = await listRequests(connect(cmd.global.url), 'principal');
  out.result(rows, table(['ID', 'STATUS', 'ACTION', 'TARGET', 'CREATED'], rows.map((r) => [r.id, r.status, r.action, r.target, r.createdDateTime ?? ''])) || 'No requests.');
}

/** `pim approvals`: requests waiting for the signed-in user's decision. */
export async function approvals(cmd: ParsedCommand, out: Output): Promise<void> {
  const rows = (await listRequests(connect(cmd.global.url), 'approver')).filter((r) => r.status === 'PendingApproval');
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
  // The approval id is the request's id; a role's and a group's live under different paths.
  const found = await findApproval(api, id);
  const steps = (found.approval.steps ?? found.approval.stages) as Array<{ id: string; status?: string; assignedToMe?: boolean }> | undefined;
  const step = steps?.find((s) => s.assignedToMe && s.status === 'InProgress');
  if (!step) throw new CliError(`Request ${id} has no approval step waiting for you. 'pim approvals' lists what does.`, 1, 'NothingToDecide');
  await api.send('PATCH', `${approvalsPath(found.kind)}/${encodeURIComponent(id)}/steps/${encodeURIComponent(step.id)}`, { reviewResult: decision, justification: reason });
  out.result({ requestId: id, reviewResult: decision, justification: reason }, `${decision === 'Approve' ? 'Approved' : 'Denied'} request ${id}.`);
}

async function findApproval(api: PimApi, id: string): Promise<{ kind: Kind; approval: Json }> {
  for (const kind of ['directoryRole', 'group'] as const) {
    try {
      return { kind, approval: await api.get(`${approvalsPath(kind)}/${encodeURIComponent(id)}`) };
    } catch (error) {
      if (!(error instanceof CliError) || (error.code !== 'ResourceNotFound' && error.code !== 'NotFound')) throw error;
    }
  }
  throw new CliError(`There is no request ${id} waiting for your approval. 'pim approvals' lists what does.`, 1, 'ResourceNotFound');
}
