import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';
import { END_MARKER } from '../../shared/adapters/tables/auditExport';

let app: AppHost;
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
const ELIGIBILITY = '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests';
const policyOf = (roleId: string) => `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${roleId}`;
const REVOKED = 'Revoke sign-in sessions after early end in PIM';

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

const role = (principalId: string, roleDefinitionId: string) => ({ principalId, roleDefinitionId, directoryScopeId: '/' });

async function activated(user: keyof typeof USERS, roleDefinitionId: string): Promise<void> {
  const body = { action: 'adminAssign', ...role(USERS[user], roleDefinitionId), scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } };
  expect((await app.api('admin', 'POST', ELIGIBILITY, body)).status).toBe(201);
  const activation = { action: 'selfActivate', ...role(USERS[user], roleDefinitionId), justification: 'sessions test', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } } };
  expect((await app.api(user, 'POST', REQUESTS, activation)).status).toBe(201);
  await eventually(async () => ((await app.graph.listAssignments()).some((a) => a.principalId === USERS[user] && a.roleDefinitionId === roleDefinitionId) ? true : undefined));
}

async function assigned(user: keyof typeof USERS, roleDefinitionId: string): Promise<void> {
  const body = { action: 'adminAssign', ...role(USERS[user], roleDefinitionId), justification: 'project', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } };
  expect((await app.api('admin', 'POST', REQUESTS, body)).status).toBe(201);
}

async function removed(user: keyof typeof USERS, roleDefinitionId: string): Promise<void> {
  const res = await app.api('admin', 'POST', REQUESTS, { action: 'adminRemove', ...role(USERS[user], roleDefinitionId), justification: 'no longer needed' });
  expect(res.body.status).toBe('Revoked');
}

type SubscriptionCounts = { kind: string; name: string; active?: number; completed?: number; deadlettered?: number };

/** The sessions subscription's message counts, as devhost's bus shows them. */
async function sessionsSubscription(): Promise<SubscriptionCounts | undefined> {
  const overview = (await (await fetch(`${app.url}/.devhost/servicebus`)).json()) as { entities: SubscriptionCounts[] };
  return overview.entities.find((e) => e.kind === 'subscription' && e.name === 'sessions');
}

/** Waits until the sessions consumer has handled every event published so far (its subscription holds none). */
async function sessionsConsumerIdle(): Promise<void> {
  await eventually(async () => ((await sessionsSubscription())?.active === 0 ? true : undefined), 30_000);
}

/** Every message the sessions subscription has taken so far. */
async function sessionsTaken(): Promise<number> {
  const counts = await sessionsSubscription();
  return (counts?.active ?? 0) + (counts?.completed ?? 0) + (counts?.deadlettered ?? 0);
}

type Chained = { seq: number; record: { activityDisplayName: string; correlationId: string; targetResources: Array<{ id: string }> } };

/** The audit chain from a moment on, with each record's place (the export an auditor downloads). */
async function chainSince(from: string): Promise<Chained[]> {
  const res = await app.call('admin', `/v1.0/auditLogs/directoryAudits/export?format=jsonl&from=${encodeURIComponent(from)}`);
  expect(res.status).toBe(200);
  // Every line but the export's end marker (END_MARKER), which closes a complete export.
  const lines = (await res.text()).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Chained & { [END_MARKER]?: string });
  expect(lines.at(-1)?.[END_MARKER]).toBe('end');
  return lines.slice(0, -1);
}

/** The audit records of revocations for this user (through the audit API, as an auditor reads them). */
async function revocationRecords(userId: string): Promise<Array<Record<string, unknown>>> {
  const filter = encodeURIComponent(`activityDisplayName eq '${REVOKED}' and targetResources/any(t: t/id eq '${userId}')`);
  const res = await app.api('admin', 'GET', `/v1.0/auditLogs/directoryAudits?$filter=${filter}`);
  expect(res.status).toBe(200);
  return res.body.value as Array<Record<string, unknown>>;
}

const setPolicy = async (roleId: string, value: boolean | null) => expect((await app.api('admin', 'PATCH', policyOf(roleId), { pimRevokeSessionsOnEarlyEnd: value })).status).toBe(204);

describe("revoking a user's sign-in sessions when access ends early", () => {
  it('revokes once when a holder deactivates a privileged role, through Graph throttling, and audits it', async () => {
    await activated('dave', ROLES.userAdmin);
    // More 429s than the Graph client retries by itself: the first delivery fails, the bus delivers the event again.
    const fault = { status: 429, count: 5, retryAfterSeconds: 0, method: 'POST', pathContains: 'revokeSignInSessions' };
    expect((await fetch(`${app.url}/.devhost/graph/faults`, { method: 'POST', body: JSON.stringify(fault) })).status).toBeLessThan(300);
    const deactivated = await app.later(6 * 60_000, () => app.api('dave', 'POST', REQUESTS, { action: 'selfDeactivate', ...role(USERS.dave, ROLES.userAdmin) }));
    expect(deactivated.body.status).toBe('Revoked');
    await eventually(async () => (app.graph.revocationsOf(USERS.dave) === 1 ? true : undefined), 60_000);
    const faults = (await (await fetch(`${app.url}/.devhost/graph/faults`)).json()) as { pending: unknown[]; injected: number };
    expect(faults.pending).toEqual([]);
    await sessionsConsumerIdle();
    await app.relayOutbox();
    await sessionsConsumerIdle();
    expect(app.graph.revocationsOf(USERS.dave)).toBe(1);
    const records = await revocationRecords(USERS.dave);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ result: 'success', initiatedBy: { user: null, app: { displayName: 'PIM' } } });
  }, 120_000);

  it('revokes on an admin removal of a privileged role by default, with the removal itself, not when its policy says no', async () => {
    await assigned('carol', ROLES.security);
    await sessionsConsumerIdle();
    const [taken, since] = [await sessionsTaken(), new Date().toISOString()];
    await removed('carol', ROLES.security);
    // Revoked before the removal answered, and recorded in the removal's own chain append: the
    // revocation's record right after the removal's (the role's own removal record between).
    expect(app.graph.revocationsOf(USERS.carol)).toBe(1);
    const chain = (await chainSince(since)).filter((c) => c.record.targetResources.some((t) => t.id === USERS.carol));
    const removal = chain.find((c) => c.record.activityDisplayName === 'Remove member from role in PIM completed');
    const revocation = chain.find((c) => c.record.activityDisplayName === REVOKED);
    expect(removal && revocation && revocation.seq - removal.seq).toBe(2);
    expect(chain.filter((c) => removal && revocation && c.seq > removal.seq && c.seq < revocation.seq).map((c) => c.record.correlationId)).toEqual([removal?.record.correlationId]);
    // The early end's event went out marked revoked: the sessions subscription's rule kept it off.
    await app.relayOutbox();
    await sessionsConsumerIdle();
    expect(await sessionsTaken()).toBe(taken);
    expect(app.graph.revocationsOf(USERS.carol)).toBe(1);
    expect(await revocationRecords(USERS.carol)).toHaveLength(1);

    await setPolicy(ROLES.helpdesk, false);
    await assigned('erin', ROLES.helpdesk);
    await removed('erin', ROLES.helpdesk);
    await sessionsConsumerIdle();
    expect(app.graph.revocationsOf(USERS.erin)).toBe(0);
    expect(await revocationRecords(USERS.erin)).toEqual([]);
  }, 60_000);

  it('revokes for a role that is not privileged only when its policy asks, and never at natural expiry', async () => {
    await assigned('bob', ROLES.globalReader);
    await removed('bob', ROLES.globalReader);
    await sessionsConsumerIdle();
    expect(app.graph.revocationsOf(USERS.bob)).toBe(0);

    await setPolicy(ROLES.globalReader, true);
    await assigned('bob', ROLES.globalReader);
    await removed('bob', ROLES.globalReader);
    await eventually(async () => (app.graph.revocationsOf(USERS.bob) === 1 ? true : undefined), 30_000);

    // An activation of a privileged role that runs to its end: the holder's sessions stay.
    await activated('alice', ROLES.appAdmin);
    await app.later(2 * 3_600_000, () => app.reconcile());
    await eventually(async () => ((await app.graph.listAssignments()).some((a) => a.principalId === USERS.alice && a.roleDefinitionId === ROLES.appAdmin) ? undefined : true));
    await sessionsConsumerIdle();
    expect(app.graph.revocationsOf(USERS.alice)).toBe(0);
  }, 90_000);

  it('refuses a policy setting that is not true, false or null, naming the fix', async () => {
    const res = await app.api('admin', 'PATCH', policyOf(ROLES.exchange), { pimRevokeSessionsOnEarlyEnd: 'yes' });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/pimRevokeSessionsOnEarlyEnd must be true, false or null/);
  });
});
