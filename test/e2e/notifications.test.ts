import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import type { DomainEvent } from '../../shared/domain/events';
import { eventually } from '../devhost/helpers';
import { capturePublished, startAppHost, TENANT_ID, type AppHost, type DevMail } from './appHost';
import { GROUPS, ROLES, USERS } from './demo';

let app: AppHost;
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
const APPROVALS = '/v1.0/roleManagement/directory/roleAssignmentApprovals';
const address = (alias: string) => `${alias}@contoso.test`;
const user = (userId: string) => ({ '@odata.type': '#microsoft.graph.singleUser', userId });
const group = (groupId: string) => ({ '@odata.type': '#microsoft.graph.groupMembers', groupId });

/** Every event the app publishes, captured on its way to the bus. */
const published: DomainEvent[] = [];

beforeAll(async () => {
  app = await startAppHost();
  await capturePublished(published);
});

afterAll(async () => {
  await app?.host.stop();
});

async function requireApproval(roleId: string, stages: unknown[]) {
  const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${roleId}/rules/Approval_EndUser_Assignment`;
  const res = await app.api('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: stages } });
  expect(res.status, JSON.stringify(res.body)).toBe(204);
}

async function makeEligible(principalId: string, roleDefinitionId: string) {
  const res = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
    action: 'adminAssign', principalId, roleDefinitionId, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  expect(res.status).toBe(201);
}

async function activate(alias: keyof typeof USERS, roleDefinitionId: string, duration = 'PT1H') {
  const res = await app.api(alias, 'POST', REQUESTS, {
    action: 'selfActivate', principalId: USERS[alias], roleDefinitionId, directoryScopeId: '/', justification: `notify test ${alias}`,
    ticketInfo: { ticketNumber: 'CHG-42', ticketSystem: 'Jira' }, scheduleInfo: { expiration: { type: 'afterDuration', duration } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; approvalId: string | null; status: string };
}

/** Mails to `alias` whose subject contains `subject`, once at least `count` arrived. */
async function mailsWith(alias: string, subject: string, count = 1): Promise<DevMail[]> {
  return eventually(async () => {
    const found = (await app.mailTo(address(alias))).filter((m) => m.subject.includes(subject));
    return found.length >= count ? found : undefined;
  }, 15_000, 100);
}

async function countMails(alias: string, subject: string): Promise<number> {
  return (await app.mailTo(address(alias))).filter((m) => m.subject.includes(subject)).length;
}

async function steps(approvalId: string) {
  return (await app.api('admin', 'GET', `${APPROVALS}/${approvalId}`)).body.steps as Array<{ id: string; status: string; reviewResult: string; decisions: unknown[] }>;
}

const decide = (alias: string, approvalId: string, stepId: string, reviewResult: 'Approve' | 'Deny') =>
  app.api(alias, 'PATCH', `${APPROVALS}/${approvalId}/steps/${stepId}`, { reviewResult, justification: `${alias} decided` });

const statusOf = async (id: string) => (await app.api('admin', 'GET', `${REQUESTS}/${id}`)).body.status;

describe('approval mail', () => {
  it('asks each approver with their own link, never the requester, and tells everyone the outcome once', async () => {
    // Alice is named as an approver of her own role: she must still never be asked.
    await requireApproval(ROLES.exchange, [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: false, primaryApprovers: [group(GROUPS.approvers), user(USERS.alice)] }]);
    await makeEligible(USERS.alice, ROLES.exchange);
    const request = await activate('alice', ROLES.exchange);
    expect(request.status).toBe('PendingApproval');

    const [bobMail] = await mailsWith('bob', 'Approval needed: Alice Anders requests Exchange Administrator');
    const [carolMail] = await mailsWith('carol', 'Approval needed: Alice Anders requests Exchange Administrator');
    const bobLink = bobMail?.links.find((l) => l.includes('/approvals/'));
    const carolLink = carolMail?.links.find((l) => l.includes('/approvals/'));
    expect(bobLink).toBeDefined();
    expect(carolLink).toBeDefined();
    expect(bobLink).not.toBe(carolLink);
    for (const detail of ['Exchange Administrator', 'notify test alice', 'CHG-42', 'Directory']) expect(bobMail?.body).toContain(detail);
    expect(await countMails('alice', 'Approval needed')).toBe(0);

    const [step] = await steps(request.approvalId ?? '');
    expect((await decide('bob', request.approvalId ?? '', step?.id ?? '', 'Approve')).status).toBe(204);
    await mailsWith('alice', 'Approved: your request for Exchange Administrator');
    const [fyi] = await mailsWith('carol', 'Approved by Bob Baker');
    expect(fyi?.links.some((l) => l.includes('/approvals/'))).toBe(false);
    await mailsWith('alice', 'Alice Anders activated Exchange Administrator');

    // A redelivered event (new message id, so the bus cannot drop it) mails nobody again.
    const needed = published.find((e) => e.type === 'approval.needed' && e.request?.id === request.id);
    expect(needed).toBeDefined();
    const res = await fetch(`${app.url}/.devhost/servicebus/topics/pim-events/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: needed, messageId: `replay-${needed?.id}` }),
    });
    expect(res.status).toBe(201);
    await eventually(async () => ((await deps().notifications.list(needed?.id)).length >= 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await countMails('bob', 'Approval needed: Alice Anders requests Exchange Administrator')).toBe(1);
    expect(await countMails('carol', 'Approval needed: Alice Anders requests Exchange Administrator')).toBe(1);
  });
});

describe('cancellation', () => {
  it('tells the approvers still asked that a canceled request needs nothing more', async () => {
    await requireApproval(ROLES.privRole, [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: false, primaryApprovers: [user(USERS.dave)] }]);
    await makeEligible(USERS.alice, ROLES.privRole);
    const request = await activate('alice', ROLES.privRole);
    await mailsWith('dave', 'Approval needed: Alice Anders requests Privileged Role Administrator');
    expect((await app.api('alice', 'POST', `${REQUESTS}/${request.id}/cancel`)).status).toBe(204);
    await mailsWith('dave', "Canceled: Alice Anders's request for Privileged Role Administrator");
    expect(await countMails('alice', 'Canceled')).toBe(0);
  });
});

describe('quorum', () => {
  it('needs N distinct approvers: the same approver twice does not count', async () => {
    await requireApproval(ROLES.helpdesk, [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: false, primaryApprovers: [user(USERS.bob), user(USERS.carol), user(USERS.dave)], quorum: { approvalsRequired: 2, denyMode: 'any' } }]);
    await makeEligible(USERS.erin, ROLES.helpdesk);
    const request = await activate('erin', ROLES.helpdesk);
    const approvalId = request.approvalId ?? '';
    const stepId = (await steps(approvalId))[0]?.id ?? '';
    expect((await decide('bob', approvalId, stepId, 'Approve')).status).toBe(204);
    const again = await decide('bob', approvalId, stepId, 'Approve');
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('ApprovalAlreadyRecorded');
    const [afterOne] = await steps(approvalId);
    expect(afterOne?.status).toBe('InProgress');
    expect(afterOne?.decisions).toHaveLength(1);
    expect(await statusOf(request.id)).toBe('PendingApproval');
    expect((await decide('carol', approvalId, stepId, 'Approve')).status).toBe(204);
    await eventually(async () => ((await statusOf(request.id)) === 'Provisioned' ? true : undefined));
    expect((await steps(approvalId))[0]).toMatchObject({ status: 'Completed', reviewResult: 'Approved' });
  });

  it('with denyMode majority, one deny does not end the request but a majority does', async () => {
    await requireApproval(ROLES.appAdmin, [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: false, primaryApprovers: [user(USERS.bob), user(USERS.carol), user(USERS.dave)], quorum: { approvalsRequired: 2, denyMode: 'majority' } }]);
    await makeEligible(USERS.erin, ROLES.appAdmin);
    const request = await activate('erin', ROLES.appAdmin);
    const approvalId = request.approvalId ?? '';
    const stepId = (await steps(approvalId))[0]?.id ?? '';
    expect((await decide('bob', approvalId, stepId, 'Deny')).status).toBe(204);
    expect(await statusOf(request.id)).toBe('PendingApproval');
    expect((await decide('carol', approvalId, stepId, 'Deny')).status).toBe(204);
    await eventually(async () => ((await statusOf(request.id)) === 'Denied' ? true : undefined));
    await mailsWith('erin', 'Denied: your request for Application Administrator');
  });

  it('concurrent approve and deny end in one consistent outcome with at most one grant', async () => {
    await requireApproval(ROLES.globalAdmin, [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: false, primaryApprovers: [group(GROUPS.approvers)] }]);
    await makeEligible(USERS.erin, ROLES.globalAdmin);
    const request = await activate('erin', ROLES.globalAdmin, 'PT10M');
    const approvalId = request.approvalId ?? '';
    const stepId = (await steps(approvalId))[0]?.id ?? '';
    const results = await Promise.all([decide('bob', approvalId, stepId, 'Approve'), decide('carol', approvalId, stepId, 'Deny')]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    const [step] = await steps(approvalId);
    const approved = step?.reviewResult === 'Approved';
    expect(step?.decisions).toHaveLength(1);
    const final = approved ? 'Provisioned' : 'Denied';
    await eventually(async () => ((await statusOf(request.id)) === final ? true : undefined));
    const grants = (await app.graph.listAssignments()).filter((a) => a.principalId === USERS.erin && a.roleDefinitionId === ROLES.globalAdmin);
    expect(grants).toHaveLength(approved ? 1 : 0);
  });

  it('refuses a quorum larger than the named approvers, naming the fix', async () => {
    const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.appAdmin}/rules/Approval_EndUser_Assignment`;
    const res = await app.api('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [user(USERS.bob)], quorum: { approvalsRequired: 3 } }] } });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toContain('needs 3 approvals but names only 1 approver');
  });
});

describe('escalation', () => {
  it('hands an undecided stage to the escalation approvers after escalationTimeInMinutes', async () => {
    await requireApproval(ROLES.userAdmin, [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: false, primaryApprovers: [user(USERS.bob)], isEscalationEnabled: true, escalationTimeInMinutes: 30, escalationApprovers: [user(USERS.dave)] }]);
    await makeEligible(USERS.carol, ROLES.userAdmin);
    const request = await activate('carol', ROLES.userAdmin);
    const approvalId = request.approvalId ?? '';
    const stepId = (await steps(approvalId))[0]?.id ?? '';
    // Before the escalation Dave is no approver: the approval is not even visible to him.
    expect((await decide('dave', approvalId, stepId, 'Approve')).status).toBe(404);
    await app.later(31 * 60_000, async () => {
      await app.reconcile();
    });
    const [mail] = await mailsWith('dave', 'Escalated approval: Carol');
    expect(mail?.links.some((l) => l.includes('/approvals/'))).toBe(true);
    expect((await decide('dave', approvalId, stepId, 'Approve')).status).toBe(204);
    await eventually(async () => ((await statusOf(request.id)) === 'Provisioned' ? true : undefined));
  });
});

describe('holders and admins', () => {
  it('tells admins about a privileged role activation, and the holder once when it is about to expire', async () => {
    // Adele holds Global Administrator in the directory: a default admin recipient.
    const made = await fetch(`${app.url}/.devhost/graph/v1.0/roleManagement/directory/roleAssignments`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ principalId: USERS.admin, roleDefinitionId: ROLES.globalAdmin, directoryScopeId: '/' }),
    });
    expect(made.status).toBe(201);
    await makeEligible(USERS.dave, ROLES.security);
    const request = await activate('dave', ROLES.security, 'PT10M');
    await eventually(async () => ((await statusOf(request.id)) === 'Provisioned' ? true : undefined));
    await mailsWith('admin', 'Dave');
    await app.reconcile();
    await mailsWith('dave', 'Security Administrator expires in');
    await app.reconcile();
    await new Promise((r) => setTimeout(r, 500));
    expect(await countMails('dave', 'Security Administrator expires in')).toBe(1);
  });

  it('tells the new eligible member, and admins, when an admin makes someone eligible', async () => {
    await makeEligible(USERS.bob, ROLES.globalReader);
    await mailsWith('bob', 'Bob Baker is eligible for Global Reader');
    await mailsWith('admin', 'Bob Baker is eligible for Global Reader');
  });
});

/** Runs `work` while the app's publisher behaves like `dying` (it is given the real publish). */
async function withDyingPublisher(dying: (publish: (events: DomainEvent[]) => Promise<void>, events: DomainEvent[]) => Promise<void>, work: () => Promise<void>) {
  const bus = deps().bus.publisher;
  const publish = bus.publish;
  bus.publish = (events) => dying(publish.bind(bus), events);
  try {
    await work();
  } finally {
    bus.publish = publish;
  }
}

describe('outbox', () => {
  it('publishes exactly once when the publisher dies after the state write', async () => {
    await withDyingPublisher(
      async () => {
        throw new Error('publisher killed');
      },
      () => makeEligible(USERS.carol, ROLES.globalReader),
    );
    // The change happened and its event waits in the outbox; nobody was told yet.
    expect(await deps().outbox.pendingCount()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await countMails('carol', 'is eligible for Global Reader')).toBe(0);
    const report = await deps().outbox.sweep(0);
    expect(report.published).toBeGreaterThan(0);
    expect(await deps().outbox.pendingCount()).toBe(0);
    expect(await deps().outbox.sweep(0)).toEqual({ published: 0, failed: 0 });
    await mailsWith('carol', 'is eligible for Global Reader');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await countMails('carol', 'is eligible for Global Reader')).toBe(1);
  });

  it('publishes once when the publisher dies after publishing but before clearing its outbox row', async () => {
    await withDyingPublisher(
      async (publish, events) => {
        await publish(events);
        throw new Error('publisher killed after the send');
      },
      () => makeEligible(USERS.erin, ROLES.globalReader),
    );
    expect(await deps().outbox.pendingCount()).toBeGreaterThan(0);
    await deps().outbox.sweep(0);
    expect(await deps().outbox.pendingCount()).toBe(0);
    await mailsWith('erin', 'is eligible for Global Reader');
    await new Promise((r) => setTimeout(r, 1_000));
    // The replay carried the same message id: the bus dropped it, so the mail went out once.
    expect(await countMails('erin', 'is eligible for Global Reader')).toBe(1);
  });
});
