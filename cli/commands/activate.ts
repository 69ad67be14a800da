import { type AccessItem, matches, myAccess, pickEligible, requestsPath, type Selector, selfRequest } from '../access';
import { connect } from '../api';
import { type ParsedCommand, stringOption, toIsoDuration, UsageError } from '../args';
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
  const api = connect(cmd.global.url);
  const item = pickEligible(await myAccess(api), wanted, selector(cmd));
  const body = selfRequest(item, api.login.account.oid, 'selfActivate', {
    justification: reason,
    scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration } },
    ...(ticket || ticketSystem ? { ticketInfo: { ticketNumber: ticket ?? null, ticketSystem: ticketSystem ?? null } } : {}),
  });
  const created = await api.send('POST', requestsPath(item.kind), body);
  const id = String(created.id);
  if (!cmd.options.wait) {
    out.result(created, `Requested ${label(item)} for ${duration}: ${created.status} (request ${id}).${created.status === 'PendingApproval' ? " Waiting for approval; 'pim requests' shows it." : ''}`);
    return;
  }
  const timeoutMs = durationMs(stringOption(cmd.options, 'timeout') ?? '30m');
  const done = await waitForRequest(api, item.kind, id, out, { timeoutMs, pollMs: Number(process.env.PIM_POLL_MS ?? 1000) });
  const until = await activeUntil(api, item);
  out.result({ ...done, endDateTime: until ?? null }, `${label(item)} is active${until ? ` until ${until}` : ''} (request ${id}).`);
}

/** `pim deactivate <role|group>`: ends an activation before its time. */
export async function deactivate(cmd: ParsedCommand, out: Output): Promise<void> {
  const wanted = cmd.args[0];
  if (!wanted) throw new UsageError('Name the role or group to deactivate.');
  const api = connect(cmd.global.url);
  const active = (await myAccess(api)).filter((i) => i.state === 'active' && i.assignmentType === 'Activated' && matches(i, wanted, selector(cmd)));
  const item = active[0];
  if (!item) throw new CliError(`'${wanted}' has no activation of yours to end. 'pim roles' lists what is active.`, 1, 'NotActive');
  const created = await api.send('POST', requestsPath(item.kind), selfRequest(item, api.login.account.oid, 'selfDeactivate'));
  out.result(created, `Deactivated ${label(item)} (request ${String(created.id)}).`);
}

const label = (item: AccessItem) => (item.kind === 'group' ? `${item.scope} of ${item.name}` : `${item.name}${item.scope === '/' ? '' : ` at ${item.scope}`}`);

async function activeUntil(api: ReturnType<typeof connect>, item: AccessItem): Promise<string | undefined> {
  const now = (await myAccess(api)).find((i) => i.state === 'active' && i.kind === item.kind && i.targetId === item.targetId && i.scope === item.scope);
  return now?.endDateTime ?? undefined;
}

function durationMs(text: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(toIsoDuration(text));
  const [d, h, min, s] = [m?.[1], m?.[2], m?.[3], m?.[4]].map((v) => Number(v ?? 0)) as [number, number, number, number];
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}
