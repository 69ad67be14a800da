import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import { keys } from '../../shared/adapters/tables/keys';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from '../e2e/appHost';
import { GROUPS, ROLES, USERS } from '../e2e/demo';

let app: AppHost;
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
const APPROVALS = '/v1.0/roleManagement/directory/roleAssignmentApprovals';
const FINAL = ['Provisioned', 'Denied', 'Canceled', 'TimedOut'];

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

const rulePath = (roleId: string) => `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${roleId}/rules/Approval_EndUser_Assignment`;

async function needsApprovalBy(roleId: string, groupId: string) {
  const stage = { approvalStageTimeOutInDays: 1, isApproverJustificationRequired: false, primaryApprovers: [{ '@odata.type': '#microsoft.graph.groupMembers', groupId }] };
  expect((await app.api('admin', 'PATCH', rulePath(roleId), { setting: { isApprovalRequired: true, approvalStages: [stage] } })).status).toBe(204);
}

async function eligible(principalId: string, roleDefinitionId: string) {
  const res = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
    action: 'adminAssign', principalId, roleDefinitionId, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  expect(res.status).toBe(201);
}

async function activate(alias: 'alice' | 'erin', roleDefinitionId: string) {
  const res = await app.api(alias, 'POST', REQUESTS, {
    action: 'selfActivate', principalId: USERS[alias], roleDefinitionId, directoryScopeId: '/', justification: 'race',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const approvalId = String(res.body.approvalId);
  const steps = (await app.api('admin', 'GET', `${APPROVALS}/${approvalId}`)).body.steps as Array<{ id: string }>;
  return { id: String(res.body.id), approvalId, stepId: steps[0]?.id ?? '' };
}

const grantsOf = async (principalId: string, roleDefinitionId: string) =>
  (await app.graph.listAssignments()).filter((a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId).length;

const statusOf = async (id: string) => String((await app.api('admin', 'GET', `${REQUESTS}/${id}`)).body.status);

async function auditFor(requestId: string) {
  return (await deps().audit.list()).filter((r) => r.additionalDetails.some((d) => d.key === 'requestId' && d.value === requestId));
}

describe('races', () => {
  it('50 concurrent approvals of one stage: exactly one decision and one grant', async () => {
    await needsApprovalBy(ROLES.exchange, GROUPS.approvers);
    await eligible(USERS.alice, ROLES.exchange);
    const { id, approvalId, stepId } = await activate('alice', ROLES.exchange);
    const approvers = ['bob', 'carol'];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => app.api(approvers[i % 2] ?? 'bob', 'PATCH', `${APPROVALS}/${approvalId}/steps/${stepId}`, { reviewResult: 'Approve', justification: `approval ${i}` })),
    );
    expect(results.filter((r) => r.status === 204)).toHaveLength(1);
    // Every other answer is the conflict; anything else is shown with its body, to say what went wrong.
    expect(results.filter((r) => r.status !== 204 && r.status !== 409).map((r) => ({ status: r.status, body: r.body }))).toEqual([]);
    await eventually(async () => ((await statusOf(id)) === 'Provisioned' ? true : undefined));
    const step = ((await app.api('admin', 'GET', `${APPROVALS}/${approvalId}`)).body.steps as Array<{ decisions: unknown[] }>)[0];
    expect(step?.decisions).toHaveLength(1);
    expect(await grantsOf(USERS.alice, ROLES.exchange)).toBe(1);
    const audit = await auditFor(id);
    expect(audit.filter((r) => r.activityDisplayName === 'Add member to role request approved (PIM activation)')).toHaveLength(1);
  });

  it('approve, deny, cancel and timeout racing: one consistent end state, the audit matching it', async () => {
    await needsApprovalBy(ROLES.helpdesk, GROUPS.approvers);
    await eligible(USERS.erin, ROLES.helpdesk);
    const seen = new Set<string>();
    for (let round = 0; round < 8; round++) {
      const { id, approvalId, stepId } = await activate('erin', ROLES.helpdesk);
      const step = `${APPROVALS}/${approvalId}/steps/${stepId}`;
      const clock = deps().clock;
      const contenders = [
        () => app.api('bob', 'PATCH', step, { reviewResult: 'Approve' }),
        () => app.api('carol', 'PATCH', step, { reviewResult: 'Deny' }),
        () => app.api('erin', 'POST', `${REQUESTS}/${id}/cancel`),
        async () => {
          // The stage allows one day: the reconcile pass runs "two days later".
          deps().clock = { now: () => new Date(Date.now() + 2 * 86_400_000) };
          try {
            await app.reconcile();
          } finally {
            deps().clock = clock;
          }
        },
      ];
      // A different order of start each round.
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
      await Promise.all(order.map((run) => run?.()));
      let last = '';
      const final = await eventually(async () => {
        last = await statusOf(id);
        return FINAL.includes(last) ? last : undefined;
      }).catch(async () => {
        throw new Error(`round ${round}: request stuck at ${last}; approval ${JSON.stringify((await app.api('admin', 'GET', `${APPROVALS}/${approvalId}`)).body.steps)}`);
      });
      seen.add(final);
      // Whatever won, the directory and the audit agree with it.
      await new Promise((r) => setTimeout(r, 300));
      expect(await grantsOf(USERS.erin, ROLES.helpdesk)).toBe(final === 'Provisioned' ? 1 : 0);
      const activities = (await auditFor(id)).map((r) => r.activityDisplayName);
      const ended = activities.filter((a) => /request (denied|canceled|timedout) \(PIM activation\)$/i.test(a) && !a.includes('approved'));
      if (final === 'Provisioned') {
        expect(activities).toContain('Add member to role request approved (PIM activation)');
      } else {
        expect(ended.filter((a) => a.toLowerCase().includes(final.toLowerCase()))).toHaveLength(1);
      }
      if (final === 'Provisioned') {
        expect((await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', { action: 'adminRemove', principalId: USERS.erin, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/' })).status).toBe(201);
        await eventually(async () => ((await grantsOf(USERS.erin, ROLES.helpdesk)) === 0 ? true : undefined));
      }
    }
    expect(seen.size).toBeGreaterThan(0);
  });

  it('a lost workflow: the reconcile pass applies the decision and finishes the grant', async () => {
    await needsApprovalBy(ROLES.appAdmin, GROUPS.approvers);
    await eligible(USERS.alice, ROLES.appAdmin);
    const { id, approvalId, stepId } = await activate('alice', ROLES.appAdmin);
    const killed = await fetch(`${app.url}/runtime/webhooks/durabletask/instances/${id}/terminate?reason=lost`, { method: 'POST' });
    expect(killed.status).toBe(202);
    expect((await app.api('bob', 'PATCH', `${APPROVALS}/${approvalId}/steps/${stepId}`, { reviewResult: 'Approve' })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 300));
    expect(await statusOf(id)).toBe('PendingApproval');
    await app.later(3 * 60_000, async () => {
      // Pass 1 applies the decision, pass 2 grants in the directory, pass 3 marks it provisioned.
      for (let pass = 0; pass < 3; pass++) await app.reconcile();
    });
    expect(await statusOf(id)).toBe('Provisioned');
    expect(await grantsOf(USERS.alice, ROLES.appAdmin)).toBe(1);
  });

  it('a removal that died between the directory and its record: the reconcile pass puts the role back, audited', async () => {
    await eligible(USERS.erin, ROLES.userAdmin);
    const res = await app.api('erin', 'POST', REQUESTS, {
      action: 'selfActivate', principalId: USERS.erin, roleDefinitionId: ROLES.userAdmin, directoryScopeId: '/', justification: 'race',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = String(res.body.id);
    await eventually(async () => ((await statusOf(id)) === 'Provisioned' ? true : undefined));
    // What a removal does first (it takes the role out of the directory, then records both): here it dies before the record.
    await deps().access.of('directoryRole').revoke(USERS.erin, { kind: 'directoryRole', roleDefinitionId: ROLES.userAdmin, directoryScopeId: '/' });
    expect(await grantsOf(USERS.erin, ROLES.userAdmin)).toBe(0);
    await app.later(3 * 60_000, async () => {
      await app.reconcile();
    });
    // Nothing recorded the removal: the activation stands, and so does its role.
    expect(await statusOf(id)).toBe('Provisioned');
    expect(await grantsOf(USERS.erin, ROLES.userAdmin)).toBe(1);
    await app.relayOutbox();
    const restored = (await deps().audit.list()).filter((r) => r.activityDisplayName === 'Role assignment restored in the directory by PIM (it was missing)');
    expect(restored.map((r) => r.targetResources[0]?.id)).toEqual([USERS.erin]);
  });

  it('a request whose approval was never stored (creation cut off) ends Failed instead of waiting forever', async () => {
    await needsApprovalBy(ROLES.security, GROUPS.approvers);
    await eligible(USERS.erin, ROLES.security);
    const { id } = await activate('erin', ROLES.security);
    await fetch(`${app.url}/runtime/webhooks/durabletask/instances/${id}/terminate?reason=lost`, { method: 'POST' });
    const table = TableClient.fromConnectionString(String(process.env.AzureWebJobsStorage), `${process.env.PIM_TABLE_PREFIX}Schedules`, { allowInsecureConnection: true });
    await table.deleteEntity(keys.principalPartition(USERS.erin), keys.approvalRow(id));
    await app.later(3 * 60_000, async () => {
      await app.reconcile();
    });
    expect(await statusOf(id)).toBe('Failed');
    expect(await grantsOf(USERS.erin, ROLES.security)).toBe(0);
  });

  it('concurrent policy edits: one wins, the other gets 409, and the stored rule is a winner', async () => {
    const path = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.globalReader}/rules/Expiration_EndUser_Assignment`;
    let conflicts = 0;
    for (let round = 0; round < 10; round++) {
      const values = ['PT2H', 'PT3H'];
      const results = await Promise.all(values.map((maximumDuration) => app.api('admin', 'PATCH', path, { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', maximumDuration })));
      const won = values.filter((_, i) => results[i]?.status === 204);
      expect(won.length).toBeGreaterThan(0);
      for (const r of results.filter((x) => x.status !== 204)) {
        expect(r.status).toBe(409);
        expect(r.body.error?.code).toBe('ConcurrentModification');
        conflicts++;
      }
      const stored = (await app.api('admin', 'GET', path)).body.maximumDuration;
      expect(won).toContain(stored);
    }
    expect(conflicts).toBeGreaterThan(0);
  });
});
