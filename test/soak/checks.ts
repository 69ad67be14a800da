/**
 * What the crash part must show afterwards, from the outside (the Graph stand-in, the API) and
 * the audit table: every granted role gone by its end, how late at worst, nothing granted
 * twice or without approval, every request in a final state, every step audited.
 */
import { z } from 'zod';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import type { AuditRecord } from '../../shared/ports/audit';
import { type Activation, type CrashRun, type Observed, pollOnce } from './crash';
import { latency, tally } from './report';
import { REQUESTS, type RequestJson, requestJson, sleep, slotKey } from './setup';

/** A request is done when it is in one of these; a granted activation's schedule then ended. */
const FINAL_REQUEST = ['Provisioned', 'Denied', 'Canceled', 'TimedOut', 'Failed', 'Revoked'];
const ENDED_SCHEDULE = ['Expired', 'Revoked', 'Denied', 'Canceled', 'TimedOut', 'Failed'];
/** Polls are a second apart, so a role gone up to this early is counted as on time. */
const POLL_SLACK_MS = 1_500;

const scheduleJson = z.object({ id: z.string(), status: z.string() });
const LIST_LIMIT = 25;

export interface Finding {
  activation: number;
  what: string;
}

export async function checkCrash(run: CrashRun) {
  for (let i = 0; !(await pollOnce(run)); i++) {
    if (i > 30) throw new Error('The Graph stand-in did not answer the final poll.');
    await sleep(1_000);
  }
  const grants = attribute(run.activations, run.observed);
  const requests = await run.api.list('admin', REQUESTS, requestJson);
  const requestById = new Map(requests.map((r) => [r.id, r]));
  const audit = await tableAuditLog(new TableAccess(run.storage, run.host.env.PIM_TABLE_PREFIX ?? 'Pim')).list();
  const auditOf = indexAudit(audit);

  const leftovers: Finding[] = [];
  const stuck: Finding[] = [];
  const doubleGrants: Finding[] = [];
  const wrongGrants: Finding[] = [];
  const early: Finding[] = [];
  const auditGaps: Finding[] = [];
  const unexpected: Finding[] = [];
  const neverGranted: Finding[] = [];
  const lateness: number[] = [];
  const grantDelay: number[] = [];
  const rows = [];

  for (const a of run.activations) {
    const request = a.request ? (requestById.get(a.request.id) ?? a.request) : undefined;
    const seen = grants.get(a.key) ?? [];
    const note = (list: Finding[], what: string) => list.push({ activation: a.key, what });
    if (!request) {
      rows.push({ key: a.key, decision: a.decision, ending: a.ending, status: 'not created', problems: a.problems });
      continue;
    }
    const schedule = request.targetScheduleId ? await scheduleStatus(run, request.targetScheduleId) : undefined;
    const grantAudits = (auditOf.schedule.get(request.targetScheduleId ?? '') ?? []).filter((r) => r.activityDisplayName === 'Role assignment granted in the directory by PIM');
    const expected = a.decision === 'deny' ? 'Denied' : a.decision === 'cancel' ? 'Canceled' : 'Provisioned';

    if (!FINAL_REQUEST.includes(request.status)) note(stuck, `request ${request.id} is still ${request.status} (${await runtimeStatus(run, request.id)})`);
    if (schedule && !ENDED_SCHEDULE.includes(schedule)) note(stuck, `schedule ${request.targetScheduleId ?? ''} is still ${schedule} after its end`);
    if (request.status !== expected) note(unexpected, `expected ${expected}, got ${request.status}`);
    for (const extra of requests.filter((r) => r.justification === a.justification && r.id !== request.id)) {
      if (!FINAL_REQUEST.includes(extra.status)) note(stuck, `retry-made request ${extra.id} is still ${extra.status}`);
    }

    if (seen.length > 1) note(doubleGrants, `${seen.length} directory assignments: ${seen.map((s) => s.id).join(', ')}`);
    if (grantAudits.length > 1) {
      const which = grantAudits.map((r) => `${r.activityDateTime} correlation ${r.correlationId} → ${r.targetResources[1]?.modifiedProperties.find((m) => m.displayName === 'roleAssignmentOriginId')?.newValue ?? '?'}`);
      note(doubleGrants, `${grantAudits.length} 'granted' audit records for schedule ${request.targetScheduleId ?? ''}: ${which.join('; ')}`);
    }
    if (seen.length > 0 && (a.decision === 'deny' || a.decision === 'cancel')) note(wrongGrants, `granted though ${a.decision === 'deny' ? 'denied' : 'canceled'}`);
    const mayHold = a.decision === 'none' || a.decision === 'approve';
    const removedBeforeStart = a.dueGone !== undefined && a.start !== undefined && a.dueGone <= a.start;
    if (mayHold && !removedBeforeStart && seen.length === 0 && grantAudits.length === 0 && request.status !== 'Failed') note(neverGranted, 'never granted in the directory');

    const last = seen.at(-1);
    let late: number | undefined;
    if (last) {
      if (a.start !== undefined) grantDelay.push(last.firstSeen - Math.max(a.start, a.decidedAt ?? 0));
      if (last.goneAt === undefined) note(leftovers, `role still assigned (${last.id}); it was due to go at ${iso(a.dueGone)}`);
      else if (a.dueGone !== undefined) {
        late = last.goneAt - a.dueGone;
        lateness.push(late);
        if (late < -POLL_SLACK_MS) note(early, `gone ${-late} ms before ${iso(a.dueGone)} (${a.ending})`);
      }
    }

    for (const gap of auditGapsOf(a, request, auditOf, seen.length > 0 || grantAudits.length > 0, last?.goneAt !== undefined)) note(auditGaps, gap);
    rows.push({
      key: a.key,
      user: a.slot.user,
      role: a.slot.roleName,
      decision: a.decision,
      ending: a.ending,
      futureStart: a.futureStart,
      requestId: request.id,
      status: request.status,
      schedule,
      start: iso(a.start),
      dueGone: iso(a.dueGone),
      grants: seen.length,
      latenessMs: late,
      problems: a.problems.length > 0 ? a.problems : undefined,
    });
  }
  const unattributed = [...run.observed.values()].filter((o) => ![...grants.values()].some((list) => list.includes(o)));
  for (const o of unattributed) wrongGrants.push({ activation: 0, what: `assignment ${o.id} (${o.principalId}, ${o.roleDefinitionId}) belongs to no activation` });

  const cap = (list: Finding[]) => list.slice(0, LIST_LIMIT);
  const late = latency(lateness);
  return {
    figures: {
      activations: run.activations.length,
      created: run.activations.filter((a) => a.request).length,
      granted: run.activations.filter((a) => (grants.get(a.key) ?? []).length > 0).length,
      kills: run.kills,
      restarts: run.restarts,
      worstLatenessMs: late.max,
      leftovers: leftovers.length,
      stuck: stuck.length,
      doubleGrants: doubleGrants.length,
      auditGaps: auditGaps.length,
      wrongGrants: wrongGrants.length,
      earlyRevocations: early.length,
      unexpectedOutcomes: unexpected.length,
      neverGranted: neverGranted.length,
      driverProblems: run.activations.filter((a) => a.problems.length > 0).length,
    },
    latenessMs: late,
    grantDelayMs: latency(grantDelay),
    outcomes: tally(rows.map((r) => r.status)),
    scenarios: tally(run.activations.map((a) => `${a.decision === 'none' ? 'no approval' : a.decision}${mayHoldLabel(a)}${a.futureStart ? ', future start' : ''}`)),
    restartMs: latency(run.host.startMs.slice(1)),
    clientRetries: run.api.retried,
    client5xx: tally(run.api.fiveXx.map((f) => `${f.status} ${f.code ?? ''} ${f.what.replace(/[0-9a-f-]{36}/g, '{id}')}`)),
    slotBusyWaits: run.slotBusyWaits,
    polls: run.polls,
    restartFailures: run.restartFailures,
    findings: {
      leftovers: cap(leftovers),
      stuck: cap(stuck),
      doubleGrants: cap(doubleGrants),
      auditGaps: cap(auditGaps),
      wrongGrants: cap(wrongGrants),
      earlyRevocations: cap(early),
      unexpectedOutcomes: cap(unexpected),
      neverGranted: cap(neverGranted),
    },
    activations: rows,
  };
}

const mayHoldLabel = (a: Activation) => (a.decision === 'none' || a.decision === 'approve' ? `, ${a.ending}` : '');
const iso = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? undefined : new Date(ms).toISOString());

/**
 * Which activation each directory assignment belongs to: the slot's latest activation sent
 * before the assignment was first seen (a slot's activations follow one another).
 */
function attribute(activations: Activation[], observed: Map<string, Observed>): Map<number, Observed[]> {
  const bySlot = new Map<string, Activation[]>();
  for (const a of activations) {
    const key = slotKey(a.slot.userId, a.slot.roleId);
    bySlot.set(key, [...(bySlot.get(key) ?? []), a]);
  }
  const out = new Map<number, Observed[]>();
  for (const o of [...observed.values()].sort((x, y) => x.firstSeen - y.firstSeen)) {
    const owner = (bySlot.get(slotKey(o.principalId, o.roleDefinitionId)) ?? []).filter((a) => a.sentAt <= o.firstSeen).sort((x, y) => x.sentAt - y.sentAt).at(-1);
    if (owner) out.set(owner.key, [...(out.get(owner.key) ?? []), o]);
  }
  return out;
}

function indexAudit(records: AuditRecord[]) {
  const by = (key: string) => {
    const map = new Map<string, AuditRecord[]>();
    for (const r of records) {
      const value = r.additionalDetails.find((d) => d.key === key)?.value;
      if (value) map.set(value, [...(map.get(value) ?? []), r]);
    }
    return map;
  };
  return { request: by('requestId'), schedule: by('scheduleId') };
}

/** The audit records each step of this activation must have left. */
function auditGapsOf(a: Activation, request: RequestJson, audit: ReturnType<typeof indexAudit>, granted: boolean, revoked: boolean): string[] {
  const gaps: string[] = [];
  const has = (records: AuditRecord[] | undefined, activity: string, extra: (r: AuditRecord) => boolean = () => true) =>
    (records ?? []).some((r) => r.activityDisplayName === activity && extra(r));
  const detail = (r: AuditRecord, key: string) => r.additionalDetails.find((d) => d.key === key)?.value;
  const ofRequest = audit.request.get(request.id);
  const ofSchedule = audit.schedule.get(request.targetScheduleId ?? '');
  const need = (ok: boolean, what: string) => {
    if (!ok) gaps.push(`no '${what}' record`);
  };

  need(has(ofRequest, 'Add member to role requested (PIM activation)') || has(ofRequest, 'Add member to role request approval requested (PIM activation)'), 'requested');
  if (a.decision === 'approve' && a.decidedAt) need(has(ofRequest, 'Add member to role request approved (PIM activation)'), 'approved');
  if (a.decision === 'deny' && a.decidedAt) {
    need(has(ofRequest, 'Add member to role request denied (PIM activation)', (r) => detail(r, 'decision') === 'Denied'), 'denied (decision)');
    need(has(ofRequest, 'Add member to role request denied (PIM activation)', (r) => detail(r, 'reason') !== undefined), 'denied (request ended)');
  }
  if (request.status === 'Canceled') need(has(ofRequest, 'Add member to role request canceled (PIM activation)'), 'canceled');
  if (request.status === 'Failed') need(has(ofRequest, 'Add member to role request failed (PIM activation)'), 'failed');
  if (granted) need(has(ofSchedule, 'Role assignment granted in the directory by PIM'), 'granted in the directory');
  if (revoked) need(has(ofSchedule, 'Role assignment removed from the directory by PIM'), 'removed from the directory');
  if (a.followUpRequestId) {
    const activity = a.ending === 'removed' ? 'Remove member from role in PIM completed' : 'Update member of role in PIM completed';
    need(has(audit.request.get(a.followUpRequestId), activity), activity);
  }
  return gaps.map((g) => `${g} (request ${request.id})`);
}

async function scheduleStatus(run: CrashRun, id: string): Promise<string | undefined> {
  const reply = await run.api.call('admin', 'GET', `/v1.0/roleManagement/directory/roleAssignmentSchedules/${id}`);
  const parsed = scheduleJson.safeParse(reply.body);
  return parsed.success ? parsed.data.status : `(GET answered ${reply.status})`;
}

/** The activation workflow's Durable status, to tell a lost workflow from a slow one. */
async function runtimeStatus(run: CrashRun, instanceId: string): Promise<string> {
  try {
    const res = await fetch(`${run.host.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}`);
    if (res.status === 404) return 'no workflow instance';
    const body = z.object({ runtimeStatus: z.string() }).safeParse(await res.json());
    return body.success ? `workflow ${body.data.runtimeStatus}` : `workflow status ${res.status}`;
  } catch (error) {
    return `workflow status unknown: ${String(error)}`;
  }
}
