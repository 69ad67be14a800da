import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { canonicalAzureScope } from '../../shared/domain/azureScope';
import { azurePolicyName } from '../../shared/app/azurePolicyNames';
import { eventually, testStorage } from '../devhost/helpers';
import { EXAMPLE_APPROVER_GROUPS, EXAMPLE_POLICY_NAME, exampleScopeFor, patchFullExample, patchPartialExample } from '../fixtures/armPolicyExamples';
import { type ApiResult, type AppHost, startAppHost } from './appHost';
import { AZURE_ROLE, demoSubscriptions, roleGuidsAt } from './armStandIn';
import { GROUPS, USERS } from './demo';

/**
 * ARM's role management policies and policy assignments for Azure roles, through the ARM
 * surface's own routes (`/subscriptions/…`, `/providers/Microsoft.Management/managementGroups/…`)
 * with ARM-audience tokens, over devhost's ARM stand-in and its demo tree.
 */
interface ArmRule {
  id: string;
  ruleType: string;
  [k: string]: unknown;
}

interface ArmPolicy {
  id: string;
  name: string;
  type: string;
  properties: {
    scope: string;
    lastModifiedBy: { id: string | null; displayName: string | null; type: string | null; email: null };
    lastModifiedDateTime: string | null;
    rules: ArmRule[];
    effectiveRules: ArmRule[];
    policyProperties: { scope: { id: string; displayName: string; type: string } };
    isInheritedBySubscopes: boolean;
    effectiveFrom: { scope: string; policyId: string; inherited: boolean };
  };
}

interface ArmAssignment {
  id: string;
  name: string;
  type: string;
  properties: {
    scope: string;
    roleDefinitionId: string;
    policyId: string;
    effectiveRules: ArmRule[];
    policyAssignmentProperties: { scope: { id: string; type: string }; roleDefinition: { id: string; displayName: string | null; type: string | null }; policy: { id: string } };
    effectiveFrom: { scope: string; policyId: string; inherited: boolean };
  };
}

let app: AppHost;

const { owner: OWNER, contributor: CONTRIBUTOR, reader: READER } = AZURE_ROLE;
/** The demo tree's scopes these tests use: a management group, a subscription in it, and two of its resource groups. */
let PROD_MG: string;
let PROD_SUB: string;
let APP_RG: string;
let DATA_RG: string;
/** The GUIDs of every role Azure can assign at PROD_SUB. */
let ROLES: string[];

const V = 'api-version=2020-10-01';
const AUTH = '/providers/Microsoft.Authorization';
const policies = (scope: string, rest = '') => `${scope.startsWith('/') ? '' : '/'}${scope}${AUTH}/roleManagementPolicies${rest}`;
const assignments = (scope: string, rest = '') => `${scope}${AUTH}/roleManagementPolicyAssignments${rest}`;
const roleFilter = (scope: string, guid: string) => `$filter=${encodeURIComponent(`roleDefinitionId eq '${scope}${AUTH}/roleDefinitions/${guid}'`)}`;
const nameAt = (scope: string, guid: string = OWNER) => azurePolicyName(canonicalAzureScope(scope), guid);
const rulesById = (rules: ArmRule[]) => new Map(rules.map((r) => [r.id, r]));
const stored = (scope: string) => deps().policies.listAt('azureRole', scope);
const lastName = (scope: string) => scope.slice(scope.lastIndexOf('/') + 1);

/** A call to the ARM surface as `user`, with an ARM-audience token (MFA done). */
async function arm(user: string, method: string, path: string, json?: unknown): Promise<ApiResult> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await app.token(user, { mfa: true, audience: 'arm' })}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as ApiResult['body']) : {} };
}

async function policyOf(scope: string, guid: string = OWNER): Promise<ArmPolicy> {
  const res = await arm('alice', 'GET', `${policies(scope, `/${nameAt(scope, guid)}`)}?${V}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as ArmPolicy;
}

const patch = (user: string, scope: string, body: unknown, guid: string = OWNER) => arm(user, 'PATCH', `${policies(scope, `/${nameAt(scope, guid)}`)}?${V}`, body);

beforeAll(async () => {
  app = await startAppHost();
  const armBase = String(process.env.PIM_ARM_BASE_URL);
  const [scopes] = await demoSubscriptions(armBase);
  ({ mg: PROD_MG, sub: PROD_SUB, rg: APP_RG, otherRg: DATA_RG } = scopes);
  ROLES = await roleGuidsAt(armBase, PROD_SUB);
});

afterAll(async () => {
  await app?.host.stop();
});

describe("ARM's role management policies for Azure roles", () => {
  it("lists a resource group's Owner policy with ARM's roleDefinitionId filter: Entra's Azure defaults, ARM's shapes, its own rules in effect", async () => {
    const res = await arm('alice', 'GET', `${policies(APP_RG)}?${V}&${roleFilter(PROD_SUB, OWNER)}`);
    expect(res.status).toBe(200);
    const [policy, ...more] = (res.body as unknown as { value: ArmPolicy[] }).value;
    expect(more).toEqual([]);
    const name = nameAt(APP_RG);
    expect(policy).toMatchObject({
      name,
      id: `${APP_RG}${AUTH}/roleManagementPolicies/${name}`,
      type: 'Microsoft.Authorization/RoleManagementPolicies',
      properties: {
        scope: APP_RG,
        isOrganizationDefault: false,
        lastModifiedDateTime: null,
        lastModifiedBy: { id: null, type: null, email: null },
        policyProperties: { scope: { id: APP_RG, displayName: lastName(APP_RG), type: 'resourcegroup' } },
        isInheritedBySubscopes: false,
        effectiveFrom: { scope: APP_RG, policyId: `${APP_RG}${AUTH}/roleManagementPolicies/${name}`, inherited: false },
      },
    });
    const rules = rulesById(policy?.properties.rules ?? []);
    expect(rules.size).toBe(17);
    expect(rules.get('Expiration_EndUser_Assignment')).toMatchObject({ ruleType: 'RoleManagementPolicyExpirationRule', isExpirationRequired: true, maximumDuration: 'PT8H' });
    expect(rules.get('Expiration_Admin_Eligibility')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P365D' });
    expect(rules.get('Enablement_EndUser_Assignment')).toMatchObject({ ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: ['Justification'] });
    expect(rules.get('Approval_EndUser_Assignment')).toMatchObject({ target: { caller: 'EndUser', level: 'Assignment', operations: ['All'], targetObjects: null } });
    expect(policy?.properties.effectiveRules).toEqual(policy?.properties.rules);
    expect(JSON.stringify(policy)).not.toContain('@odata');
    // Reading stored nothing.
    expect(await stored(APP_RG)).toEqual([]);
  });

  it('lists every role at a scope without a filter, and the same policy by its name, in any spelling of the scope', async () => {
    const list = await arm('alice', 'GET', `${policies(PROD_SUB)}?${V}`);
    expect(list.status).toBe(200);
    const names = (list.body as unknown as { value: ArmPolicy[] }).value.map((p) => p.name);
    expect(names.sort()).toEqual(ROLES.map((guid) => nameAt(PROD_SUB, guid)).sort());
    // The spec examples' alias for a subscription scope, and upper case, name the same policy.
    const viaAlias = await arm('alice', 'GET', `${policies(exampleScopeFor(PROD_SUB), `/${nameAt(PROD_SUB)}`)}?${V}`);
    expect(viaAlias.status).toBe(200);
    expect(viaAlias.body).toMatchObject({ name: nameAt(PROD_SUB), properties: { scope: PROD_SUB, policyProperties: { scope: { type: 'subscription' } } } });
    expect((await arm('alice', 'GET', `${policies(PROD_SUB.toUpperCase(), `/${nameAt(PROD_SUB).toUpperCase()}`)}?${V}`)).status).toBe(200);
    // ARM's example name is no policy here; another scope's name is none at this one.
    expect((await arm('alice', 'GET', `${policies(PROD_SUB, `/${EXAMPLE_POLICY_NAME}`)}?${V}`)).body.error?.code).toBe('RoleManagementPolicyNotFound');
    expect((await arm('alice', 'GET', `${policies(PROD_SUB, `/${nameAt(APP_RG)}`)}?${V}`)).status).toBe(404);
  });

  it("applies ARM's partial PATCH example at a subscription and answers 200 with the whole policy, audited with the role and the scope", async () => {
    const res = await patch('admin', exampleScopeFor(PROD_SUB), patchPartialExample());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const policy = res.body as unknown as ArmPolicy;
    const rules = rulesById(policy.properties.rules);
    expect(rules.size).toBe(17);
    expect(rules.get('Expiration_Admin_Eligibility')).toMatchObject({ isExpirationRequired: false, maximumDuration: 'P180D' });
    expect(rules.get('Notification_Admin_Admin_Eligibility')).toMatchObject({ isDefaultRecipientsEnabled: false, notificationLevel: 'Critical', notificationRecipients: ['admin_admin_eligible@test.com'] });
    expect(rules.get('Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT8H' });
    expect(policy.properties).toMatchObject({ scope: PROD_SUB, lastModifiedBy: { id: USERS.admin, type: 'User' }, effectiveFrom: { scope: PROD_SUB, inherited: false } });
    expect(policy.properties.lastModifiedDateTime).not.toBeNull();
    expect((await policyOf(PROD_SUB)).properties.rules).toEqual(policy.properties.rules);

    const audit = await eventually(async () => {
      const records = await tableAuditLog(new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX))).list();
      return records.find((a) => a.targetResources.some((t) => t.id === policy.id));
    });
    expect(audit).toMatchObject({ activityDisplayName: 'Update role setting in PIM', category: 'RoleManagement', initiatedBy: { user: { id: USERS.admin } } });
    expect(audit.targetResources[0]).toMatchObject({ id: OWNER, displayName: 'Owner', type: 'Role' });
    expect(audit.targetResources[0]?.modifiedProperties.map((m) => m.displayName).sort()).toEqual(['Expiration_Admin_Eligibility', 'Notification_Admin_Admin_Eligibility']);
    expect(audit.additionalDetails).toContainEqual({ key: 'scope', value: PROD_SUB });
  });

  it("applies ARM's full PATCH example (its approver groups swapped for this directory's) at a resource group", async () => {
    const body = patchFullExample();
    const ids = [GROUPS.approvers, GROUPS.dbOwners];
    const json = EXAMPLE_APPROVER_GROUPS.reduce((text, id, i) => text.replaceAll(id, ids[i] ?? ''), JSON.stringify(body));
    const res = await patch('admin', DATA_RG, JSON.parse(json));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const rules = rulesById((res.body as unknown as ArmPolicy).properties.rules);
    expect(rules.get('Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT7H' });
    expect(rules.get('Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification', 'MultiFactorAuthentication', 'Ticketing'] });
    expect(rules.get('Approval_EndUser_Assignment')).toMatchObject({
      setting: {
        isApprovalRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: [
          {
            primaryApprovers: [
              { id: GROUPS.approvers, description: 'amansw_new_group', isBackup: false, userType: 'Group' },
              { id: GROUPS.dbOwners, description: 'amansw_group', isBackup: false, userType: 'Group' },
            ],
            escalationApprovers: [],
          },
        ],
      },
    });
    // The example's own approver groups are not in this directory: refused, nothing changed.
    const unknown = await patch('admin', APP_RG, patchFullExample());
    expect(unknown.status).toBe(400);
    expect(unknown.body.error?.message).toContain(EXAMPLE_APPROVER_GROUPS[0]);
    expect(await stored(APP_RG)).toEqual([]);
  });

  it('lets a resource group follow its subscription once the subscription\'s policy is marked inherited, and says so; its own change or a reset decides again', async () => {
    const sub = await patch('admin', PROD_SUB, { properties: { rules: [{ id: 'Expiration_EndUser_Assignment', ruleType: 'RoleManagementPolicyExpirationRule', maximumDuration: 'PT2H' }] } });
    expect(sub.status).toBe(200);
    // Changed but not inherited: the resource group keeps its own (default) settings, as in Entra.
    expect((await policyOf(APP_RG)).properties.effectiveFrom).toMatchObject({ scope: APP_RG, inherited: false });

    const marked = await patch('admin', PROD_SUB, { properties: { isInheritedBySubscopes: true } });
    expect(marked.status).toBe(200);
    expect((marked.body as unknown as ArmPolicy).properties.isInheritedBySubscopes).toBe(true);
    const subPolicy = marked.body as unknown as ArmPolicy;

    const child = await policyOf(APP_RG);
    expect(child.properties.effectiveFrom).toEqual({ scope: PROD_SUB, policyId: subPolicy.id, inherited: true });
    expect(rulesById(child.properties.rules).get('Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT8H' });
    expect(rulesById(child.properties.effectiveRules).get('Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT2H' });
    expect(child.properties.effectiveRules).toEqual(subPolicy.properties.rules);
    // A resource group with settings of its own keeps them; another role is not concerned.
    expect((await policyOf(DATA_RG)).properties.effectiveFrom).toMatchObject({ scope: DATA_RG, inherited: false });
    expect((await policyOf(APP_RG, READER)).properties.effectiveFrom.inherited).toBe(false);
    // The policy assignment says the same.
    const assignment = await arm('alice', 'GET', `${assignments(APP_RG, `/${nameAt(APP_RG)}_${OWNER}`)}?${V}`);
    expect(assignment.body).toMatchObject({ properties: { effectiveFrom: { scope: PROD_SUB, inherited: true } } });
    expect((assignment.body as unknown as ArmAssignment).properties.effectiveRules).toEqual(subPolicy.properties.rules);

    // Its own change makes the resource group's own settings apply...
    const own = await patch('admin', APP_RG, { properties: { rules: [{ id: 'Expiration_EndUser_Assignment', ruleType: 'RoleManagementPolicyExpirationRule', maximumDuration: 'PT1H' }] } });
    expect((own.body as unknown as ArmPolicy).properties.effectiveFrom).toMatchObject({ scope: APP_RG, inherited: false });
    // ...and deleting them (a reset) makes it follow the subscription again; a second reset has nothing to do.
    expect((await arm('admin', 'DELETE', `${policies(APP_RG, `/${nameAt(APP_RG)}`)}?${V}`)).status).toBe(200);
    expect((await policyOf(APP_RG)).properties).toMatchObject({ lastModifiedDateTime: null, effectiveFrom: { scope: PROD_SUB, inherited: true } });
    expect((await arm('admin', 'DELETE', `${policies(APP_RG, `/${nameAt(APP_RG)}`)}?${V}`)).status).toBe(204);
  });

  it('lets only admins change or reset a policy (403 AuthorizationFailed), and stores nothing', async () => {
    const before = await stored(PROD_MG);
    const res = await patch('alice', PROD_MG, patchPartialExample());
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'AuthorizationFailed' });
    expect(Object.keys(res.body)).toEqual(['error']);
    expect((await arm('alice', 'DELETE', `${policies(PROD_SUB, `/${nameAt(PROD_SUB)}`)}?${V}`)).status).toBe(403);
    expect(await stored(PROD_MG)).toEqual(before);
  });

  it("refuses bad requests with ARM's error body (400, 404) and stores nothing", async () => {
    const scope = `${PROD_SUB}/resourceGroups/rg-nowhere`;
    const rg = DATA_RG;
    const cases: Array<[string, Promise<ApiResult>, number, string | RegExp]> = [
      ['no body', patch('admin', PROD_MG, undefined), 400, 'InvalidRequestContent'],
      ['no properties', patch('admin', PROD_MG, { rules: [] }), 400, 'InvalidRequestContent'],
      ['a property that is not a setting', patch('admin', PROD_MG, { properties: { rules: [], isInheritedBySubScopes: true } }), 400, 'InvalidRequestContent'],
      ['rules not a list', patch('admin', PROD_MG, { properties: { rules: {} } }), 400, 'InvalidPolicy'],
      ['an unknown rule', patch('admin', PROD_MG, { properties: { rules: [{ id: 'Expiration_Nobody', ruleType: 'RoleManagementPolicyExpirationRule' }] } }), 400, 'InvalidPolicy'],
      [
        'a duration out of range',
        patch('admin', PROD_MG, { properties: { rules: [{ id: 'Expiration_EndUser_Assignment', ruleType: 'RoleManagementPolicyExpirationRule', maximumDuration: 'P2D' }] } }),
        400,
        'InvalidPolicy',
      ],
      [
        'approval without approvers',
        patch('admin', PROD_MG, { properties: { rules: [{ id: 'Approval_EndUser_Assignment', ruleType: 'RoleManagementPolicyApprovalRule', setting: { isApprovalRequired: true } }] } }),
        400,
        'InvalidPolicy',
      ],
      [
        'MFA and an authentication context',
        patch('admin', PROD_MG, {
          properties: {
            rules: [
              { id: 'Enablement_EndUser_Assignment', ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: ['MultiFactorAuthentication'] },
              { id: 'AuthenticationContext_EndUser_Assignment', ruleType: 'RoleManagementPolicyAuthenticationContextRule', isEnabled: true, claimValue: 'c1' },
            ],
          },
        }),
        400,
        'InvalidPolicy',
      ],
      ['no api-version', arm('alice', 'GET', policies(PROD_SUB)), 400, 'MissingApiVersionParameter'],
      ['another api-version', arm('alice', 'GET', `${policies(PROD_SUB)}?api-version=2015-07-01`), 400, 'InvalidApiVersionParameter'],
      ['a bad scope', arm('alice', 'GET', `/subscriptions/not-a-guid${AUTH}/roleManagementPolicies?${V}`), 400, 'InvalidScope'],
      ['an unknown scope', arm('alice', 'GET', `${policies(scope)}?${V}&${roleFilter(PROD_SUB, OWNER)}`), 404, 'ResourceNotFound'],
      ['another filter', arm('alice', 'GET', `${policies(PROD_SUB)}?${V}&$filter=${encodeURIComponent('atScope()')}`), 400, 'InvalidFilter'],
      ['an unknown policy name', patch('admin', rg, patchPartialExample(), CONTRIBUTOR.replace(/^b/, 'c')), 404, 'RoleManagementPolicyNotFound'],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, what).toBe(status);
      expect(res.body.error?.code, `${what}: ${JSON.stringify(res.body)}`).toMatch(code);
      expect(Object.keys(res.body.error ?? {}).sort(), what).toEqual(['code', 'message']);
    }
    const invalid = await patch('admin', PROD_MG, {
      properties: {
        rules: [
          { id: 'Expiration_EndUser_Assignment', ruleType: 'RoleManagementPolicyEnablementRule', maximumDuration: 'PT99H' },
          { id: 'Notification_Admin_Admin_Eligibility', ruleType: 'RoleManagementPolicyNotificationRule', notificationRecipients: ['not-an-email'] },
        ],
      },
    });
    // Every problem at once, in ARM's words.
    expect(invalid.body.error?.message).toMatch(/Expiration_EndUser_Assignment.*RoleManagementPolicyExpirationRule, not 'RoleManagementPolicyEnablementRule'.*email addresses/);
    expect(invalid.body.error?.message).not.toContain('microsoft.graph');
    expect(await stored(PROD_MG)).toEqual([]);
  });

  it('serves the policy assignments: list with the filter, GET, a PUT naming the role\'s own policy (201), refusing any other, DELETE refused', async () => {
    const list = await arm('alice', 'GET', `${assignments(PROD_SUB)}?${V}&${roleFilter(PROD_SUB, CONTRIBUTOR)}`);
    expect(list.status).toBe(200);
    const [assignment] = (list.body as unknown as { value: ArmAssignment[] }).value;
    const policyName = nameAt(PROD_SUB, CONTRIBUTOR);
    const name = `${policyName}_${CONTRIBUTOR}`;
    const roleDefinitionId = `${PROD_SUB}${AUTH}/roleDefinitions/${CONTRIBUTOR}`;
    const policyId = `${PROD_SUB}${AUTH}/roleManagementPolicies/${policyName}`;
    expect(assignment).toMatchObject({
      name,
      id: `${PROD_SUB}${AUTH}/roleManagementPolicyAssignments/${name}`,
      type: 'Microsoft.Authorization/RoleManagementPolicyAssignment',
      properties: {
        scope: PROD_SUB,
        roleDefinitionId,
        policyId,
        policyAssignmentProperties: {
          scope: { id: PROD_SUB, type: 'subscription' },
          roleDefinition: { id: roleDefinitionId, displayName: 'Contributor', type: 'BuiltInRole' },
          policy: { id: policyId },
        },
        effectiveFrom: { inherited: false },
      },
    });
    expect(assignment?.properties.effectiveRules).toHaveLength(17);
    const all = await arm('alice', 'GET', `${assignments(PROD_SUB)}?${V}`);
    expect((all.body as unknown as { value: ArmAssignment[] }).value).toHaveLength(ROLES.length);
    expect((await arm('alice', 'GET', `${assignments(PROD_SUB, `/${name}`)}?${V}`)).body).toEqual(assignment);

    // PUT as in ARM's example body: the role's own policy at the scope is assigned already.
    const put = await arm('admin', 'PUT', `${assignments(PROD_SUB, `/${name}`)}?${V}`, { properties: { scope: PROD_SUB, roleDefinitionId, policyId } });
    expect(put.status).toBe(201);
    expect(put.body).toEqual(assignment);
    const other = await arm('admin', 'PUT', `${assignments(PROD_SUB, `/${name}`)}?${V}`, { properties: { scope: PROD_SUB, roleDefinitionId, policyId: `${PROD_MG}${AUTH}/roleManagementPolicies/${nameAt(PROD_MG, CONTRIBUTOR)}` } });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: 'InvalidRoleManagementPolicyAssignment', message: expect.stringContaining('isInheritedBySubscopes') });
    expect((await arm('alice', 'PUT', `${assignments(PROD_SUB, `/${name}`)}?${V}`, { properties: { scope: PROD_SUB, roleDefinitionId, policyId } })).body.error?.code).toBe('AuthorizationFailed');
    const deleted = await arm('admin', 'DELETE', `${assignments(PROD_SUB, `/${name}`)}?${V}`);
    expect(deleted.status).toBe(400);
    expect((await arm('admin', 'DELETE', `${assignments(PROD_SUB, `/${nameAt(PROD_SUB, OWNER)}_${CONTRIBUTOR}`)}?${V}`)).status).toBe(204);
    expect((await arm('alice', 'GET', `${assignments(PROD_SUB, `/${EXAMPLE_POLICY_NAME}_${CONTRIBUTOR}`)}?${V}`)).status).toBe(404);
  });
});
