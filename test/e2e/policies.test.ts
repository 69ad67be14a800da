import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';

let app: AppHost;
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const BOB = '375306f3-8c15-476d-9f9d-01dc542d1672';
const APPROVERS_GROUP = 'a5135109-50e1-4961-8b3f-f3cf6aa1e9ec';
const policyId = (role: string) => `DirectoryRole_${TENANT_ID}_${role}`;

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

interface Rule {
  id: string;
  '@odata.type': string;
  [k: string]: unknown;
}

async function rule(role: string, ruleId: string): Promise<Rule> {
  const res = await app.call('alice', `/v1.0/policies/roleManagementPolicies/${policyId(role)}/rules/${ruleId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Rule;
}

const patch = (user: string, role: string, ruleId: string, json: unknown) =>
  app.call(user, `/v1.0/policies/roleManagementPolicies/${policyId(role)}/rules/${ruleId}`, { method: 'PATCH', json });

describe('role management policies', () => {
  it('finds a role\'s policy the way Graph scripts do, with Entra\'s defaults', async () => {
    const res = await app.call(
      'alice',
      `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${GLOBAL_ADMIN}'&$expand=policy($expand=rules)`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { value: Array<{ policyId: string; roleDefinitionId: string; policy: { rules: Rule[] } }> };
    expect(body.value).toHaveLength(1);
    const [assignment] = body.value;
    expect(assignment?.policyId).toBe(policyId(GLOBAL_ADMIN));
    const rules = new Map(assignment?.policy.rules.map((r) => [r.id, r]));
    expect(rules.size).toBe(17);
    expect(rules.get('Expiration_EndUser_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'PT8H' });
    expect(rules.get('Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['MultiFactorAuthentication', 'Justification'] });
    expect(rules.get('Approval_EndUser_Assignment')).toMatchObject({ setting: { isApprovalRequired: false, approvalStages: [{ approvalStageTimeOutInDays: 1 }] } });
  });

  it('lists policies filtered by scope, also with scopeType Directory', async () => {
    const res = await app.call('alice', "/v1.0/policies/roleManagementPolicies?$filter=scopeId eq '/' and scopeType eq 'Directory'&$expand=rules");
    const body = (await res.json()) as { value: Array<{ id: string; rules: Rule[] }> };
    expect(body.value).toHaveLength(9);
    expect(body.value.every((p) => p.rules.length === 17)).toBe(true);
  });

  it('accepts the Expiration rule body from Graph\'s documentation unchanged', async () => {
    const res = await patch('admin', USER_ADMIN, 'Expiration_EndUser_Assignment', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
      id: 'Expiration_EndUser_Assignment',
      isExpirationRequired: true,
      maximumDuration: 'PT1H45M',
      target: { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
    });
    expect(res.status).toBe(204);
    expect((await rule(USER_ADMIN, 'Expiration_EndUser_Assignment')).maximumDuration).toBe('PT1H45M');
    const policy = (await (await app.call('alice', `/v1.0/policies/roleManagementPolicies/${policyId(USER_ADMIN)}`)).json()) as {
      lastModifiedBy: { id: string };
    };
    expect(policy.lastModifiedBy.id).toBe('68b8c788-ea3d-4078-bed2-32c351393298');
  });

  it('turns on approval with a user and a group as approvers', async () => {
    const res = await patch('admin', USER_ADMIN, 'Approval_EndUser_Assignment', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      id: 'Approval_EndUser_Assignment',
      target: { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
      setting: {
        isApprovalRequired: true,
        isApprovalRequiredForExtension: false,
        isRequestorJustificationRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: [
          {
            approvalStageTimeOutInDays: 1,
            isApproverJustificationRequired: true,
            escalationTimeInMinutes: 0,
            isEscalationEnabled: false,
            primaryApprovers: [
              { '@odata.type': '#microsoft.graph.singleUser', userId: BOB },
              { '@odata.type': '#microsoft.graph.groupMembers', groupId: APPROVERS_GROUP },
            ],
            escalationApprovers: [],
          },
        ],
      },
    });
    expect(res.status).toBe(204);
    const saved = await rule(USER_ADMIN, 'Approval_EndUser_Assignment');
    expect(saved).toMatchObject({ setting: { isApprovalRequired: true, approvalMode: 'SingleStage' } });
  });

  it('refuses changes that make no sense, saying why, and changes nothing', async () => {
    const before = await rule(GLOBAL_ADMIN, 'Expiration_EndUser_Assignment');
    const cases: Array<[string, unknown, RegExp]> = [
      ['Expiration_EndUser_Assignment', { maximumDuration: 'PT25H' }, /from 30 minutes \(PT30M\) to 24 hours/],
      ['Expiration_EndUser_Assignment', { maximumDuration: 'eight hours' }, /not an ISO 8601 duration/],
      ['Approval_EndUser_Assignment', { setting: { isApprovalRequired: true } }, /names no approvers/],
      [
        'Approval_EndUser_Assignment',
        { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: '00000000-0000-0000-0000-000000000000' }] }] } },
        /does not exist/,
      ],
      ['AuthenticationContext_EndUser_Assignment', { isEnabled: true, claimValue: 'nope' }, /c1 to c99/],
      ['AuthenticationContext_EndUser_Assignment', { isEnabled: true, claimValue: 'c1' }, /both MultiFactorAuthentication and an authentication context/],
      ['Enablement_EndUser_Assignment', { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule' }, /is a #microsoft.graph.unifiedRoleManagementPolicyEnablementRule/],
      ['Enablement_EndUser_Assignment', { enabledRules: ['Fingerprint'] }, /may hold only/],
    ];
    for (const [ruleId, body, message] of cases) {
      const res = await patch('admin', GLOBAL_ADMIN, ruleId, body);
      expect(res.status, `${ruleId} ${JSON.stringify(body)}`).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.message).toMatch(message);
    }
    expect(await rule(GLOBAL_ADMIN, 'Expiration_EndUser_Assignment')).toEqual(before);
  });

  it('lets only admins change policy (403), and 404s unknown policies and rules', async () => {
    const res = await patch('alice', GLOBAL_ADMIN, 'Expiration_EndUser_Assignment', { maximumDuration: 'PT2H' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('Authorization_RequestDenied');
    expect((await patch('admin', GLOBAL_ADMIN, 'No_Such_Rule', {})).status).toBe(404);
    expect((await app.call('alice', '/v1.0/policies/roleManagementPolicies/DirectoryRole_x_y')).status).toBe(404);
  });

  it('answers 415 for a body that is not JSON and 413 for one over 1 MB', async () => {
    const url = `/v1.0/policies/roleManagementPolicies/${policyId(GLOBAL_ADMIN)}/rules/Expiration_EndUser_Assignment`;
    const text = await app.call('admin', url, { method: 'PATCH', body: 'maximumDuration=PT2H', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const huge = await app.call('admin', url, { method: 'PATCH', json: { pad: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(413);
  });

  it('of two admins saving at once, one wins and the other gets 409', async () => {
    const results = await Promise.all(
      ['PT2H', 'PT3H', 'PT4H', 'PT5H'].map((d) => patch('admin', GLOBAL_ADMIN, 'Expiration_EndUser_Assignment', { maximumDuration: d })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 204).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 204 || s === 409)).toBe(true);
    const conflicts = results.filter((r) => r.status === 409);
    for (const c of conflicts) expect(((await c.json()) as { error: { message: string } }).error.message).toMatch(/Reload the policy/);
  });
});
