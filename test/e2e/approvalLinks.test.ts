import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import { newNonce, signLink } from '../../shared/app/approvalLinks';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

let app: AppHost;
let requestId: string;
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';

async function as(user: string, method: string, path: string, json?: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await app.token(user, { mfa: true })}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** What the approval mail would carry for this approver. */
function linkFor(approverId: string, expiresInMs = 3_600_000, id = requestId): string {
  return `/approvals/${signLink(deps().linkSigner, { requestId: id, stage: 0, approverId, expiresAt: new Date(Date.now() + expiresInMs), nonce: newNonce() })}`;
}

async function open(path: string) {
  const res = await fetch(`${app.url}${path}`);
  const csrf = /pim_csrf=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
  return { status: res.status, html: await res.text(), csrf, headers: res.headers };
}

async function submit(path: string, csrf: string, fields: Record<string, string>, signedInAs?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: `pim_csrf=${csrf}` };
  if (signedInAs) headers['x-ms-client-principal-id'] = signedInAs;
  const res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body: new URLSearchParams({ csrf, ...fields }).toString() });
  return { status: res.status, html: await res.text() };
}

async function stateSnapshot() {
  const approval = await deps().approvals.get(requestId);
  return { approval: JSON.stringify(approval?.value), audit: (await deps().audit.list()).length };
}

beforeAll(async () => {
  app = await startAppHost();
  const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.security}/rules/Approval_EndUser_Assignment`;
  expect((await as('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] } })).status).toBe(204);
  expect((await as('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', { action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } })).status).toBe(201);
  const req = await as('alice', 'POST', REQUESTS, {
    action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/', justification: 'Rotate the leaked key',
    ticketInfo: { ticketNumber: 'INC-7', ticketSystem: 'ServiceNow' }, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } },
  });
  requestId = String(req.body.id);
});

afterAll(async () => {
  await app?.host.stop();
});

describe('emailed approve/deny links', () => {
  it('GET shows the request, and GET, HEAD and OPTIONS change nothing and write no audit', async () => {
    const before = await stateSnapshot();
    const link = linkFor(USERS.bob);
    const page = await open(link);
    expect(page.status).toBe(200);
    for (const text of ['Alice Anders', 'Security Administrator', 'Rotate the leaked key', 'INC-7 (ServiceNow)', 'Approve', 'Deny', 'for="justification"']) {
      expect(page.html).toContain(text);
    }
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.html).not.toMatch(/<(script|link|img)\b/);
    expect((await fetch(`${app.url}${link}`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${app.url}${link}`, { method: 'OPTIONS' })).status).toBe(204);
    await open(link);
    expect(await stateSnapshot()).toEqual(before);
  });

  it('refuses tampered, expired, forged-form and not-signed-in posts with a clear page, changing nothing', async () => {
    const before = await stateSnapshot();
    const link = linkFor(USERS.bob);
    const tampered = `${link.slice(0, -3)}${link.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
    expect((await open(tampered)).status).toBe(400);
    expect((await open(linkFor(USERS.bob, -1_000))).status).toBe(410);
    const page = await open(link);
    expect((await submit(link, 'not-the-cookie', { decision: 'Approve', justification: 'x' })).status).toBe(403);
    const anonymous = await submit(link, page.csrf, { decision: 'Approve', justification: 'x' });
    expect(anonymous.status).toBe(403);
    expect(anonymous.html).toContain('Sign in');
    const wrongUser = await submit(link, page.csrf, { decision: 'Approve', justification: 'x' }, USERS.carol);
    expect(wrongUser.status).toBe(403);
    expect(await stateSnapshot()).toEqual(before);
  });

  it('refuses another approver\'s token and the requester\'s own', async () => {
    const before = await stateSnapshot();
    const notAnApprover = linkFor(USERS.dave);
    const page = await open(notAnApprover);
    expect((await submit(notAnApprover, page.csrf, { decision: 'Approve', justification: 'x' }, USERS.dave)).status).toBe(403);
    expect((await open(linkFor(USERS.alice))).status).toBe(403);
    expect(await stateSnapshot()).toEqual(before);
  });

  it('POST decides once: the role is granted, and the same link again is refused', async () => {
    const link = linkFor(USERS.bob);
    const page = await open(link);
    const done = await submit(link, page.csrf, { decision: 'Approve', justification: 'Confirmed on the bridge call' }, USERS.bob);
    expect(done.status).toBe(200);
    expect(done.html).toContain('You approved Alice Anders&#39;s request for Security Administrator');
    await eventually(async () => ((await app.graph.listAssignments()).some((a) => a.principalId === USERS.alice && a.roleDefinitionId === ROLES.security) ? true : undefined));
    const again = await submit(link, page.csrf, { decision: 'Deny', justification: 'changed' }, USERS.bob);
    expect(again.status).toBe(409);
    const other = linkFor(USERS.bob);
    const decided = await open(other);
    expect(decided.status).toBe(409);
    expect(decided.html).toContain('approved by Bob Baker');
  });
});

describe('an approval link survives a failed attempt and is spent by a recorded decision', () => {
  let quorumRequestId: string;

  beforeAll(async () => {
    // Two approvals needed, so the stage stays open after bob's and only the link's nonce refuses his replay.
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.helpdesk}/rules/Approval_EndUser_Assignment`;
    const approvers = [USERS.bob, USERS.carol].map((userId) => ({ '@odata.type': '#microsoft.graph.singleUser', userId }));
    expect((await as('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: approvers, quorum: { approvalsRequired: 2 } }] } })).status).toBe(204);
    expect((await as('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', { action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } })).status).toBe(201);
    const req = await as('alice', 'POST', REQUESTS, {
      action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'Unlock the CEO account',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(req.status).toBe(201);
    quorumRequestId = String(req.body.id);
  });

  /** Runs `work` while the next approval write fails, as a storage timeout would. */
  async function withApprovalWriteFailingOnce<T>(work: () => Promise<T>): Promise<T> {
    const app = deps();
    const real = app.approvals;
    app.approvals = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'replace') return Reflect.get(target, prop, receiver) as unknown;
        return async () => {
          app.approvals = real;
          throw Object.assign(new Error('Operation timed out (simulated storage outage)'), { code: 'ETIMEDOUT' });
        };
      },
    });
    try {
      return await work();
    } finally {
      app.approvals = real;
    }
  }

  it('a failed attempt leaves the link usable; the recorded decision spends it; a replay is refused with 409', async () => {
    const link = linkFor(USERS.bob, 3_600_000, quorumRequestId);
    const page = await open(link);
    expect(page.status).toBe(200);

    const failed = await withApprovalWriteFailingOnce(() => submit(link, page.csrf, { decision: 'Approve', justification: 'Checked with the CEO' }, USERS.bob));
    expect(failed.status).toBe(500);
    expect(failed.html).toContain('Your decision may not have been recorded');
    expect((await deps().approvals.get(quorumRequestId))?.value.steps[0]?.decisions ?? []).toEqual([]);

    // The same link, again: still shows the request and records the decision.
    const again = await open(link);
    expect(again.status).toBe(200);
    const done = await submit(link, again.csrf, { decision: 'Approve', justification: 'Checked with the CEO' }, USERS.bob);
    expect(done.status).toBe(200);
    expect(done.html).toContain('You approved Alice Anders&#39;s request');
    expect((await deps().approvals.get(quorumRequestId))?.value.steps[0]?.decisions).toHaveLength(1);

    // The stage still waits for carol, so it is the spent nonce that refuses bob's link now.
    const replay = await submit(link, again.csrf, { decision: 'Deny', justification: 'changed my mind' }, USERS.bob);
    expect(replay.status).toBe(409);
    expect(replay.html).toContain('This link was already used');
    expect((await deps().approvals.get(quorumRequestId))?.value.steps[0]?.decisions).toHaveLength(1);
  });
});
