import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost } from './appHost';
import { ROLES, USERS } from './demo';

/**
 * PIM for Groups end to end through HTTP: eligibility and activation of membership and
 * ownership, approval by a group owner, expiry, permanent members left alone, overlapping
 * activations, roles held through groups, and Graph's own example bodies and errors.
 */
let app: AppHost;
const BASE = '/v1.0/identityGovernance/privilegedAccess/group';
const ASSIGN = `${BASE}/assignmentScheduleRequests`;
const ELIGIBLE = `${BASE}/eligibilityScheduleRequests`;
const HOUR = 3_600_000;

interface DemoGroup {
  id: string;
  displayName: string;
}
let groups: Record<'tier0' | 'finance' | 'dynamic' | 'synced', DemoGroup>;

beforeAll(async () => {
  app = await startAppHost();
  const directory = (await (await fetch(`${app.url}/.devhost/directory`)).json()) as { groups: DemoGroup[] };
  const named = (name: string) => {
    const found = directory.groups.find((g) => g.displayName === name);
    if (!found) throw new Error(`The demo directory has no group '${name}'.`);
    return found;
  };
  groups = { tier0: named('Tier 0 Operators'), finance: named('Finance Approvers'), dynamic: named('All Staff (dynamic)'), synced: named('Sales (synced)') };
});

afterAll(async () => {
  await app?.host.stop();
});

const api = (user: string, method: string, path: string, json?: unknown) => app.api(user, method, path, json);

/** The group's members or owners as the directory (the Graph stand-in) has them now. */
async function inDirectory(groupId: string, relation: 'members' | 'owners'): Promise<string[]> {
  const res = await fetch(`${app.url}/.devhost/graph/v1.0/groups/${groupId}/${relation}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: Array<{ id: string }> }).value.map((m) => m.id);
}

const makeEligible = async (principalId: string, groupId: string, accessId: 'member' | 'owner') => {
  const res = await api('admin', 'POST', ELIGIBLE, {
    accessId,
    principalId,
    groupId,
    action: 'adminAssign',
    justification: 'on call rota',
    scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

const activation = (principalId: string, groupId: string, accessId: 'member' | 'owner', duration = 'PT2H') => ({
  accessId,
  principalId,
  groupId,
  action: 'selfActivate',
  justification: 'incident 4711',
  scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration } },
});

describe('PIM for Groups', () => {
  it('activates eligible membership: added to the group now, removed when it expires', async () => {
    const eligibility = await makeEligible(USERS.alice, groups.finance.id, 'member');
    expect(eligibility).toMatchObject({ status: 'Provisioned', accessId: 'member', groupId: groups.finance.id, principalId: USERS.alice, action: 'adminAssign' });
    // Eligibility alone leaves the group's members as they were.
    expect(await inDirectory(groups.finance.id, 'members')).not.toContain(USERS.alice);
    const listed = await api('admin', 'GET', `${BASE}/eligibilitySchedules?$filter=groupId eq '${groups.finance.id}'`);
    expect((listed.body.value as Array<{ principalId: string; memberType: string }>).find((s) => s.principalId === USERS.alice)).toMatchObject({ memberType: 'Direct', accessId: 'member' });

    const activated = await api('alice', 'POST', ASSIGN, activation(USERS.alice, groups.finance.id, 'member'));
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    expect(activated.body).toMatchObject({ action: 'selfActivate', accessId: 'member', groupId: groups.finance.id });
    await eventually(async () => ((await inDirectory(groups.finance.id, 'members')).includes(USERS.alice) ? true : undefined));
    // The instance appears once the grant is recorded (a moment after the directory has it).
    const instance = await eventually(async () => {
      const mine = await api('alice', 'GET', `${BASE}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`);
      return (mine.body.value as Array<Record<string, unknown>>).find((i) => i.groupId === groups.finance.id);
    });
    expect(instance).toMatchObject({ assignmentType: 'Activated', memberType: 'Direct', accessId: 'member' });

    await app.later(3 * HOUR, () => app.reconcile());
    expect(await inDirectory(groups.finance.id, 'members')).not.toContain(USERS.alice);
  });

  it('activates eligible ownership, and the audit files it under GroupManagement', async () => {
    await makeEligible(USERS.bob, groups.tier0.id, 'owner');
    const res = await api('bob', 'POST', ASSIGN, activation(USERS.bob, groups.tier0.id, 'owner', 'PT1H'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await eventually(async () => ((await inDirectory(groups.tier0.id, 'owners')).includes(USERS.bob) ? true : undefined));
    expect(await inDirectory(groups.tier0.id, 'members')).not.toContain(USERS.bob);
    const { deps } = await import('../../functions/composition');
    await app.relayOutbox();
    const records = await deps().audit.list();
    expect(records.some((r) => r.category === 'GroupManagement' && r.targetResources.some((t) => t.id === groups.tier0.id))).toBe(true);
  });

  it('leaves a permanent member in the group when their activation ends', async () => {
    // dave is a member of Finance Approvers from before PIM.
    expect(await inDirectory(groups.finance.id, 'members')).toContain(USERS.dave);
    await makeEligible(USERS.dave, groups.finance.id, 'member');
    const res = await api('dave', 'POST', ASSIGN, activation(USERS.dave, groups.finance.id, 'member'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await app.later(3 * HOUR, () => app.reconcile());
    expect(await inDirectory(groups.finance.id, 'members')).toContain(USERS.dave);
  });

  it('two overlapping activations of one group: the first to end does not cut the other short', async () => {
    const group = groups.tier0.id;
    await makeEligible(USERS.carol, group, 'member');
    await makeEligible(USERS.erin, group, 'member');
    expect((await api('carol', 'POST', ASSIGN, activation(USERS.carol, group, 'member', 'PT1H'))).status).toBe(201);
    expect((await api('erin', 'POST', ASSIGN, activation(USERS.erin, group, 'member', 'PT4H'))).status).toBe(201);
    await eventually(async () => {
      const members = await inDirectory(group, 'members');
      return members.includes(USERS.carol) && members.includes(USERS.erin) ? true : undefined;
    });
    await app.later(2 * HOUR, () => app.reconcile());
    const members = await inDirectory(group, 'members');
    expect(members).not.toContain(USERS.carol);
    expect(members).toContain(USERS.erin);
    await app.later(5 * HOUR, () => app.reconcile());
    expect(await inDirectory(group, 'members')).not.toContain(USERS.erin);
  });

  it("needs a group owner's approval when the group's policy says so", async () => {
    const group = groups.finance.id;
    const owners = await inDirectory(group, 'owners');
    expect(owners).toContain(USERS.carol);
    const assignments = await api('admin', 'GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${group}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`);
    const policyId = (assignments.body.value as Array<{ policyId: string }>)[0]?.policyId;
    expect(policyId).toMatch(new RegExp(`^Group_${group}_`));
    const rule = await api('admin', 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Approval_EndUser_Assignment`, {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      id: 'Approval_EndUser_Assignment',
      setting: { isApprovalRequired: true, approvalStages: [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.carol }] }] },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(204);

    await makeEligible(USERS.bob, group, 'member');
    const asked = await api('bob', 'POST', ASSIGN, activation(USERS.bob, group, 'member', 'PT1H'));
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body.status).toBe('PendingApproval');
    const approvalId = String(asked.body.approvalId);
    expect(approvalId).toBe(asked.body.id);

    // The owner is asked by mail, in words that say which access of which group.
    await eventually(async () => ((await app.mailTo('carol@contoso.test')).some((m) => m.subject === `Approval needed: Bob Baker requests membership of ${groups.finance.displayName}`) ? true : undefined));
    const waiting = await api('carol', 'GET', `${BASE}/assignmentApprovals/filterByCurrentUser(on='approver')`);
    const mine = (waiting.body.value as Array<{ id: string; stages: Array<{ id: string; assignedToMe: boolean; reviewResult: string }> }>).find((a) => a.id === approvalId);
    expect(mine?.stages[0]).toMatchObject({ assignedToMe: true, reviewResult: 'NotReviewed' });
    const asRequests = await api('carol', 'GET', `${ASSIGN}/filterByCurrentUser(on='approver')`);
    expect((asRequests.body.value as Array<{ id: string }>).map((r) => r.id)).toContain(asked.body.id);
    // bob may not approve his own request; nothing is granted before carol decides.
    expect((await api('bob', 'PATCH', `${BASE}/assignmentApprovals/${approvalId}/steps/${mine?.stages[0]?.id}`, { reviewResult: 'Approve', justification: 'me' })).status).toBe(403);
    expect(await inDirectory(group, 'members')).not.toContain(USERS.bob);

    const decided = await api('carol', 'PATCH', `${BASE}/assignmentApprovals/${approvalId}/steps/${mine?.stages[0]?.id}`, { reviewResult: 'Approve', justification: 'on call this week' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(204);
    await eventually(async () => ((await inDirectory(group, 'members')).includes(USERS.bob) ? true : undefined));
    const approval = await api('bob', 'GET', `${BASE}/assignmentApprovals/${approvalId}`);
    expect((approval.body.stages as Array<{ reviewResult: string; reviewedBy: { id: string } }>)[0]).toMatchObject({ reviewResult: 'Approved', reviewedBy: { id: USERS.carol } });
    // A directory-role approval route does not serve a group's approval.
    expect((await api('bob', 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${approvalId}`)).status).toBe(404);
  });

  it("accepts Graph's documentation example bodies unchanged (dates moved)", async () => {
    // api-reference/v1.0/api/privilegedaccessgroup-post-eligibilityschedulerequests.md, with demo ids.
    const eligibilityExample = {
      accessId: 'member',
      principalId: USERS.erin,
      groupId: groups.finance.id,
      action: 'adminAssign',
      scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'PT2H' } },
      justification: 'Assign eligible request.',
    };
    const eligibility = await api('admin', 'POST', ELIGIBLE, eligibilityExample);
    expect(eligibility.status, JSON.stringify(eligibility.body)).toBe(201);
    expect(eligibility.body).toMatchObject({ status: 'Provisioned', approvalId: null, createdBy: { user: { id: USERS.admin } }, ticketInfo: { ticketNumber: null, ticketSystem: null } });
    // ...-post-assignmentschedulerequests.md (selfActivate).
    const assignmentExample = { ...eligibilityExample, action: 'selfActivate', justification: 'Activate assignment.', scheduleInfo: { ...eligibilityExample.scheduleInfo, expiration: { type: 'afterDuration', duration: 'PT1H' } } };
    const activated = await api('erin', 'POST', ASSIGN, assignmentExample);
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    const got = await api('erin', 'GET', `${ASSIGN}/${String(activated.body.id)}`);
    expect(got.body).toMatchObject({ id: activated.body.id, groupId: groups.finance.id, accessId: 'member' });
  });

  it("answers bad input with Graph's errors and stores nothing", async () => {
    const before = await api('admin', 'GET', `${ELIGIBLE}?$filter=principalId eq '${USERS.carol}'`);
    const base = { principalId: USERS.carol, action: 'adminAssign', justification: 'x', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P1D' } } };
    const unknown = await api('admin', 'POST', ELIGIBLE, { ...base, accessId: 'member', groupId: '00000000-0000-4000-8000-000000000001' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error?.message).toContain('00000000-0000-4000-8000-000000000001');
    const admin = await api('admin', 'POST', ELIGIBLE, { ...base, accessId: 'admin', groupId: groups.finance.id });
    expect(admin.status).toBe(400);
    expect(admin.body.error?.message).toContain('accessId');
    for (const group of [groups.dynamic, groups.synced]) {
      const refused = await api('admin', 'POST', ELIGIBLE, { ...base, accessId: 'member', groupId: group.id });
      expect(refused.status, group.displayName).toBe(400);
      expect(refused.body.error?.code).toBe('InvalidGroup');
    }
    // Groups have no selfExtend or selfRenew in Graph.
    const extend = await api('carol', 'POST', ASSIGN, { ...base, action: 'selfExtend', accessId: 'member', groupId: groups.finance.id });
    expect(extend.status).toBe(400);
    expect(extend.body.error?.message).toContain('action');
    for (const set of ['eligibilityScheduleRequests', 'assignmentSchedules', 'eligibilityScheduleInstances']) {
      const unfiltered = await api('admin', 'GET', `${BASE}/${set}`);
      expect(unfiltered.status, set).toBe(400);
      expect(unfiltered.body.error?.message).toContain('groupId');
    }
    const after = await api('admin', 'GET', `${ELIGIBLE}?$filter=principalId eq '${USERS.carol}'`);
    expect(after.body.value).toEqual(before.body.value);
  });

  it('a role held by a group reaches the members whose membership is activated, for that time', async () => {
    const group = groups.tier0.id;
    const assigned = await api('admin', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
      action: 'adminAssign',
      principalId: group,
      roleDefinitionId: ROLES.helpdesk,
      directoryScopeId: '/',
      justification: 'tier 0 holds helpdesk',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);
    const roleInstances = async () =>
      ((await api('alice', 'GET', `/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`)).body.value as Array<Record<string, unknown>>).filter(
        (i) => i.roleDefinitionId === ROLES.helpdesk,
      );
    expect(await roleInstances()).toEqual([]);
    await makeEligible(USERS.alice, group, 'member');
    expect((await api('alice', 'POST', ASSIGN, activation(USERS.alice, group, 'member', 'PT1H'))).status).toBe(201);
    await eventually(async () => ((await roleInstances()).length > 0 ? true : undefined));
    expect((await roleInstances())[0]).toMatchObject({ memberType: 'Group', principalId: USERS.alice });
    await app.later(2 * HOUR, () => app.reconcile());
    expect(await roleInstances()).toEqual([]);
  });

  it('a member of a role-assignable group eligible for a role can activate that role', async () => {
    const group = groups.tier0.id;
    const eligible = await api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      action: 'adminAssign',
      principalId: group,
      roleDefinitionId: ROLES.security,
      directoryScopeId: '/',
      justification: 'tier 0 may act as security admin',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(eligible.status, JSON.stringify(eligible.body)).toBe(201);
    // A group that is not role-assignable cannot be made eligible for a directory role.
    const refused = await api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      action: 'adminAssign',
      principalId: groups.finance.id,
      roleDefinitionId: ROLES.security,
      directoryScopeId: '/',
      justification: 'x',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(refused.status).toBe(400);

    // dave becomes a member of the group (outside PIM, as an admin would in Entra).
    const added = await fetch(`${app.url}/.devhost/graph/v1.0/groups/${group}/members/$ref`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${USERS.dave}` }),
    });
    expect(added.status).toBe(204);
    const eligibleInstances = await api('dave', 'GET', `/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`);
    expect((eligibleInstances.body.value as Array<Record<string, unknown>>).find((i) => i.roleDefinitionId === ROLES.security)).toMatchObject({ memberType: 'Group', principalId: USERS.dave });

    const activated = await api('dave', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
      action: 'selfActivate',
      principalId: USERS.dave,
      roleDefinitionId: ROLES.security,
      directoryScopeId: '/',
      justification: 'investigating an alert',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    await eventually(async () => ((await app.graph.listAssignments()).some((a) => a.principalId === USERS.dave && a.roleDefinitionId === ROLES.security) ? true : undefined));

    // erin is not a member: not eligible.
    const notMember = await api('erin', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
      action: 'selfActivate',
      principalId: USERS.erin,
      roleDefinitionId: ROLES.security,
      directoryScopeId: '/',
      justification: 'x',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(notMember.status).toBe(400);
    expect(notMember.body.error?.code).toBe('RoleAssignmentRequestNotEligible');
  });

  it('raises an alert, once, for a member added outside PIM to a group PIM governs', async () => {
    const { deps } = await import('../../functions/composition');
    const group = groups.finance.id;
    const outside = async () => (await deps().alertRepository.incidents('RolesAssignedOutsidePimAlert')).filter((a) => a.fields.groupId === group && a.fields.assigneeId === USERS.admin);
    expect(await outside()).toEqual([]);
    const added = await fetch(`${app.url}/.devhost/graph/v1.0/groups/${group}/members/$ref`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${USERS.admin}` }),
    });
    expect(added.status).toBe(204);
    await app.reconcile();
    await app.reconcile();
    expect(await outside()).toHaveLength(1);
    // A member PIM put there (an activation in effect) is not reported.
    await makeEligible(USERS.erin, group, 'owner');
    expect((await api('erin', 'POST', ASSIGN, activation(USERS.erin, group, 'owner', 'PT1H'))).status).toBe(201);
    await eventually(async () => ((await inDirectory(group, 'owners')).includes(USERS.erin) ? true : undefined));
    await app.reconcile();
    expect((await deps().alertRepository.incidents('RolesAssignedOutsidePimAlert')).filter((a) => a.fields.groupId === group && a.fields.assigneeId === USERS.erin)).toEqual([]);
  });
});
