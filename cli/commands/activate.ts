import { randomUUID } from 'node:crypto';
import { type AccessItem, armPath, armSelfRequest, matches, myAccess, myAzureAccess, pickEligible, requestsPath, type Selector, selfRequest } from '../access';
import { connect, type Json, type PimApi } from '../api';
import { isArmScope, isoDurationMs, type ParsedCommand, stringOption, toIsoDuration, toStartTime, UsageError } from '../args';
import { CliError } from '../errors';
import type { Output } from '../output';
import { waitForRequest } from '../wait';

const selector = (cmd: ParsedCommand): Selector => ({ ...(stringOption(cmd.options, 'scope') ? { scope: stringOption(cmd.options, 'scope') } : {}), owner: cmd.options.owner === true });

/** `pim activate <role|group> --reason ... [--duration 2h] [--ticket N --ticket-system S] [--wait]`. */
export async function activate(cmd: ParsedCommand, out: Output): Promise<void> {
  const wanted = cmd.args[0];
  if (!wanted) throw new UsageError("Name the role or group: pim activate 'Helpdesk Administrator' --reason '...'.");
  const reason = stringOption(cmd.options, 'reason');
  if (!reason) throw new UsageError('Give a --reason: approvers and auditors read it.');
  const duration = toIsoDuration(stringOption(cmd.options, 'duration') ?? '1h');
  const ticket = stringOption(cmd.options, 'ticket');
  const ticketSystem = stringOption(cmd.options, 'ticket-system');
  const start = toStartTime(stringOption(cmd.options, 'start'));
  const api = connect(cmd.global.url);
  const armScope = azureScopeOf(cmd);
  if (armScope) {
    await activateAzure(api, cmd, out, { wanted, scope: armScope, reason, duration, start, ticket, ticketSystem });
    return;
  }
  const item = pickEligible(await myAccess(api), wanted, selector(cmd));
  const body = selfRequest(item, api.login.account.oid, 'selfActivate', {
    justification: reason,
    scheduleInfo: { startDateTime: start, expiration: { type: 'afterDuration', duration } },
    ...(ticket || ticketSystem ? { ticketInfo: { ticketNumber: ticket ?? null, ticketSystem: ticketSystem ?? null } } : {}),
  });
  const created = await api.send('POST', requestsPath(item.kind), body);
  const id = String(created.id);
  if (!cmd.options.wait) {
    out.result(created, `Requested ${label(item)} for ${duration}${from(start)}: ${created.status} (request ${id}).${created.status === 'PendingApproval' ? " Waiting for approval; 'pim requests' shows it." : ''}`);
    return;
  }
  const done = await waitForRequest(api, item.kind, id, out, waitOptions(cmd));
  const until = await activeUntil(api, item);
  out.result({ ...done, endDateTime: until ?? null }, `${label(item)} is active${until ? ` until ${until}` : ''} (request ${id}).`);
}

/** `pim deactivate <role|group>`: ends an activation before its time. */
export async function deactivate(cmd: ParsedCommand, out: Output): Promise<void> {
  const wanted = cmd.args[0];
  if (!wanted) throw new UsageError('Name the role or group to deactivate.');
  const api = connect(cmd.global.url);
  const armScope = azureScopeOf(cmd);
  if (armScope) {
    await deactivateAzure(api, out, wanted, armScope);
    return;
  }
  const active = (await myAccess(api)).filter((i) => i.state === 'active' && i.assignmentType === 'Activated' && matches(i, wanted, selector(cmd)));
  const item = active[0];
  if (!item) throw new CliError(`'${wanted}' has no activation of yours to end. 'pim roles' lists what is active.`, 1, 'NotActive');
  const created = await api.send('POST', requestsPath(item.kind), selfRequest(item, api.login.account.oid, 'selfDeactivate'));
  out.result(created, `Deactivated ${label(item)} (request ${String(created.id)}).`);
}

/** The ARM scope --scope names, if it names one: then the role is an Azure resource role. */
function azureScopeOf(cmd: ParsedCommand): string | undefined {
  const scope = stringOption(cmd.options, 'scope')?.replace(/\/+$/, '');
  return scope && isArmScope(scope) ? scope : undefined;
}

const waitOptions = (cmd: ParsedCommand) => ({ timeoutMs: durationMs(stringOption(cmd.options, 'timeout') ?? '30m'), pollMs: Number(process.env.PIM_POLL_MS ?? 1000) });

interface AzureActivation {
  wanted: string;
  scope: string;
  reason: string;
  duration: string;
  start: string;
  ticket: string | undefined;
  ticketSystem: string | undefined;
}

/** An Azure resource role: a SelfActivate roleAssignmentScheduleRequest PUT at the ARM scope, under a new name. */
async function activateAzure(api: PimApi, cmd: ParsedCommand, out: Output, a: AzureActivation): Promise<void> {
  const eligible = pickEligible(await myAzureAccess(api, [a.scope]), a.wanted, { scope: a.scope });
  const item: AccessItem = { ...eligible, scope: a.scope };
  const path = armPath(a.scope, 'roleAssignmentScheduleRequests', `/${randomUUID()}`);
  const created = await api.arm.put(
    path,
    armSelfRequest(item, api.login.account.oid, 'SelfActivate', {
      justification: a.reason,
      scheduleInfo: { startDateTime: a.start, expiration: { type: 'AfterDuration', endDateTime: null, duration: a.duration } },
      ...(a.ticket || a.ticketSystem ? { ticketInfo: { ticketNumber: a.ticket ?? null, ticketSystem: a.ticketSystem ?? null } } : {}),
    }),
  );
  const status = String((created.properties as Json | undefined)?.status);
  const name = String(created.name);
  if (!cmd.options.wait) {
    out.result(created, `Requested ${label(item)} for ${a.duration}${from(a.start)}: ${status} (request ${name}).${status === 'PendingApproval' ? " Waiting for approval; 'pim roles' shows it once active." : ''}`);
    return;
  }
  const done = await waitForRequest(api, 'azureRole', path, out, waitOptions(cmd));
  const until = (await myAzureAccess(api, [a.scope])).find((i) => i.state === 'active' && i.targetId.toLowerCase() === item.targetId.toLowerCase() && i.scope.toLowerCase() === a.scope.toLowerCase())?.endDateTime;
  out.result({ ...done, endDateTime: until ?? null }, `${label(item)} is active${until ? ` until ${until}` : ''} (request ${name}).`);
}

/** Ends an Azure role's activation at exactly the ARM scope (SelfDeactivate). */
async function deactivateAzure(api: PimApi, out: Output, wanted: string, scope: string): Promise<void> {
  const item = (await myAzureAccess(api, [scope])).find((i) => i.state === 'active' && i.assignmentType === 'Activated' && matches(i, wanted, { scope }));
  if (!item) throw new CliError(`'${wanted}' has no activation of yours at ${scope} to end. 'pim roles --scope ${scope}' lists what is active.`, 1, 'NotActive');
  const created = await api.arm.put(armPath(item.scope, 'roleAssignmentScheduleRequests', `/${randomUUID()}`), armSelfRequest(item, api.login.account.oid, 'SelfDeactivate'));
  out.result(created, `Deactivated ${label(item)} (request ${String(created.name)}).`);
}

const label = (item: AccessItem) => (item.kind === 'group' ? `${item.scope} of ${item.name}` : `${item.name}${item.scope === '/' ? '' : ` at ${item.scope}`}`);

async function activeUntil(api: ReturnType<typeof connect>, item: AccessItem): Promise<string | undefined> {
  const now = (await myAccess(api)).find((i) => i.state === 'active' && i.kind === item.kind && i.targetId === item.targetId && i.scope === item.scope);
  return now?.endDateTime ?? undefined;
}

/** " from <time>" for a start later than now (a minute's grace for clocks), else nothing. */
const from = (start: string) => (Date.parse(start) > Date.now() + 60_000 ? ` from ${start}` : '');

const durationMs = (text: string) => isoDurationMs(toIsoDuration(text));
