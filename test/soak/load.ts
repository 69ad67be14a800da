/**
 * The load part: open-loop traffic at a fixed rate (sends are scheduled by the clock and never
 * wait for earlier answers), about 80% reads and 20% writes. Writes cycle the 48 demo slots:
 * selfActivate a free one (as its user), adminRemove an active one (as admin).
 */
import { z } from 'zod';
import { latency, tally } from './report';
import { allSlots, Api, errorCode, GRAPH_ASSIGNMENTS, makeEligible, memoryOf, type Reply, REQUESTS, requestJson, type Slot, sleep, SoakHost, users } from './setup';

export interface LoadOptions {
  ratePerSecond: number;
  seconds: number;
}

type Kind = 'roleDefinitions' | 'policyAssignments' | 'myActiveInstances' | 'myEligibleSchedules' | 'requestById' | 'selfActivate' | 'adminRemove';
const READS: Kind[] = ['roleDefinitions', 'policyAssignments', 'myActiveInstances', 'myEligibleSchedules', 'requestById'];

interface Sample {
  kind: Kind;
  ms: number;
  /** HTTP status, or 0 when no answer came (connection error, 60 s timeout). */
  status: number;
  code?: string;
}

interface SlotState {
  slot: Slot;
  state: 'free' | 'activating' | 'active' | 'removing';
  since: number;
}

const POLICY_ASSIGNMENTS = `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent("scopeId eq '/' and scopeType eq 'DirectoryRole'")}&$expand=${encodeURIComponent('policy($expand=rules)')}`;

export async function runLoad(storage: string, options: LoadOptions) {
  const host = await SoakHost.create('load', storage);
  await host.start();
  try {
    const api = await Api.signIn(host.url, false);
    const slots: SlotState[] = allSlots().map((slot) => ({ slot, state: 'free', since: 0 }));
    await makeEligible(api, slots.map((s) => s.slot));
    const recent: Array<{ user: string; id: string }> = [];
    const samples: Sample[] = [];
    const inFlight = new Set<Promise<void>>();
    let busySlotWrites = 0;

    const read = (kind: Kind, n: number): Promise<Reply> => {
      const user = users[n % users.length]?.alias ?? 'alice';
      const mine = recent[n % Math.max(1, recent.length)];
      switch (kind) {
        case 'policyAssignments':
          return api.send(user, 'GET', POLICY_ASSIGNMENTS);
        case 'myActiveInstances':
          return api.send(user, 'GET', "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')");
        case 'myEligibleSchedules':
          return api.send(user, 'GET', "/v1.0/roleManagement/directory/roleEligibilitySchedules/filterByCurrentUser(on='principal')");
        case 'requestById':
          if (mine) return api.send(mine.user, 'GET', `${REQUESTS}/${mine.id}`);
          return api.send(user, 'GET', '/v1.0/roleManagement/directory/roleDefinitions');
        default:
          return api.send(user, 'GET', '/v1.0/roleManagement/directory/roleDefinitions');
      }
    };

    /** The next write: activate the slot free longest, else remove the one active longest. */
    const write = (): { kind: Kind; go: () => Promise<Reply>; settle: (r: Reply | undefined) => void } => {
      const oldest = (state: SlotState['state']) => slots.filter((s) => s.state === state).sort((a, b) => a.since - b.since)[0];
      const idle = oldest('free') ?? oldest('active');
      // Every slot has a write in flight: send one anyway (open loop), knowing it may be refused.
      if (!idle) busySlotWrites++;
      const target = idle ?? slots[Math.floor(Math.random() * slots.length)];
      if (!target) throw new Error('no slots');
      const { slot } = target;
      const body = { principalId: slot.userId, roleDefinitionId: slot.roleId, directoryScopeId: '/' };
      const mark = (state: SlotState['state']) => Object.assign(target, { state, since: Date.now() });
      if (target.state === 'active') {
        mark('removing');
        return {
          kind: 'adminRemove',
          go: () => api.send('admin', 'POST', REQUESTS, { ...body, action: 'adminRemove', justification: 'soak load' }),
          settle: (r) => mark(r?.status === 201 || (r && errorCode(r) === 'RoleAssignmentDoesNotExist') ? 'free' : 'active'),
        };
      }
      mark('activating');
      return {
        kind: 'selfActivate',
        go: () =>
          api.send(slot.user, 'POST', REQUESTS, {
            ...body,
            action: 'selfActivate',
            justification: 'soak load',
            scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
          }),
        settle: (r) => {
          if (r?.status === 201) recent.push({ user: slot.user, id: requestJson.parse(r.body).id });
          mark(r?.status === 201 || (r && errorCode(r) === 'RoleAssignmentExists') ? 'active' : 'free');
        },
      };
    };

    const fire = (n: number) => {
      const isWrite = n % 5 === 4;
      const w = isWrite ? write() : undefined;
      const kind = w?.kind ?? READS[Math.floor(n / 5) % READS.length] ?? 'roleDefinitions';
      const began = performance.now();
      const done = (w ? w.go() : read(kind, n)).then(
        (reply) => {
          samples.push({ kind, ms: performance.now() - began, status: reply.status, code: reply.status >= 400 ? errorCode(reply) : undefined });
          w?.settle(reply);
        },
        (error: unknown) => {
          samples.push({ kind, ms: performance.now() - began, status: 0, code: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error) });
          w?.settle(undefined);
        },
      );
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    };

    // Warm-up (not counted): the first call of each route compiles and creates tables.
    for (let n = 0; n < 10; n++) await read(READS[n % READS.length] ?? 'roleDefinitions', n);

    const total = Math.round(options.ratePerSecond * options.seconds);
    const interval = 1000 / options.ratePerSecond;
    const t0 = performance.now();
    let lateSends = 0;
    for (let n = 0; n < total; n++) {
      const due = t0 + n * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -interval) lateSends++;
      fire(n);
    }
    const sendSeconds = (performance.now() - t0) / 1000;
    const drainDeadline = Date.now() + 90_000;
    while (inFlight.size > 0 && Date.now() < drainDeadline) await sleep(100);
    const allSeconds = (performance.now() - t0) / 1000;
    const memory = memoryOf(host.pid);
    const consistency = await settleCheck(host, slots);

    const summary = (list: Sample[]) => ({
      sent: list.length,
      completed: list.filter((s) => s.status > 0).length,
      latencyMs: latency(list.filter((s) => s.status > 0).map((s) => s.ms)),
      statuses: tally(list.map((s) => String(s.status))),
      errors: tally(list.filter((s) => s.status >= 400 || s.status === 0).map((s) => `${s.status} ${s.code ?? ''}`.trim())),
    });
    const perKind = Object.fromEntries([...READS, 'selfActivate', 'adminRemove'].map((k) => [k, summary(samples.filter((s) => s.kind === k))]));
    return {
      target: { ratePerSecond: options.ratePerSecond, seconds: options.seconds, requests: total, mix: '80% reads (5 kinds in turn), 20% writes' },
      overall: summary(samples),
      achieved: {
        sendRatePerSecond: Number((total / sendSeconds).toFixed(1)),
        completedRatePerSecond: Number((samples.filter((s) => s.status > 0).length / allSeconds).toFixed(1)),
        sendsMoreThanOneIntervalLate: lateSends,
        unanswered: inFlight.size,
      },
      busySlotWrites,
      fiveXx: samples.filter((s) => s.status >= 500).length,
      perKind,
      devhostMemory: memory ?? 'not available on this OS',
      directoryConsistency: consistency,
      explanation4xx:
        `There are only ${slots.length} (user, role) slots. When every slot already has a write in flight (busySlotWrites), the next write goes to one of them anyway: ` +
        'a selfActivate there meets RoleAssignmentExists (or PendingRoleAssignmentRequest), an adminRemove RoleAssignmentDoesNotExist. Those are expected; any other 4xx is not.',
    };
  } finally {
    await host.stop();
  }
}

/**
 * After the load: does the directory agree with what the clients were told? Slots the clients
 * saw activated should hold the role, slots they saw removed should not (given up to 30 s).
 */
async function settleCheck(host: SoakHost, slots: SlotState[]) {
  const began = Date.now();
  let mismatched: string[];
  do {
    const res = await fetch(`${host.url}${GRAPH_ASSIGNMENTS}`);
    const held = new Set(z.object({ value: z.array(z.object({ principalId: z.string(), roleDefinitionId: z.string() })) }).parse(await res.json()).value.map((a) => `${a.principalId}|${a.roleDefinitionId}`));
    mismatched = slots
      .filter((s) => (s.state === 'active') !== held.has(`${s.slot.userId}|${s.slot.roleId}`))
      .map((s) => `${s.slot.user} ${s.slot.roleName}: client saw ${s.state}, directory ${held.has(`${s.slot.userId}|${s.slot.roleId}`) ? 'holds' : 'lacks'} the role`);
    if (mismatched.length === 0) break;
    await sleep(1_000);
  } while (Date.now() - began < 30_000);
  return { activeSlots: slots.filter((s) => s.state === 'active').length, mismatches: mismatched.length, details: mismatched.slice(0, 20), settledAfterMs: Date.now() - began };
}
