import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmStandInExtension } from '../../devhost/arm';
import { DevHost } from '../../devhost/core/host';
import { Logger } from '../../devhost/core/logger';
import { GraphStandInExtension } from '../../devhost/graph';
import { startTestHost, testStorage, uniquePrefix } from '../devhost/helpers';
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
  DB_OWNERS,
  LANDING_ZONES_MG,
  OWNER,
  PROD_STORAGE,
  PROD_VAULT,
  RBAC_ADMIN,
  READER,
  rg,
  ROOT_MG,
  STORAGE_BLOB_DATA_OWNER,
  sub,
  TENANT,
} from './armDemo';

let host: DevHost;
let base: string;

beforeAll(async () => {
  host = await startTestHost([new GraphStandInExtension(), new ArmStandInExtension({ pageSize: 3 })]);
  base = `${host.url}/.devhost/arm`;
});

afterAll(async () => {
  await host?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { value?: Array<Record<string, unknown>>; nextLink?: string; error?: { code: string; message: string } };
}

async function call(method: string, path: string, body?: unknown, root = base): Promise<Answer> {
  const res = await fetch(path.startsWith('http') ? path : `${root}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

const AUTH = '2022-04-01';
const assignmentPath = (scope: string, name: string) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=${AUTH}`;
const roleId = (role: string, subscription = CORP_PROD) => `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
const put = (scope: string, name: string, principalId: string, role: string, extra: Record<string, unknown> = {}) =>
  call('PUT', assignmentPath(scope, name), { properties: { principalId, roleDefinitionId: roleId(role), ...extra } });

/** Every item of a list, following nextLink. */
async function all(path: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  for (let next: string | undefined = path; next; ) {
    const answer = await call('GET', next);
    expect(answer.status).toBe(200);
    items.push(...(answer.body.value ?? []));
    next = answer.body.nextLink;
  }
  return items;
}

describe("the ARM stand-in's answers", () => {
  it('requires an api-version, and names the ones it knows', async () => {
    const missing = await call('GET', `/subscriptions/${CORP_PROD}`);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' } });
    expect(missing.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const wrong = await call('GET', `${sub(CORP_PROD)}/providers/Microsoft.Authorization/roleAssignments?api-version=2099-01-01`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error?.code).toBe('InvalidApiVersionParameter');
    expect(wrong.body.error?.message).toContain('2022-04-01');
    expect((await call('POST', '/providers/Microsoft.Management/getEntities')).body.error?.code).toBe('MissingApiVersionParameter');
  });

  it('answers with request ids, the correlation id it was given, and what remains of the hour\'s reads and writes', async () => {
    const first = await call('GET', `/subscriptions/${CORP_DEV}?api-version=2022-12-01`);
    const second = await call('GET', `/subscriptions/${CORP_DEV}?api-version=2022-12-01`);
    const reads = (a: Answer) => Number(a.headers.get('x-ms-ratelimit-remaining-subscription-reads'));
    expect(reads(first)).toBeGreaterThan(11_000);
    expect(reads(second)).toBe(reads(first) - 1);
    expect(first.headers.get('x-ms-request-id')).not.toBe(second.headers.get('x-ms-request-id'));
    const correlated = await fetch(`${base}/providers/Microsoft.Management/managementGroups?api-version=2021-04-01`, { headers: { 'x-ms-correlation-request-id': 'abc-123' } });
    expect(correlated.headers.get('x-ms-correlation-request-id')).toBe('abc-123');
    expect(Number(correlated.headers.get('x-ms-ratelimit-remaining-tenant-reads'))).toBeGreaterThan(11_000);
    const write = await put(sub(CORP_DEV), crypto.randomUUID(), ALICE, READER);
    expect(Number(write.headers.get('x-ms-ratelimit-remaining-subscription-writes'))).toBe(1_199);
    await call('DELETE', assignmentPath(sub(CORP_DEV), String(write.body.name)));
  });

  it('serves the demo tree: subscriptions, resource groups, resources read with their provider\'s API version', async () => {
    expect((await call('GET', `/subscriptions/${CORP_PROD}?api-version=2022-12-01`)).body).toMatchObject({ subscriptionId: CORP_PROD, displayName: 'Corp Production', tenantId: TENANT, state: 'Enabled' });
    expect((await all('/subscriptions?api-version=2022-12-01')).map((s) => s.displayName).sort()).toEqual(['Connectivity', 'Corp Development', 'Corp Production']);
    expect((await all(`/subscriptions/${CORP_PROD}/resourcegroups?api-version=2021-04-01`)).map((g) => g.name)).toEqual(['rg-app', 'rg-data', 'rg-network']);
    expect((await call('GET', `/subscriptions/${CORP_PROD}/resourceGroups/RG-DATA?api-version=2021-04-01`)).body).toMatchObject({ name: 'rg-data', type: 'Microsoft.Resources/resourceGroups' });
    const storage = (await call('GET', `/subscriptions/${CORP_PROD}/providers/Microsoft.Storage?api-version=2021-04-01`)).body as { resourceTypes: Array<{ resourceType: string; apiVersions: string[] }> };
    expect(storage.resourceTypes[0]).toMatchObject({ resourceType: 'storageAccounts', apiVersions: expect.arrayContaining(['2023-05-01']) });
    expect((await call('GET', `${PROD_STORAGE}?api-version=2023-05-01`)).body).toMatchObject({ id: PROD_STORAGE, type: 'Microsoft.Storage/storageAccounts' });
    expect((await call('GET', `${PROD_VAULT}?api-version=2023-07-01`)).status).toBe(200);
    const wrongVersion = await call('GET', `${PROD_STORAGE}?api-version=2021-04-01`);
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.error?.code).toBe('NoRegisteredProviderFound');
  });

  it("refuses what is not there with ARM's codes", async () => {
    const noSub = await call('GET', `/subscriptions/00000000-0000-0000-0000-00000000dead?api-version=2022-12-01`);
    expect(noSub.status).toBe(404);
    expect(noSub.body.error?.code).toBe('SubscriptionNotFound');
    expect((await call('GET', `${rg(CORP_PROD, 'rg-nope')}?api-version=2021-04-01`)).body.error?.code).toBe('ResourceGroupNotFound');
    expect((await call('GET', `${rg(CORP_PROD, 'rg-data')}/providers/Microsoft.Storage/storageAccounts/nope?api-version=2023-05-01`)).body.error?.code).toBe('ResourceNotFound');
    expect((await call('GET', `/subscriptions/${CORP_PROD}/providers/Microsoft.Nope?api-version=2021-04-01`)).body.error?.code).toBe('InvalidResourceNamespace');
    expect((await call('GET', '/providers/Microsoft.Management/managementGroups/nope?api-version=2021-04-01')).status).toBe(404);
  });

  it('serves the management group tree: ancestors, path, children, descendants, and getEntities with each chain of parents', async () => {
    const lz = await call('GET', '/providers/Microsoft.Management/managementGroups/landing-zones?api-version=2021-04-01&$expand=ancestors,path');
    expect(lz.body).toMatchObject({
      id: LANDING_ZONES_MG,
      name: 'landing-zones',
      properties: {
        displayName: 'Landing Zones',
        details: {
          parent: { id: ROOT_MG, name: TENANT, displayName: 'Tenant Root Group' },
          managementGroupAncestors: [TENANT],
          managementGroupAncestorsChain: [{ name: TENANT, displayName: 'Tenant Root Group' }],
          path: [
            { name: TENANT, displayName: 'Tenant Root Group' },
            { name: 'landing-zones', displayName: 'Landing Zones' },
          ],
        },
      },
    });
    const root = await call('GET', `/providers/Microsoft.Management/managementGroups/${TENANT}?api-version=2021-04-01&$expand=children&$recurse=true`);
    const children = (root.body.properties as { children: Array<{ name: string; children: Array<{ displayName: string }> }> }).children;
    expect(children.map((c) => c.name)).toEqual(['platform', 'landing-zones']);
    expect(children[1]?.children.map((c) => c.displayName)).toEqual(['Corp Production', 'Corp Development']);
    expect((await all(`/providers/Microsoft.Management/managementGroups/${TENANT}/descendants?api-version=2021-04-01`)).length).toBe(5);
    expect((await call('GET', `/providers/Microsoft.Management/managementGroups/platform/subscriptions/${CONNECTIVITY}?api-version=2021-04-01`)).body).toMatchObject({
      properties: { displayName: 'Connectivity', parent: { id: '/providers/Microsoft.Management/managementGroups/platform' } },
    });
    const entity = await call('POST', `/providers/Microsoft.Management/getEntities?api-version=2021-04-01&$filter=${encodeURIComponent(`name eq '${CORP_DEV.toUpperCase()}'`)}`);
    expect(entity.body).toMatchObject({
      count: 1,
      value: [{ id: sub(CORP_DEV), type: '/subscriptions', properties: { parentNameChain: [TENANT, 'landing-zones'], parentDisplayNameChain: ['Tenant Root Group', 'Landing Zones'] } }],
    });
    expect((await all('/providers/Microsoft.Management/managementGroups?api-version=2021-04-01')).length).toBe(3);
  });

  it('lists role definitions at a scope, the custom role only where it is assignable, and reads one by GUID', async () => {
    const at = async (scope: string) => (await all(`${scope}/providers/Microsoft.Authorization/roleDefinitions?api-version=${AUTH}`)).map((r) => r.name);
    expect(await at(rg(CORP_PROD, 'rg-app'))).toContain(CUSTOM_APP_OPERATOR);
    expect(await at(sub(CORP_DEV))).not.toContain(CUSTOM_APP_OPERATOR);
    expect((await at(sub(CORP_DEV))).length).toBe(7);
    const owner = await call('GET', `${sub(CORP_DEV)}/providers/Microsoft.Authorization/roleDefinitions/${OWNER}?api-version=${AUTH}`);
    expect(owner.body).toMatchObject({ id: roleId(OWNER, CORP_DEV), name: OWNER, type: 'Microsoft.Authorization/roleDefinitions', properties: { roleName: 'Owner', type: 'BuiltInRole', assignableScopes: ['/'] } });
    expect((await call('GET', `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}?api-version=${AUTH}`)).body).toMatchObject({ id: `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}` });
    const hidden = await call('GET', `${sub(CORP_DEV)}/providers/Microsoft.Authorization/roleDefinitions/${CUSTOM_APP_OPERATOR}?api-version=${AUTH}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error).toEqual({ code: 'RoleDefinitionDoesNotExist', message: `The specified role definition with ID '${CUSTOM_APP_OPERATOR}' does not exist.` });
    const byName = await call('GET', `${sub(CORP_PROD)}/providers/Microsoft.Authorization/roleDefinitions?api-version=${AUTH}&$filter=${encodeURIComponent("roleName eq 'Reader'")}`);
    expect(byName.body.value?.map((r) => r.name)).toEqual([READER]);
  });
});

describe("the ARM stand-in's role assignments", () => {
  it('creates one (201), takes the same PUT again (200), refuses a second name for it (409) and a changed principal (400)', async () => {
    const scope = rg(CORP_PROD, 'rg-app');
    const name = crypto.randomUUID();
    const made = await put(scope, name, ALICE, CONTRIBUTOR);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: { roleDefinitionId: roleId(CONTRIBUTOR), principalId: ALICE, principalType: 'User', scope },
    });
    expect((await put(scope, name, ALICE, CONTRIBUTOR, { description: 'again' })).status).toBe(200);
    const other = await put(scope, crypto.randomUUID(), ALICE, CONTRIBUTOR);
    expect(other.status).toBe(409);
    expect(other.body.error).toEqual({ code: 'RoleAssignmentExists', message: `The role assignment already exists. The ID of the existing role assignment is ${name.replace(/-/g, '')}.` });
    const changed = await put(scope, name, BOB, CONTRIBUTOR);
    expect(changed.status).toBe(400);
    expect(changed.body.error?.code).toBe('RoleAssignmentUpdateNotPermitted');
    expect((await call('GET', assignmentPath(scope, name))).body).toMatchObject({ name, properties: { description: 'again' } });

    const removed = await call('DELETE', assignmentPath(scope, name));
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ name, properties: { principalId: ALICE } });
    expect((await call('DELETE', assignmentPath(scope, name))).status).toBe(204);
    expect((await call('GET', assignmentPath(scope, name))).body.error?.code).toBe('RoleAssignmentNotFound');
  });

  it('keeps a condition and returns it on GET and list; a condition alone gets version 2.0; the same name PUT again changes or clears it', async () => {
    const scope = rg(CORP_PROD, 'rg-data');
    const name = crypto.randomUUID();
    const made = await put(scope, name, CAROL, STORAGE_BLOB_DATA_OWNER, { condition: CONTAINER_CONDITION });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.properties).toMatchObject({ condition: CONTAINER_CONDITION, conditionVersion: '2.0' });
    expect((await call('GET', assignmentPath(scope, name))).body.properties).toMatchObject({ condition: CONTAINER_CONDITION, conditionVersion: '2.0' });
    const listed = await all(`${scope}/providers/Microsoft.Authorization/roleAssignments?api-version=${AUTH}&$filter=${encodeURIComponent(`principalId eq '${CAROL}'`)}`);
    expect(listed.map((a) => a.properties)).toContainEqual(expect.objectContaining({ condition: CONTAINER_CONDITION, conditionVersion: '2.0' }));

    const narrower = `${CONTAINER_CONDITION} AND @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'logs/'`;
    const changed = await put(scope, name, CAROL, STORAGE_BLOB_DATA_OWNER, { condition: narrower, conditionVersion: '2.0' });
    expect([changed.status, (changed.body.properties as Record<string, unknown>).condition]).toEqual([200, narrower]);
    // ARM's docs: set both to empty strings (or null) to delete a condition.
    const cleared = await put(scope, name, CAROL, STORAGE_BLOB_DATA_OWNER, { condition: '', conditionVersion: '' });
    expect([cleared.status, cleared.body.properties]).toEqual([200, expect.objectContaining({ condition: null, conditionVersion: null })]);
    await call('DELETE', assignmentPath(scope, name));
  });

  it('refuses conditions ARM refuses: version 1.0 or another, a version alone, a role no condition can constrain; role assignment delegation takes one', async () => {
    const scope = rg(CORP_DEV, 'rg-data');
    const refused = async (role: string, extra: Record<string, unknown>, code: string) => {
      const a = await put(scope, crypto.randomUUID(), DAVE, role, extra);
      expect([a.status, a.body.error?.code], JSON.stringify(a.body)).toEqual([400, code]);
      expect(a.body.error?.message).toMatch(/^The given role assignment condition is invalid\./);
    };
    await refused(STORAGE_BLOB_DATA_OWNER, { condition: CONTAINER_CONDITION, conditionVersion: '1.0' }, 'InvalidConditionVersion');
    await refused(STORAGE_BLOB_DATA_OWNER, { condition: CONTAINER_CONDITION, conditionVersion: '3.0' }, 'InvalidConditionVersion');
    await refused(STORAGE_BLOB_DATA_OWNER, { conditionVersion: '2.0' }, 'InvalidCondition');
    // Contributor: role assignment writes are among its notActions, and it has no data actions.
    await refused(CONTRIBUTOR, { condition: CONTAINER_CONDITION, conditionVersion: '2.0' }, 'InvalidCondition');
    await refused(READER, { condition: CONTAINER_CONDITION, conditionVersion: '2.0' }, 'InvalidCondition');
    const atScope = await all(`${scope}/providers/Microsoft.Authorization/roleAssignments?api-version=${AUTH}&$filter=${encodeURIComponent(`principalId eq '${DAVE}'`)}`);
    expect(atScope.filter((a) => (a.properties as Record<string, unknown>).scope === scope)).toEqual([]);

    const delegation = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {acdd72a7-3385-48ef-bd42-f606fba81ae7}))";
    const name = crypto.randomUUID();
    const made = await put(scope, name, DAVE, RBAC_ADMIN, { condition: delegation, conditionVersion: '2.0' });
    expect([made.status, (made.body.properties as Record<string, unknown>).condition]).toEqual([201, delegation]);
    await call('DELETE', assignmentPath(scope, name));
  });

  it('refuses bad assignments with 400 and unknown scopes with 404, storing nothing', async () => {
    const scope = sub(CORP_DEV);
    const refused = async (answer: Promise<Answer>, status: number, code: string) => {
      const a = await answer;
      expect([a.status, a.body.error?.code]).toEqual([status, code]);
    };
    await refused(put(scope, 'not-a-guid', ALICE, READER), 400, 'InvalidRoleAssignmentId');
    await refused(call('PUT', assignmentPath(scope, crypto.randomUUID()), '{'), 400, 'InvalidRequestContent');
    await refused(put(scope, crypto.randomUUID(), 'alice', READER), 400, 'InvalidPrincipalId');
    await refused(call('PUT', assignmentPath(scope, crypto.randomUUID()), { properties: { principalId: ALICE, roleDefinitionId: READER } }), 400, 'InvalidRoleDefinitionId');
    await refused(put(scope, crypto.randomUUID(), ALICE, '00000000-0000-0000-0000-000000000001'), 400, 'RoleDefinitionDoesNotExist');
    await refused(put(scope, crypto.randomUUID(), ALICE, CUSTOM_APP_OPERATOR), 400, 'RoleDefinitionDoesNotExist');
    await refused(put(scope, crypto.randomUUID(), '00000000-0000-0000-0000-0000000000aa', READER), 400, 'PrincipalNotFound');
    await refused(put(rg(CORP_DEV, 'rg-nope'), crypto.randomUUID(), ALICE, READER), 404, 'ResourceGroupNotFound');
    await refused(put(sub('00000000-0000-0000-0000-00000000dead'), crypto.randomUUID(), ALICE, READER), 404, 'SubscriptionNotFound');
    await refused(put('/subscriptions/x/resourceGroups', crypto.randomUUID(), ALICE, READER), 400, 'InvalidScope');
    expect(await all(`${scope}/providers/Microsoft.Authorization/roleAssignments?api-version=${AUTH}`)).toEqual([]);
    // A principal the directory has not replicated yet is taken when its type is given, as ARM takes it.
    const trusted = await put(scope, crypto.randomUUID(), '00000000-0000-0000-0000-0000000000aa', READER, { principalType: 'ServicePrincipal' });
    expect(trusted.status).toBe(201);
    await call('DELETE', assignmentPath(scope, String(trusted.body.name)));
  });

  it("lists as ARM does: atScope() at and above, principalId eq at, above and below, assignedTo() through groups", async () => {
    const made: Array<[string, string]> = [];
    const assign = async (scope: string, principal: string, role: string) => {
      const name = crypto.randomUUID();
      expect((await put(scope, name, principal, role)).status).toBe(201);
      made.push([scope, name]);
    };
    await assign(LANDING_ZONES_MG, BOB, READER);
    await assign(sub(CORP_PROD), ALICE, READER);
    await assign(rg(CORP_PROD, 'rg-data'), ALICE, CONTRIBUTOR);
    await assign(PROD_STORAGE, ALICE, OWNER);
    await assign(rg(CORP_PROD, 'rg-data'), DB_OWNERS, OWNER);
    const list = async (scope: string, filter?: string) =>
      (await all(`${scope}/providers/Microsoft.Authorization/roleAssignments?api-version=${AUTH}${filter ? `&$filter=${encodeURIComponent(filter)}` : ''}`))
        .map((a) => {
          const p = a.properties as { scope: string; principalId: string };
          return `${p.principalId === ALICE ? 'alice' : p.principalId === BOB ? 'bob' : 'db-owners'}@${p.scope.split('/').pop()}`;
        })
        .sort();
    const dataRg = rg(CORP_PROD, 'rg-data');
    expect(await list(dataRg, 'atScope()')).toEqual(['alice@8d2f5a1c-6e4b-4c9a-b7d3-0e5f8a2c4b97', 'alice@rg-data', 'bob@landing-zones', 'db-owners@rg-data']);
    expect(await list(dataRg)).toEqual(['alice@8d2f5a1c-6e4b-4c9a-b7d3-0e5f8a2c4b97', 'alice@rg-data', 'alice@stcorpproddata01', 'bob@landing-zones', 'db-owners@rg-data']);
    expect(await list(sub(CORP_PROD), `principalId eq '${ALICE}'`)).toEqual(['alice@8d2f5a1c-6e4b-4c9a-b7d3-0e5f8a2c4b97', 'alice@rg-data', 'alice@stcorpproddata01']);
    expect(await list(dataRg, `assignedTo('${CAROL}')`)).toEqual(['db-owners@rg-data']);
    expect(await list(dataRg, `atScope() and principalId eq '${BOB}'`)).toEqual(['bob@landing-zones']);
    expect(await list(rg(CORP_DEV, 'rg-app'), 'atScope()')).toEqual(['bob@landing-zones']);
    const bad = await call('GET', `${dataRg}/providers/Microsoft.Authorization/roleAssignments?api-version=${AUTH}&$filter=${encodeURIComponent("roleName eq 'x'")}`);
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'UnsupportedQuery']);
    for (const [scope, name] of made) expect((await call('DELETE', assignmentPath(scope, name))).status).toBe(200);
  });

  it('takes a scope sent after a slash of its own, and the Microsoft.Subscription alias', async () => {
    const name = crypto.randomUUID();
    const res = await fetch(`${base}//providers/Microsoft.Subscription/subscriptions/${CORP_DEV}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=${AUTH}`, {
      method: 'PUT',
      body: JSON.stringify({ properties: { principalId: BOB, roleDefinitionId: roleId(READER, CORP_DEV) } }),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { properties: { scope: string } }).properties.scope).toBe(sub(CORP_DEV));
    expect((await call('DELETE', assignmentPath(sub(CORP_DEV), name))).status).toBe(200);
  });

  it('works with the Azure SDK for JavaScript as its client', async () => {
    const client = new AuthorizationManagementClient({ getToken: async () => ({ token: 'devhost', expiresOnTimestamp: Date.now() + 3_600_000 }) }, CORP_PROD, {
      endpoint: base,
      allowInsecureConnection: true,
    });
    client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
    const name = crypto.randomUUID();
    const made = await client.roleAssignments.create(sub(CORP_PROD), name, { principalId: CAROL, roleDefinitionId: roleId(READER) });
    expect(made).toMatchObject({ name, principalId: CAROL, scope: sub(CORP_PROD), principalType: 'User' });
    const listed = [];
    for await (const a of client.roleAssignments.listForScope(sub(CORP_PROD), { filter: `principalId eq '${CAROL}'` })) listed.push(a.name);
    expect(listed).toEqual([name]);
    await expect(client.roleAssignments.create(sub(CORP_PROD), crypto.randomUUID(), { principalId: CAROL, roleDefinitionId: roleId(READER) })).rejects.toMatchObject({
      statusCode: 409,
      code: 'RoleAssignmentExists',
    });
    await client.roleAssignments.delete(sub(CORP_PROD), name);
    const definitions = [];
    for await (const d of client.roleDefinitions.list(sub(CORP_PROD))) definitions.push(d.roleName);
    expect(definitions).toContain('Corp Production App Operator');
  });
});

describe("the ARM stand-in's faults and limits", () => {
  it('injects a 429 with Retry-After in ARM\'s words, counts it, and lets the next request through', async () => {
    expect((await call('POST', '/faults', { status: 429, count: 1, retryAfterSeconds: 7, pathContains: '/resourceGroups/rg-app' })).status).toBe(201);
    const throttled = await call('GET', `${rg(CORP_PROD, 'rg-app')}?api-version=2021-04-01`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(throttled.body.error?.code).toBe('SubscriptionRequestsThrottled');
    expect(throttled.headers.get('x-ms-request-id')).toBeTruthy();
    expect((await call('GET', `${rg(CORP_PROD, 'rg-app')}?api-version=2021-04-01`)).status).toBe(200);
    const state = await call('GET', '/faults');
    expect(state.body).toMatchObject({ pending: [], injected: 1 });
  });

  it('answers 503 and loses answers on demand; the Graph stand-in refuses lost answers it cannot give', async () => {
    await call('POST', '/faults', { status: 503, count: 1, method: 'GET', pathContains: CONNECTIVITY });
    expect((await call('GET', `/subscriptions/${CONNECTIVITY}?api-version=2022-12-01`)).body.error?.code).toBe('ServiceUnavailable');
    const name = crypto.randomUUID();
    await call('POST', '/faults', { status: 500, count: 1, method: 'PUT', afterHandling: true });
    expect((await put(sub(CONNECTIVITY), name, ALICE, READER)).status).toBe(500);
    expect((await call('GET', assignmentPath(sub(CONNECTIVITY), name))).status).toBe(200);
    await call('DELETE', assignmentPath(sub(CONNECTIVITY), name));
    expect((await call('POST', '/faults', { status: 500, afterHandling: 'yes' })).status).toBe(400);
    const graph = await call('POST', '/faults', { status: 500, afterHandling: true }, `${host.url}/.devhost/graph`);
    expect(graph.status).toBe(400);
  });

  it("throttles past the hour's limit with ARM's 429 and a Retry-After until the hour turns", async () => {
    const limited = await startTestHost([new ArmStandInExtension({ limits: { reads: 2, writes: 1 } })]);
    try {
      const get = () => call('GET', `/subscriptions/${CORP_DEV}?api-version=2022-12-01`, undefined, `${limited.url}/.devhost/arm`);
      expect((await get()).headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('1');
      expect((await get()).headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('0');
      const third = await get();
      expect(third.status).toBe(429);
      expect(third.body.error?.code).toBe('SubscriptionRequestsThrottled');
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another subscription has its own bucket.
      expect((await call('GET', `/subscriptions/${CORP_PROD}?api-version=2022-12-01`, undefined, `${limited.url}/.devhost/arm`)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('the ARM stand-in restarted on the same storage', () => {
  it('keeps its role assignments', async () => {
    const tablePrefix = uniquePrefix('A');
    const start = async () => {
      const h = new DevHost({ port: 0, storageConnectionString: testStorage(), tablePrefix, extensions: [new ArmStandInExtension()], logger: new Logger('error') });
      await h.start();
      return h;
    };
    const name = crypto.randomUUID();
    const first = await start();
    try {
      const made = await call('PUT', assignmentPath(sub(CORP_PROD), name), { properties: { principalId: ALICE, principalType: 'User', roleDefinitionId: roleId(OWNER) } }, `${first.url}/.devhost/arm`);
      expect(made.status).toBe(201);
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      const kept = await call('GET', assignmentPath(sub(CORP_PROD), name), undefined, `${second.url}/.devhost/arm`);
      expect(kept.body).toMatchObject({ name, properties: { principalId: ALICE, scope: sub(CORP_PROD) } });
    } finally {
      await second.stop();
    }
  });
});
