import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArmStandInExtension } from '../../devhost/arm';
import type { DevHost } from '../../devhost/core/host';
import { GraphStandInExtension } from '../../devhost/graph';
import { armResources } from '../../shared/adapters/arm/armResources';
import { roleAssignmentName } from '../../shared/adapters/arm/assignmentName';
import { azureRoleAccess } from '../../shared/adapters/arm/azureRoleAccess';
import type { AzureRoleTarget } from '../../shared/domain/target';
import type { AzureResources } from '../../shared/ports/azure';
import { startTestHost } from '../devhost/helpers';
import {
  ALICE,
  BOB,
  CAROL,
  CONNECTIVITY,
  CONTAINER_CONDITION,
  CONTRIBUTOR,
  CORP_DEV,
  CORP_PROD,
  CUSTOM_APP_OPERATOR,
  DAVE,
  ERIN,
  LANDING_ZONES_MG,
  OWNER,
  PLATFORM_MG,
  PROD_STORAGE,
  READER,
  rg,
  ROOT_MG,
  STORAGE_BLOB_DATA_OWNER,
  sub,
  USER_ACCESS_ADMIN,
} from './armDemo';

let host: DevHost;
let arm: ArmStandInExtension;
let resources: AzureResources;
let armUrl: string;

beforeAll(async () => {
  arm = new ArmStandInExtension({ pageSize: 2 });
  // The Graph stand-in too: ARM asks the directory what a principal is.
  host = await startTestHost([new GraphStandInExtension(), arm]);
  armUrl = `${host.url}/.devhost/arm`;
  resources = armResources({ baseUrl: armUrl, retry: { baseDelayMs: 20 }, timeoutMs: 15_000 });
});

afterAll(async () => {
  await host?.stop();
});

afterEach(async () => {
  await fetch(`${armUrl}/faults`, { method: 'DELETE' });
});

const inject = async (fault: Record<string, unknown>) => {
  const res = await fetch(`${armUrl}/faults`, { method: 'POST', body: JSON.stringify(fault) });
  expect(res.status).toBe(201);
};
const injectedSoFar = async () => ((await (await fetch(`${armUrl}/faults`)).json()) as { injected: number }).injected;

/** An assignment made straight in ARM (outside PIM), under a name of its own. */
async function assignOutsidePim(scope: string, principalId: string, role: string, condition?: string): Promise<string> {
  const name = crypto.randomUUID();
  const res = await fetch(`${armUrl}${scope}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=2022-04-01`, {
    method: 'PUT',
    body: JSON.stringify({ properties: { principalId, roleDefinitionId: `/subscriptions/${CORP_PROD}/providers/Microsoft.Authorization/roleDefinitions/${role}`, ...(condition ? { condition, conditionVersion: '2.0' } : {}) } }),
  });
  expect(res.status).toBe(201);
  return name;
}

const assignmentsOf = async (principalId: string) => (await arm.listAssignments()).filter((a) => a.principalId === principalId);

describe('the ARM adapter: role assignments', () => {
  it('grants idempotently under its deterministic name: a second grant finds the same assignment', async () => {
    const scope = rg(CORP_PROD, 'rg-app');
    const first = await resources.grantRole(scope, ALICE, OWNER);
    const second = await resources.grantRole(scope.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/').replace('/RESOURCEGROUPS/', '/resourceGroups/'), ALICE.toUpperCase(), OWNER);
    expect(first).toMatchObject({ scope, principalId: ALICE, roleDefinitionGuid: OWNER, created: true });
    expect(first.id).toBe(`${scope}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(scope, ALICE, OWNER)}`);
    expect(second.id.toLowerCase()).toBe(first.id.toLowerCase());
    expect(second.created).toBe(true);
    expect(await resources.listRoleAssignments(scope, { principalId: ALICE })).toHaveLength(1);
    await resources.revokeRole(scope, ALICE, OWNER);
  });

  it('counts an assignment whose answer was lost as its own: the retried PUT meets it', async () => {
    const scope = rg(CORP_DEV, 'rg-app');
    const before = await injectedSoFar();
    // ARM makes the assignment, then the answer is lost (a 503 on the way back); the pipeline retries the PUT.
    await inject({ status: 503, count: 1, method: 'PUT', pathContains: '/roleAssignments/', afterHandling: true });
    const granted = await resources.grantRole(scope, BOB, CONTRIBUTOR);
    expect(await injectedSoFar()).toBe(before + 1);
    expect(granted).toMatchObject({ created: true, roleDefinitionGuid: CONTRIBUTOR });
    expect((await assignmentsOf(BOB)).filter((a) => a.scope === scope)).toHaveLength(1);
    await resources.revokeRole(scope, BOB, CONTRIBUTOR);
  });

  it('settles two PIM instances granting the same role at once on one assignment, both counting it as PIM\'s', async () => {
    const scope = sub(CORP_DEV);
    const [a, b] = await Promise.all([resources.grantRole(scope, CAROL, READER), resources.grantRole(scope, CAROL, READER)]);
    expect(a.created && b.created).toBe(true);
    expect(a.id).toBe(b.id);
    expect(await assignmentsOf(CAROL)).toHaveLength(1);
    await resources.revokeRole(scope, CAROL, READER);
    expect(await assignmentsOf(CAROL)).toHaveLength(0);
  });

  it('reports an assignment made outside PIM (409 RoleAssignmentExists) as not created, and never removes it', async () => {
    const scope = rg(CORP_PROD, 'rg-data');
    const outside = await assignOutsidePim(scope, DAVE, READER);
    const granted = await resources.grantRole(scope, DAVE, READER);
    expect(granted).toMatchObject({ created: false, principalId: DAVE, roleDefinitionGuid: READER });
    expect(granted.id).toBe(`${scope}/providers/Microsoft.Authorization/roleAssignments/${outside}`);
    await resources.revokeRole(scope, DAVE, READER);
    expect((await assignmentsOf(DAVE)).map((a) => a.name)).toEqual([outside]);
    await fetch(`${armUrl}${scope}/providers/Microsoft.Authorization/roleAssignments/${outside}?api-version=2022-04-01`, { method: 'DELETE' });
  });

  it("carries a condition to ARM as version 2.0, whatever version PIM was given; granting again under PIM's name changes it", async () => {
    const scope = rg(CORP_PROD, 'rg-data');
    const granted = await resources.grantRole(scope, ALICE, STORAGE_BLOB_DATA_OWNER, { condition: CONTAINER_CONDITION, conditionVersion: '1.0' });
    expect(granted).toMatchObject({ created: true, condition: { condition: CONTAINER_CONDITION, conditionVersion: '2.0' } });
    const [stored] = (await assignmentsOf(ALICE)).filter((a) => a.roleDefinitionGuid === STORAGE_BLOB_DATA_OWNER);
    expect(stored).toMatchObject({ name: roleAssignmentName(scope, ALICE, STORAGE_BLOB_DATA_OWNER), condition: CONTAINER_CONDITION, conditionVersion: '2.0' });
    expect((await resources.listRoleAssignments(scope, { principalId: ALICE })).find((a) => a.roleDefinitionGuid === STORAGE_BLOB_DATA_OWNER)?.condition).toEqual({ condition: CONTAINER_CONDITION, conditionVersion: '2.0' });

    // PIM's own assignment, PUT again: one assignment, carrying what was asked now (or nothing).
    const other = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'other'";
    expect(await resources.grantRole(scope, ALICE, STORAGE_BLOB_DATA_OWNER, { condition: other, conditionVersion: '2.0' })).toMatchObject({ id: granted.id, created: true, condition: { condition: other } });
    expect(await resources.grantRole(scope, ALICE, STORAGE_BLOB_DATA_OWNER)).toMatchObject({ id: granted.id, condition: null });
    expect((await assignmentsOf(ALICE)).filter((a) => a.roleDefinitionGuid === STORAGE_BLOB_DATA_OWNER)).toEqual([expect.objectContaining({ condition: null })]);
    await resources.revokeRole(scope, ALICE, STORAGE_BLOB_DATA_OWNER);
  });

  it('passes on what ARM refuses a condition for: a role no condition can constrain', async () => {
    await expect(resources.grantRole(rg(CORP_PROD, 'rg-app'), BOB, CONTRIBUTOR, { condition: CONTAINER_CONDITION, conditionVersion: '2.0' })).rejects.toMatchObject({ statusCode: 400, code: 'InvalidCondition' });
    expect((await assignmentsOf(BOB)).filter((a) => a.roleDefinitionGuid === CONTRIBUTOR && a.scope === rg(CORP_PROD, 'rg-app'))).toEqual([]);
  });

  it('never widens or changes a conditioned assignment made outside PIM: another condition (or none) asked is a 409; the same one, or none held, is ridden', async () => {
    const scope = rg(CORP_DEV, 'rg-data');
    const outside = await assignOutsidePim(scope, DAVE, STORAGE_BLOB_DATA_OWNER, CONTAINER_CONDITION);
    for (const asked of [undefined, { condition: "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'other'", conditionVersion: '2.0' }]) {
      await expect(resources.grantRole(scope, DAVE, STORAGE_BLOB_DATA_OWNER, asked)).rejects.toMatchObject({ status: 409, code: 'RoleAssignmentExists', message: expect.stringContaining(outside) });
    }
    expect(await resources.grantRole(scope, DAVE, STORAGE_BLOB_DATA_OWNER, { condition: CONTAINER_CONDITION, conditionVersion: '1.0' })).toMatchObject({ created: false, id: expect.stringContaining(outside) });
    expect((await assignmentsOf(DAVE)).filter((a) => a.roleDefinitionGuid === STORAGE_BLOB_DATA_OWNER)).toEqual([expect.objectContaining({ name: outside, condition: CONTAINER_CONDITION })]);
    await fetch(`${armUrl}${scope}/providers/Microsoft.Authorization/roleAssignments/${outside}?api-version=2022-04-01`, { method: 'DELETE' });

    // Held without a condition outside PIM: it already grants at least what a conditioned grant asks.
    const plain = await assignOutsidePim(scope, DAVE, STORAGE_BLOB_DATA_OWNER);
    expect(await resources.grantRole(scope, DAVE, STORAGE_BLOB_DATA_OWNER, { condition: CONTAINER_CONDITION, conditionVersion: '2.0' })).toMatchObject({ created: false, condition: null });
    await fetch(`${armUrl}${scope}/providers/Microsoft.Authorization/roleAssignments/${plain}?api-version=2022-04-01`, { method: 'DELETE' });
  });

  it('revokes idempotently: an assignment that is not there is success', async () => {
    await resources.revokeRole(sub(CONNECTIVITY), ERIN, USER_ACCESS_ADMIN);
    await resources.grantRole(sub(CONNECTIVITY), ERIN, USER_ACCESS_ADMIN);
    await resources.revokeRole(sub(CONNECTIVITY), ERIN, USER_ACCESS_ADMIN);
    await resources.revokeRole(sub(CONNECTIVITY), ERIN, USER_ACCESS_ADMIN);
    expect(await assignmentsOf(ERIN)).toEqual([]);
  });

  it('grants at a management group and at a resource', async () => {
    const atGroup = await resources.grantRole(LANDING_ZONES_MG, ERIN, READER);
    const atResource = await resources.grantRole(PROD_STORAGE, ERIN, CONTRIBUTOR);
    expect(atGroup).toMatchObject({ scope: LANDING_ZONES_MG, created: true });
    expect(atResource).toMatchObject({ scope: PROD_STORAGE, created: true });
    expect(await resources.listRoleAssignments(LANDING_ZONES_MG)).toEqual([expect.objectContaining({ principalId: ERIN, roleDefinitionGuid: READER })]);
    await resources.revokeRole(LANDING_ZONES_MG, ERIN, READER);
    await resources.revokeRole(PROD_STORAGE, ERIN, CONTRIBUTOR);
  });

  it("lists only the assignments at exactly the scope, following ARM's pages", async () => {
    const scope = rg(CONNECTIVITY, 'rg-network');
    // One above (inherited at the scope), one below, three at it: pages of two.
    await resources.grantRole(sub(CONNECTIVITY), ALICE, READER);
    await resources.grantRole(`${scope}/providers/Microsoft.Network/virtualNetworks/vnet-hub-weu`, ALICE, CONTRIBUTOR);
    for (const principal of [ALICE, BOB, CAROL]) await resources.grantRole(scope, principal, OWNER);
    const at = await resources.listRoleAssignments(scope);
    expect(at.map((a) => a.principalId).sort()).toEqual([ALICE, BOB, CAROL].sort());
    expect(at.every((a) => a.scope === scope && a.roleDefinitionGuid === OWNER)).toBe(true);
    expect((await resources.listRoleAssignments(scope, { principalId: ALICE })).map((a) => a.roleDefinitionGuid)).toEqual([OWNER]);
    expect(await resources.listRoleAssignments(scope, { principalId: 'not-a-guid' })).toEqual([]);
    for (const principal of [ALICE, BOB, CAROL]) await resources.revokeRole(scope, principal, OWNER);
    await resources.revokeRole(sub(CONNECTIVITY), ALICE, READER);
    await resources.revokeRole(`${scope}/providers/Microsoft.Network/virtualNetworks/vnet-hub-weu`, ALICE, CONTRIBUTOR);
  });

  it("passes ARM's refusals on: an unknown principal, a role not assignable at the scope, an unknown resource group", async () => {
    await expect(resources.grantRole(sub(CORP_PROD), '00000000-0000-0000-0000-0000000000aa', READER)).rejects.toMatchObject({ statusCode: 400, code: 'PrincipalNotFound' });
    await expect(resources.grantRole(sub(CORP_DEV), ALICE, CUSTOM_APP_OPERATOR)).rejects.toMatchObject({ statusCode: 400, code: 'RoleDefinitionDoesNotExist' });
    await expect(resources.grantRole(rg(CORP_PROD, 'rg-missing'), ALICE, READER)).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
    await expect(resources.grantRole(sub(CORP_PROD), 'alice', READER)).rejects.toThrow(/not a GUID/);
  });
});

describe('the ARM adapter: throttling, failures and deadlines', () => {
  it('waits out a 429 as its Retry-After says, then succeeds', async () => {
    const before = await injectedSoFar();
    await inject({ status: 429, count: 1, retryAfterSeconds: 1, method: 'GET', pathContains: '/roleDefinitions' });
    const started = Date.now();
    const roles = await resources.listRoleDefinitions(sub(CORP_PROD));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(await injectedSoFar()).toBe(before + 1);
    expect(roles.map((r) => r.roleName)).toContain('Owner');
  });

  it('retries 503s a few times, and reports the last one when they do not stop', async () => {
    const before = await injectedSoFar();
    await inject({ status: 503, count: 2, method: 'PUT', pathContains: '/roleAssignments/' });
    expect(await resources.grantRole(sub(CORP_DEV), DAVE, READER)).toMatchObject({ created: true });
    expect(await injectedSoFar()).toBe(before + 2);
    await inject({ status: 503, count: 10, method: 'DELETE', pathContains: '/roleAssignments/' });
    await expect(resources.revokeRole(sub(CORP_DEV), DAVE, READER)).rejects.toMatchObject({ statusCode: 503 });
    await fetch(`${armUrl}/faults`, { method: 'DELETE' });
    await resources.revokeRole(sub(CORP_DEV), DAVE, READER);
  });

  it('fails at once when ARM asks to wait longer than it waits, instead of holding the call', async () => {
    const impatient = armResources({ baseUrl: armUrl, retry: { maxWaitMs: 2_000 } });
    await inject({ status: 429, count: 1, retryAfterSeconds: 120, method: 'GET', pathContains: '/roleDefinitions/' });
    const started = Date.now();
    await expect(impatient.getRoleDefinition(sub(CORP_PROD), OWNER)).rejects.toMatchObject({ statusCode: 429 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up at its deadline when ARM does not answer', async () => {
    const hurried = armResources({ baseUrl: armUrl, timeoutMs: 300 });
    await inject({ status: 0, latencyMs: 1_500, count: 1, method: 'GET', pathContains: '/roleAssignments' });
    await expect(hurried.listRoleAssignments(sub(CORP_PROD))).rejects.toThrow(/did not answer listRoleAssignments within 300 ms/);
  });
});

describe('the ARM adapter: hierarchy and role definitions', () => {
  it('walks from a resource up to the tenant root: resource group, subscription, management groups', async () => {
    expect(await resources.ancestorsOf(PROD_STORAGE)).toEqual([rg(CORP_PROD, 'rg-data'), sub(CORP_PROD), LANDING_ZONES_MG, ROOT_MG]);
    expect(await resources.ancestorsOf(rg(CONNECTIVITY, 'rg-dns'))).toEqual([sub(CONNECTIVITY), PLATFORM_MG, ROOT_MG]);
    expect(await resources.ancestorsOf(sub(CORP_DEV))).toEqual([LANDING_ZONES_MG, ROOT_MG]);
    expect(await resources.ancestorsOf(PLATFORM_MG)).toEqual([ROOT_MG]);
    expect(await resources.ancestorsOf(ROOT_MG)).toEqual([]);
    // The alias ARM's own examples use, and other casings, name the same scope.
    expect(await resources.ancestorsOf(`/providers/Microsoft.Subscription/subscriptions/${CORP_DEV.toUpperCase()}/resourcegroups/RG-APP`)).toEqual([
      sub(CORP_DEV),
      LANDING_ZONES_MG,
      ROOT_MG,
    ]);
  });

  it('answers undefined for scopes Azure does not have', async () => {
    expect(await resources.ancestorsOf(rg(CORP_PROD, 'rg-nope'))).toBeUndefined();
    expect(await resources.ancestorsOf(sub('00000000-0000-0000-0000-00000000dead'))).toBeUndefined();
    expect(await resources.ancestorsOf(`${rg(CORP_PROD, 'rg-data')}/providers/Microsoft.Storage/storageAccounts/nosuchaccount`)).toBeUndefined();
    expect(await resources.ancestorsOf(`${rg(CORP_PROD, 'rg-data')}/providers/Microsoft.Nope/things/x`)).toBeUndefined();
    expect(await resources.ancestorsOf('/providers/Microsoft.Management/managementGroups/nope')).toBeUndefined();
  });

  it('keeps the hierarchy for a while: a second walk asks ARM nothing', async () => {
    const scope = `${rg(CORP_PROD, 'rg-app')}/providers/Microsoft.Compute/virtualMachines/vm-app-01`;
    const first = await resources.ancestorsOf(scope);
    await inject({ status: 500, count: 5, pathContains: '/' });
    expect(await resources.ancestorsOf(scope)).toEqual(first);
    const pending = ((await (await fetch(`${armUrl}/faults`)).json()) as { pending: Array<{ count: number }> }).pending;
    expect(pending[0]?.count).toBe(5);
  });

  it('lists the roles assignable at a scope: the custom role only within its subscription', async () => {
    const names = async (scope: string) => (await resources.listRoleDefinitions(scope)).map((r) => r.roleName).sort();
    const builtIns = ['Contributor', 'Key Vault Secrets User', 'Owner', 'Reader', 'Role Based Access Control Administrator', 'Storage Blob Data Owner', 'User Access Administrator'];
    expect(await names(sub(CORP_PROD))).toEqual([...builtIns, 'Corp Production App Operator'].sort());
    expect(await names(PROD_STORAGE)).toEqual([...builtIns, 'Corp Production App Operator'].sort());
    expect(await names(sub(CORP_DEV))).toEqual(builtIns);
    expect(await names(LANDING_ZONES_MG)).toEqual(builtIns);
    expect(await resources.listRoleDefinitions(sub('00000000-0000-0000-0000-00000000dead'))).toEqual([]);
  });

  it('reads one role definition as seen at a scope', async () => {
    expect(await resources.getRoleDefinition(rg(CORP_DEV, 'rg-data'), OWNER)).toMatchObject({
      guid: OWNER,
      roleName: 'Owner',
      roleType: 'BuiltInRole',
      assignableScopes: ['/'],
      permissions: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }],
    });
    expect(await resources.getRoleDefinition(rg(CORP_PROD, 'rg-app'), CUSTOM_APP_OPERATOR.toUpperCase())).toMatchObject({ roleType: 'CustomRole', assignableScopes: [sub(CORP_PROD)] });
    expect(await resources.getRoleDefinition(sub(CORP_DEV), CUSTOM_APP_OPERATOR)).toBeUndefined();
    expect(await resources.getRoleDefinition(sub(CORP_PROD), '00000000-0000-0000-0000-000000000001')).toBeUndefined();
    expect(await resources.getRoleDefinition(sub(CORP_PROD), '../../x')).toBeUndefined();
  });
});

describe('Azure roles as an access target', () => {
  const at = (scope: string, roleDefinitionId: string): AzureRoleTarget => ({ kind: 'azureRole', scope, roleDefinitionId });

  it('grants, lists per scope and revokes Azure roles', async () => {
    const access = azureRoleAccess(resources);
    const app = rg(CORP_PROD, 'rg-app');
    const granted = await access.grant(ALICE, at(app, CONTRIBUTOR));
    expect(granted).toMatchObject({ principalId: ALICE, target: at(app, CONTRIBUTOR), created: true });
    await access.grant(BOB, at(app, READER));
    // Above the scope (inherited there in Azure, but another target's grant).
    await access.grant(ALICE, at(sub(CORP_PROD), READER));

    const both = await access.listGrants({ targets: [at(app, CONTRIBUTOR), at(app.toLowerCase(), READER)] });
    expect(both.map((g) => `${g.principalId} ${g.target.kind === 'azureRole' ? g.target.roleDefinitionId : ''}`).sort()).toEqual([`${ALICE} ${CONTRIBUTOR}`, `${BOB} ${READER}`].sort());
    expect(both.find((g) => g.principalId === ALICE)?.id).toBe(granted.id);
    expect(await access.listGrants({ principalId: BOB, targets: [at(app, CONTRIBUTOR), at(app, READER)] })).toEqual([expect.objectContaining({ principalId: BOB })]);
    expect(await access.listGrants({ targets: [at(rg(CORP_PROD, 'rg-network'), OWNER)] })).toEqual([]);
    await expect(access.listGrants({ principalId: ALICE })).rejects.toThrow(/listed per scope/);
    await expect(access.grant(ALICE, { kind: 'group', groupId: 'x', accessId: 'member' })).rejects.toMatchObject({ code: 'TargetKindNotSupported' });

    await access.revoke(ALICE, at(app, CONTRIBUTOR));
    await access.revoke(BOB, at(app, READER));
    await access.revoke(ALICE, at(sub(CORP_PROD), READER));
    expect(await access.listGrants({ targets: [at(app, CONTRIBUTOR), at(app, READER), at(sub(CORP_PROD), READER)] })).toEqual([]);
  });

  it("grants with the condition it is given, and lists grants with theirs", async () => {
    const access = azureRoleAccess(resources);
    const storage = at(PROD_STORAGE, STORAGE_BLOB_DATA_OWNER);
    const condition = { condition: CONTAINER_CONDITION, conditionVersion: '1.0' };
    expect(await access.grant(CAROL, storage, { condition })).toMatchObject({ created: true, condition: { condition: CONTAINER_CONDITION, conditionVersion: '2.0' } });
    expect(await access.listGrants({ principalId: CAROL, targets: [storage] })).toEqual([expect.objectContaining({ condition: { condition: CONTAINER_CONDITION, conditionVersion: '2.0' } })]);
    await access.revoke(CAROL, storage);
  });
});
