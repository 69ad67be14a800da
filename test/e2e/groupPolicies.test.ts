import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import type { DomainEvent } from '../../shared/domain/events';
import { eventually, testStorage } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

interface Rule {
  id: string;
  '@odata.type': string;
  [k: string]: unknown;
}

interface Policy {
  id: string;
  displayName: string;
  description: string;
  scopeId: string;
  scopeType: string;
  lastModifiedBy: { id: string | null };
  pimWebhooks: unknown[];
  rules?: Rule[];
}

interface PolicyAssignment {
  id: string;
  policyId: string;
  scopeId: string;
  scopeType: string;
  roleDefinitionId: string;
  policy?: Policy;
}

let app: AppHost;
let dbOwners: string;
let approvers: string;
let receiver: Server;
let hookUrl: string;
const delivered: DomainEvent[] = [];

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ASSIGNMENTS = '/v1.0/policies/roleManagementPolicyAssignments';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
const groupFilter = (groupId: string, extra = '') => `$filter=scopeId eq '${groupId}' and scopeType eq 'Group'${extra}`;

beforeAll(async () => {
  // A loopback webhook receiver: policy.changed events of the group's policies arrive here.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      delivered.push(JSON.parse(body) as DomainEvent);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  app = await startAppHost();
  const directory = (await (await fetch(`${app.url}/.devhost/directory`)).json()) as { groups: Array<{ id: string; displayName: string }> };
  const groupNamed = (name: string) => directory.groups.find((g) => g.displayName === name)?.id ?? '';
  dbOwners = groupNamed('DB Owners');
  approvers = groupNamed('PIM Approvers');
});

afterAll(async () => {
  await app?.host.stop();
  await new Promise((r) => receiver?.close(r));
});

async function get<T>(user: string, path: string): Promise<T> {
  const res = await app.call(user, path);
  expect(res.status, `GET ${path}`).toBe(200);
  return (await res.json()) as T;
}

async function groupAssignments(groupId: string, extra = ''): Promise<PolicyAssignment[]> {
  return (await get<{ value: PolicyAssignment[] }>('alice', `${ASSIGNMENTS}?${groupFilter(groupId, extra)}&$expand=policy($expand=rules)`)).value;
}

async function policyIdOf(groupId: string, access: 'member' | 'owner'): Promise<string> {
  const [assignment] = await groupAssignments(groupId, ` and roleDefinitionId eq '${access}'`);
  return assignment?.policyId ?? '';
}

const rule = (policyId: string, ruleId: string) => get<Rule>('alice', `${POLICIES}/${policyId}/rules/${ruleId}`);
const patchRule = (user: string, policyId: string, ruleId: string, json: unknown) => app.call(user, `${POLICIES}/${policyId}/rules/${ruleId}`, { method: 'PATCH', json });
const storedGroupPolicies = async () => (await deps().policies.list('group')).map((p) => ({ id: p.id, scopeId: p.scopeId, access: p.roleDefinitionId }));
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('role management policies of groups (PIM for Groups)', () => {
  it("lists a group's member and owner policies with Graph's filter, with Entra's group defaults and Group_ ids", async () => {
    const assignments = await groupAssignments(dbOwners);
    expect(assignments.map((a) => a.roleDefinitionId).sort()).toEqual(['member', 'owner']);
    for (const a of assignments) {
      expect(a.id).toMatch(new RegExp(`^Group_${dbOwners}_${GUID}_${a.roleDefinitionId}$`));
      expect(a.policyId).toMatch(new RegExp(`^Group_${dbOwners}_${GUID}$`));
      expect(a.id).toBe(`${a.policyId}_${a.roleDefinitionId}`);
      expect(a).toMatchObject({ scopeId: dbOwners, scopeType: 'Group' });
      expect(a.policy).toMatchObject({ id: a.policyId, displayName: 'Group', description: 'Group', scopeId: dbOwners, scopeType: 'Group', lastModifiedBy: { id: null } });
      const rules = new Map(a.policy?.rules?.map((r) => [r.id, r]));
      expect(rules.size).toBe(17);
      expect(rules.get('Expiration_Admin_Eligibility')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P365D' });
      expect(rules.get('Expiration_Admin_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P180D' });
      expect(rules.get('Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification'] });
      expect(rules.get('Expiration_EndUser_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'PT8H' });
      expect(rules.get('Approval_EndUser_Assignment')).toMatchObject({ setting: { isApprovalRequired: false, approvalStages: [{ approvalStageTimeOutInDays: 1 }] } });
    }
    // Each of the two policies has its own guid, made once: listing again (or one access) finds the same ids.
    const [first, second] = assignments;
    expect(first?.policyId).not.toBe(second?.policyId);
    expect((await groupAssignments(dbOwners)).map((a) => a.id).sort()).toEqual(assignments.map((a) => a.id).sort());
    const owners = await groupAssignments(dbOwners, " and roleDefinitionId eq 'owner'");
    expect(owners.map((a) => a.id)).toEqual(assignments.filter((a) => a.roleDefinitionId === 'owner').map((a) => a.id));
  });

  it('expands only what is asked: no policy without $expand, rules only with policy($expand=rules)', async () => {
    const plain = await get<{ value: PolicyAssignment[] }>('alice', `${ASSIGNMENTS}?${groupFilter(dbOwners)}`);
    expect(plain.value).toHaveLength(2);
    expect(plain.value.every((a) => a.policy === undefined)).toBe(true);
    const policyOnly = await get<{ value: PolicyAssignment[] }>('alice', `${ASSIGNMENTS}?${groupFilter(dbOwners)}&$expand=policy`);
    expect(policyOnly.value.every((a) => a.policy?.scopeType === 'Group' && a.policy.rules === undefined)).toBe(true);
  });

  it('serves the group\'s policies by id too: the policy list, GET, its rules, a rule and the assignment', async () => {
    const assignments = await groupAssignments(dbOwners);
    const policies = await get<{ value: Policy[] }>('alice', `${POLICIES}?${groupFilter(dbOwners)}&$expand=rules`);
    expect(policies.value.map((p) => p.id).sort()).toEqual(assignments.map((a) => a.policyId).sort());
    for (const a of assignments) {
      expect(await get<Policy>('alice', `${POLICIES}/${a.policyId}`)).toMatchObject({ id: a.policyId, scopeType: 'Group', displayName: 'Group' });
      expect((await get<{ value: Rule[] }>('alice', `${POLICIES}/${a.policyId}/rules`)).value).toHaveLength(17);
      expect(await rule(a.policyId, 'Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification'] });
      expect(await get<PolicyAssignment>('alice', `${ASSIGNMENTS}/${a.id}`)).toMatchObject({ id: a.id, policyId: a.policyId, roleDefinitionId: a.roleDefinitionId });
    }
    expect((await app.call('alice', `${POLICIES}/Group_${dbOwners}_00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });

  it('keeps directory-role lists as they were: without a filter they hold the roles, never groups', async () => {
    const all = await get<{ value: Policy[] }>('alice', POLICIES);
    expect(all.value).toHaveLength(9);
    expect(all.value.every((p) => p.scopeType === 'DirectoryRole' && p.displayName === 'DirectoryRole')).toBe(true);
    const directory = await get<{ value: PolicyAssignment[] }>('alice', `${ASSIGNMENTS}?$filter=scopeId eq '/' and scopeType eq 'Directory'`);
    expect(directory.value).toHaveLength(9);
  });

  it("answers 400 when scopeType 'Group' comes without the group's scopeId eq clause", async () => {
    for (const path of [`${ASSIGNMENTS}?$filter=scopeType eq 'Group'`, `${POLICIES}?$filter=scopeType eq 'Group'`, `${ASSIGNMENTS}?$filter=scopeId eq '${dbOwners}' or scopeType eq 'Group'`]) {
      const res = await app.call('alice', path);
      expect(res.status, path).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('BadRequest');
      expect(error.message).toContain("add scopeId eq '{groupId}'");
    }
  });

  it('refuses an unknown group (404) or a user (400), naming the id, and stores nothing; a real group still lists', async () => {
    const before = await storedGroupPolicies();
    const unknown = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
    const missing = await app.call('alice', `${ASSIGNMENTS}?${groupFilter(unknown)}&$expand=policy($expand=rules)`);
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toMatchObject({ code: 'ResourceNotFound', message: expect.stringContaining(unknown) });
    const missingPolicies = await app.call('alice', `${POLICIES}?${groupFilter(unknown)}`);
    expect(missingPolicies.status).toBe(404);
    for (const notAnId of ['DB Owners', 'x'.repeat(3_000)]) {
      const res = await app.call('alice', `${ASSIGNMENTS}?${groupFilter(notAnId)}`);
      expect(res.status).toBe(404);
      expect((await errorOf(res)).message).toContain(notAnId);
    }
    const user = await app.call('alice', `${ASSIGNMENTS}?${groupFilter(USERS.bob)}`);
    expect(user.status).toBe(400);
    expect(await errorOf(user)).toMatchObject({ code: 'InvalidGroup', message: expect.stringContaining(USERS.bob) });
    expect(await storedGroupPolicies()).toEqual(before);
    expect(before.some((p) => p.scopeId === unknown || p.scopeId === USERS.bob)).toBe(false);
    expect(await groupAssignments(dbOwners)).toHaveLength(2);
  });

  it('onboards a group once when callers race: every caller reads the same two policies back', async () => {
    const lists = await Promise.all([1, 2, 3, 4].map(() => groupAssignments(approvers)));
    const ids = lists.map((l) => l.map((a) => a.id).sort().join(','));
    expect(new Set(ids).size).toBe(1);
    expect((await storedGroupPolicies()).filter((p) => p.scopeId === approvers)).toHaveLength(2);
  });

  it("changes a rule of a group's member policy, audited and announced with the group as target; the owner and directory-role policies keep theirs", async () => {
    const memberPolicy = await policyIdOf(dbOwners, 'member');
    const ownerPolicy = await policyIdOf(dbOwners, 'owner');
    const globalAdminPolicy = `DirectoryRole_${TENANT_ID}_${ROLES.globalAdmin}`;
    // The member policy's events go to a webhook (the policy's own PATCH, for a group policy id).
    const hooked = await app.call('admin', `${POLICIES}/${memberPolicy}`, { method: 'PATCH', json: { pimWebhooks: [{ id: 'hook', url: hookUrl, format: 'json', signingKeyName: 'hooks' }] } });
    expect(hooked.status).toBe(204);
    expect((await get<Policy>('alice', `${POLICIES}/${memberPolicy}`)).pimWebhooks).toHaveLength(1);

    const res = await patchRule('admin', memberPolicy, 'Expiration_EndUser_Assignment', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
      id: 'Expiration_EndUser_Assignment',
      isExpirationRequired: true,
      maximumDuration: 'PT2H',
      target: { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
    });
    expect(res.status).toBe(204);
    expect(await rule(memberPolicy, 'Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT2H' });
    expect(await rule(ownerPolicy, 'Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT8H' });
    expect(await rule(globalAdminPolicy, 'Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT8H' });
    expect(await get<Policy>('alice', `${POLICIES}/${memberPolicy}`)).toMatchObject({ lastModifiedBy: { id: USERS.admin } });
    expect(await get<Policy>('alice', `${POLICIES}/${ownerPolicy}`)).toMatchObject({ lastModifiedBy: { id: null } });
    const [member] = await groupAssignments(dbOwners, " and roleDefinitionId eq 'member'");
    expect(member?.policy?.rules?.find((r) => r.id === 'Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT2H' });

    const audit = await eventually(async () => {
      const records = await tableAuditLog(new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX))).list();
      return records.find((a) => a.targetResources.some((t) => t.modifiedProperties.some((m) => m.displayName === 'Expiration_EndUser_Assignment')));
    });
    expect(audit).toMatchObject({ activityDisplayName: 'Update role setting in PIM', initiatedBy: { user: { id: USERS.admin } } });
    expect(audit.targetResources).toEqual([
      expect.objectContaining({ id: dbOwners, displayName: 'DB Owners', type: 'Group' }),
      expect.objectContaining({ id: memberPolicy, type: 'Policy' }),
    ]);
    expect(audit.additionalDetails).toContainEqual({ key: 'accessId', value: 'member' });

    const changed = await eventually(async () => delivered.find((e) => e.type === 'policy.changed' && e.data.changed === 'Expiration_EndUser_Assignment'));
    expect(changed.subject).toMatchObject({ principalId: null, target: { kind: 'group', groupId: dbOwners, accessId: 'member' }, targetDisplayName: 'DB Owners' });
    expect(changed.data).toMatchObject({ policyId: memberPolicy });
  });

  it('lets only admins change a group\'s policy (403), and changes nothing', async () => {
    const ownerPolicy = await policyIdOf(dbOwners, 'owner');
    const before = await rule(ownerPolicy, 'Expiration_EndUser_Assignment');
    const res = await patchRule('alice', ownerPolicy, 'Expiration_EndUser_Assignment', { maximumDuration: 'PT1H' });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('Authorization_RequestDenied');
    expect((await app.call('alice', `${POLICIES}/${ownerPolicy}`, { method: 'PATCH', json: { pimWebhooks: [] } })).status).toBe(403);
    expect(await rule(ownerPolicy, 'Expiration_EndUser_Assignment')).toEqual(before);
  });
});
