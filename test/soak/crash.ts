/**
 * The crash part: many short activations, some through approval, while a killer loop sends
 * devhost SIGKILL every 5-40 s and starts it again on the same port, storage and data folder.
 * Clients ride out the outages. A poller reads the Graph stand-in's role assignments every
 * second, so when each role appeared and disappeared is known to about a second.
 */
import { z } from 'zod';
import {
  allSlots,
  Api,
  APPROVALS,
  errorCode,
  GRAPH_ASSIGNMENTS,
  makeEligible,
  randomBetween,
  REQUESTS,
  type RequestJson,
  requestJson,
  requireApproval,
  roles,
  type Slot,
  sleep,
  SoakHost,
  userId,
} from './setup';

/** What the approver does (none: the role needs no approval) and how a granted activation ends. */
export type Decision = 'none' | 'approve' | 'deny' | 'cancel';
export type Ending = 'natural' | 'shortened' | 'removed';

export interface Activation {
  key: number;
  slot: Slot;
  decision: Decision;
  ending: Ending;
  futureStart: boolean;
  justification: string;
  /** When the first selfActivate for it was sent (client clock, same machine). */
  sentAt: number;
  request?: RequestJson;
  start?: number;
  end?: number;
  /** When the role should be gone from the directory: its end, its moved end, or its removal. */
  dueGone?: number;
  decidedAt?: number;
  /** The admin's adminUpdate (shortened) or adminRemove (removed) request. */
  followUpRequestId?: string;
  problems: string[];
}

/** One directory role assignment as the poller saw it. */
export interface Observed {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  firstSeen: number;
  lastSeen: number;
  /** First successful poll without it (undefined: still there). */
  goneAt?: number;
}

export interface CrashRun {
  host: SoakHost;
  api: Api;
  storage: string;
  activations: Activation[];
  observed: Map<string, Observed>;
  kills: number;
  restarts: number;
  restartFailures: string[];
  polls: { ok: number; failed: number };
  slotBusyWaits: number;
  approvalRoles: string[];
  drivenSeconds: number;
}

export interface CrashOptions {
  activations: number;
  graceSeconds: number;
  killEverySeconds: [number, number];
}

const assignmentJson = z.object({ id: z.string(), principalId: z.string(), roleDefinitionId: z.string() });
const approvalJson = z.object({ steps: z.array(z.object({ id: z.string() })) });

/** devhost for the crash part: the reconcile timer and the outbox relay run every 5 s, to help after restarts. */
export const crashHost = (storage: string) =>
  SoakHost.create('crash', storage, { PIM_RECONCILE_SCHEDULE: '*/5 * * * * *', PIM_OUTBOX_SCHEDULE: '*/5 * * * * *' });

/** Runs the drivers; the caller checks the outcome (checks.ts) while the host is still up, then stops it. */
export async function driveCrash(host: SoakHost, storage: string, options: CrashOptions): Promise<CrashRun> {
  await host.start();
  const api = await Api.signIn(host.url, true);
  const slots = allSlots();
  await makeEligible(api, slots);
  // Three roles need bob's or carol's approval (the requester never approves their own).
  const approvalRoles = roles.filter((r) => ['Exchange Administrator', 'Security Administrator', 'Application Administrator'].includes(r.name)).map((r) => r.id);
  for (const role of approvalRoles) await requireApproval(api, role, [userId('bob'), userId('carol')]);

  const run: CrashRun = {
    host,
    api,
    storage,
    activations: [],
    observed: new Map(),
    kills: 0,
    restarts: 0,
    restartFailures: [],
    polls: { ok: 0, failed: 0 },
    slotBusyWaits: 0,
    approvalRoles,
    drivenSeconds: 0,
  };
  const began = Date.now();
  const state = { launched: 0, driving: true, polling: true };
  const poller = poll(run, () => state.polling);
  const killer = killLoop(run, options.killEverySeconds, () => state.driving);
  await Promise.all(
    slots.map(async (slot) => {
      await sleep(randomBetween(0, 60_000));
      while (state.launched < options.activations) {
        const a = newActivation(++state.launched, slot, approvalRoles.includes(slot.roleId));
        run.activations.push(a);
        await drive(run, a).catch((error: unknown) => a.problems.push(error instanceof Error ? error.message : String(error)));
      }
    }),
  );
  state.driving = false;
  await killer;
  if (!host.running) await host.start();
  run.drivenSeconds = Math.round((Date.now() - began) / 1000);
  console.error(`soak crash: all ${run.activations.length} activations driven; ${run.kills} kills; grace ${options.graceSeconds} s with devhost up`);
  await sleep(options.graceSeconds * 1000);
  state.polling = false;
  await poller;
  return run;
}

/** Scenarios in turn (not at random), so even a short run has every kind. */
const DECISIONS: Decision[] = ['approve', 'deny', 'approve', 'cancel', 'approve'];
const ENDINGS: Ending[] = ['natural', 'shortened', 'removed', 'natural'];

function newActivation(key: number, slot: Slot, needsApproval: boolean): Activation {
  return {
    key,
    slot,
    decision: needsApproval ? (DECISIONS[key % DECISIONS.length] ?? 'approve') : 'none',
    ending: ENDINGS[key % ENDINGS.length] ?? 'natural',
    futureStart: key % 3 === 0,
    justification: `soak activation ${key}`,
    sentAt: Date.now(),
    problems: [],
  };
}

/** One activation from request to its end (or its denial or cancellation). */
async function drive(run: CrashRun, a: Activation): Promise<void> {
  await create(run, a);
  const request = a.request;
  if (!request || a.start === undefined || a.end === undefined) return;
  if (a.decision !== 'none') {
    await sleep(randomBetween(2_000, 15_000));
    if (a.decision === 'cancel') return cancel(run, a, request);
    await decide(run, a, request, a.decision === 'approve' ? 'Approve' : 'Deny');
    if (a.decision === 'deny') return;
  }
  a.dueGone = a.end;
  if (a.ending !== 'natural') {
    await sleep(Math.max(Date.now(), a.start) + randomBetween(5_000, a.ending === 'removed' ? 60_000 : 30_000) - Date.now());
    await (a.ending === 'shortened' ? shorten(run, a) : remove(run, a));
  }
  await sleep(a.dueGone + 1_000 - Date.now());
}

async function create(run: CrashRun, a: Activation): Promise<void> {
  const { slot } = a;
  const giveUpAt = Date.now() + 8 * 60_000;
  a.sentAt = Date.now();
  for (;;) {
    const start = a.futureStart ? new Date(Date.now() + randomBetween(20_000, 60_000)).toISOString() : null;
    const reply = await run.api.call(slot.user, 'POST', REQUESTS, {
      action: 'selfActivate',
      principalId: slot.userId,
      roleDefinitionId: slot.roleId,
      directoryScopeId: '/',
      justification: a.justification,
      scheduleInfo: { startDateTime: start, expiration: { type: 'afterDuration', duration: 'PT5M' } },
    });
    if (reply.status === 201) return adopt(a, requestJson.parse(reply.body));
    const code = errorCode(reply);
    if (code !== 'RoleAssignmentExists' && code !== 'PendingRoleAssignmentRequest') {
      a.problems.push(`selfActivate answered ${reply.status} ${code ?? JSON.stringify(reply.body)}`);
      return;
    }
    // Either an earlier attempt of ours got through before devhost died, or the slot's previous
    // activation has not been expired yet (its end fell while devhost was down).
    const mine = await findRequest(run.api, a, 'selfActivate', a.justification);
    if (mine) return adopt(a, mine);
    if (Date.now() > giveUpAt) {
      a.problems.push(`slot still busy after 8 minutes (${code})`);
      return;
    }
    run.slotBusyWaits++;
    await sleep(2_000);
  }
}

function adopt(a: Activation, request: RequestJson): void {
  a.request = request;
  a.start = Date.parse(request.scheduleInfo.startDateTime ?? request.createdDateTime);
  a.end = Date.parse(request.scheduleInfo.expiration.endDateTime ?? '');
}

/** The newest request of this slot with our justification (admins see every request). */
async function findRequest(api: Api, a: Activation, action: string, justification: string): Promise<RequestJson | undefined> {
  const filter = encodeURIComponent(`principalId eq '${a.slot.userId}' and roleDefinitionId eq '${a.slot.roleId}' and action eq '${action}'`);
  const found = (await api.list('admin', `${REQUESTS}?$filter=${filter}`, requestJson)).filter((r) => r.justification === justification);
  return found.sort((x, y) => x.createdDateTime.localeCompare(y.createdDateTime)).at(-1);
}

function approverOf(requester: string): string {
  if (requester === 'bob') return 'carol';
  if (requester === 'carol') return 'bob';
  return Math.random() < 0.5 ? 'bob' : 'carol';
}

async function decide(run: CrashRun, a: Activation, request: RequestJson, reviewResult: 'Approve' | 'Deny'): Promise<void> {
  const approver = approverOf(a.slot.user);
  const approval = await run.api.call(approver, 'GET', `${APPROVALS}/${request.approvalId ?? request.id}`);
  const step = approval.status === 200 ? approvalJson.parse(approval.body).steps[0] : undefined;
  if (!step) {
    a.problems.push(`GET approval answered ${approval.status} ${errorCode(approval) ?? ''}`);
    return;
  }
  const reply = await run.api.call(approver, 'PATCH', `${APPROVALS}/${request.approvalId ?? request.id}/steps/${step.id}`, { reviewResult, justification: `soak ${reviewResult}` });
  // 409: already decided, by our own earlier attempt whose answer was lost in a crash.
  if (reply.status === 204 || reply.status === 409) a.decidedAt = Date.now();
  else a.problems.push(`${reviewResult} answered ${reply.status} ${errorCode(reply) ?? ''}`);
}

async function cancel(run: CrashRun, a: Activation, request: RequestJson): Promise<void> {
  const reply = await run.api.call(a.slot.user, 'POST', `${REQUESTS}/${request.id}/cancel`);
  // RequestNotCancelable after a retry: our earlier attempt canceled it.
  if (reply.status !== 204 && errorCode(reply) !== 'RequestNotCancelable') a.problems.push(`cancel answered ${reply.status} ${errorCode(reply) ?? ''}`);
}

/** adminUpdate: the activation now ends 5-40 s from now. */
async function shorten(run: CrashRun, a: Activation): Promise<void> {
  const end = Date.now() + randomBetween(5_000, 40_000);
  const justification = `soak shorten ${a.key}`;
  const reply = await run.api.call('admin', 'POST', REQUESTS, {
    action: 'adminUpdate',
    principalId: a.slot.userId,
    roleDefinitionId: a.slot.roleId,
    directoryScopeId: '/',
    justification,
    scheduleInfo: { startDateTime: new Date(a.start ?? Date.now()).toISOString(), expiration: { type: 'afterDateTime', endDateTime: new Date(end).toISOString() } },
  });
  const done = reply.status === 201 ? requestJson.parse(reply.body) : await findRequest(run.api, a, 'adminUpdate', justification);
  if (!done) {
    a.problems.push(`adminUpdate answered ${reply.status} ${errorCode(reply) ?? ''}`);
    return;
  }
  a.followUpRequestId = done.id;
  a.dueGone = Date.parse(done.scheduleInfo.expiration.endDateTime ?? '') || end;
}

/** adminRemove: the role goes now. */
async function remove(run: CrashRun, a: Activation): Promise<void> {
  const justification = `soak remove ${a.key}`;
  const reply = await run.api.call('admin', 'POST', REQUESTS, { action: 'adminRemove', principalId: a.slot.userId, roleDefinitionId: a.slot.roleId, directoryScopeId: '/', justification });
  const done = reply.status === 201 ? requestJson.parse(reply.body) : await findRequest(run.api, a, 'adminRemove', justification);
  if (!done) {
    a.problems.push(`adminRemove answered ${reply.status} ${errorCode(reply) ?? ''}`);
    return;
  }
  a.followUpRequestId = done.id;
  a.dueGone = Date.parse(done.createdDateTime);
}

async function killLoop(run: CrashRun, [min, max]: [number, number], going: () => boolean): Promise<void> {
  for (;;) {
    const at = Date.now() + randomBetween(min * 1000, max * 1000);
    while (going() && Date.now() < at) await sleep(250);
    if (!going()) return;
    await run.host.kill9();
    run.kills++;
    for (let attempt = 1; ; attempt++) {
      try {
        await run.host.start();
        run.restarts++;
        break;
      } catch (error) {
        run.restartFailures.push(String(error).slice(0, 500));
        if (attempt >= 5) throw error;
        await sleep(1_000);
      }
    }
  }
}

/**
 * Reads the stand-in's assignments every second. While devhost is down nothing can change
 * them (the stand-in lives in devhost), so a failed poll loses no change, only delays seeing it.
 */
async function poll(run: CrashRun, going: () => boolean): Promise<void> {
  while (going()) {
    const began = Date.now();
    await pollOnce(run);
    await sleep(1_000 - (Date.now() - began));
  }
  await pollOnce(run);
}

export async function pollOnce(run: CrashRun): Promise<boolean> {
  let present: Array<z.infer<typeof assignmentJson>>;
  try {
    const res = await fetch(`${run.host.url}${GRAPH_ASSIGNMENTS}`, { signal: AbortSignal.timeout(5_000) });
    present = z.object({ value: z.array(assignmentJson) }).parse(await res.json()).value;
  } catch {
    run.polls.failed++;
    return false;
  }
  const now = Date.now();
  run.polls.ok++;
  const ids = new Set(present.map((p) => p.id));
  for (const p of present) {
    const seen = run.observed.get(p.id);
    if (seen) seen.lastSeen = now;
    else run.observed.set(p.id, { ...p, firstSeen: now, lastSeen: now });
  }
  for (const seen of run.observed.values()) if (!ids.has(seen.id) && seen.goneAt === undefined) seen.goneAt = now;
  return true;
}
