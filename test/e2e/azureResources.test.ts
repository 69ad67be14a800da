import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost } from './appHost';
import { AZURE_ROLE, type DemoScopes, demoSubscriptions, roleAssignmentsOf } from './armStandIn';
import { approvalBy, requireAzureApproval } from './azureSetup';
import { USERS } from './demo';

/**
 * Azure resource roles end to end through the ARM surface, as ARM clients call it: ARM's
 * documented bodies, ARM's paths with the scope first, ARM's errors, eligibility at a scope
 * covering the scopes below it, and the Azure SDK's AuthorizationManagementClient pointed here.
 * The Azure side is devhost's ARM stand-in (PIM_ARM_BASE_URL), read over ARM's own API.
 */
let app: AppHost;
const PIM = 'api-version=2020-10-01';
const APPROVALS = 'api-version=2021-01-01-preview';
const ROLE = AZURE_ROLE;
/** The ABAC condition of ARM's examples, and another one. */
const CONDITION = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'foo_storage_container'";
const OTHER_CONDITION = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'payments'";

let tree: DemoScopes;
/** Another subscription of the demo tree, whose role settings only the policy tests change. */
let policyTree: DemoScopes;

interface ArmResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { properties?: Record<string, unknown>; error?: { code: string; message: string }; value?: Array<Record<string, unknown> & { properties: Record<string, unknown> }>; nextLink?: string };
}

/** A call to the ARM surface as `user`, with an ARM-audience token (MFA done). */
async function arm(user: string | undefined, method: string, path: string, json?: unknown, audience = 'arm'): Promise<ArmResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (user) headers.authorization = `Bearer ${await app.token(user, { mfa: true, audience })}`;
  const res = await fetch(path.startsWith('http') ? path : `${app.url}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as ArmResult['body']) : {} };
}

const at = (scope: string, type: string, rest = '', query = PIM) => `${scope}/providers/Microsoft.Authorization/${type}${rest}${query ? `${rest.includes('?') ? '&' : '?'}${query}` : ''}`;
const filtered = (scope: string, type: string, filter: string) => `${at(scope, type)}&$filter=${encodeURIComponent(filter)}`;
const roleId = (sub: string, guid: string) => `${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
/** A role's id as ARM spells it at a scope: in the scope's subscription, or tenant-wide above subscriptions. */
const roleIdAt = (scope: string, guid: string) => roleId(scope.startsWith('/subscriptions/') ? scope.split('/').slice(0, 3).join('/') : '', guid);

/** Where the app host's ARM stand-in answers (PIM_ARM_BASE_URL, set by startAppHost). */
function standInBase(): string {
  const base = process.env.PIM_ARM_BASE_URL;
  if (!base) throw new Error('PIM_ARM_BASE_URL is not set: the app host has no ARM stand-in.');
  return base;
}

/** The principal's role assignments in the stand-in at, above or below `scope`: (scope, role GUID) pairs. */
async function assignmentsOf(principalId: string, scope: string): Promise<Array<{ scope: string; role: string }>> {
  return (await roleAssignmentsOf(standInBase(), principalId, scope)).map(({ scope: at, role }) => ({ scope: at, role }));
}

/** The condition of the principal's assignment of `role` at exactly `scope` in the stand-in; undefined when there is none. */
async function conditionInAzure(principalId: string, scope: string, role: string): Promise<{ condition: string | null; conditionVersion: string | null } | undefined> {
  const found = (await roleAssignmentsOf(standInBase(), principalId, scope)).find((a) => a.scope === scope.toLowerCase() && a.role === role);
  return found ? { condition: found.condition, conditionVersion: found.conditionVersion } : undefined;
}

/** ARM's example PutRoleEligibilityScheduleRequest.json, ids replaced and dates moved to now. */
function eligibilityExample(principalId: string, scope: string, role: string) {
  return {
    properties: {
      principalId,
      roleDefinitionId: roleIdAt(scope, role),
      requestType: 'AdminAssign',
      scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P365D' } },
      condition: CONDITION,
      conditionVersion: '1.0',
    },
  };
}

/** ARM's example PutRoleAssignmentScheduleRequest.json (SelfActivate), ids replaced and dates moved to now. */
function activationExample(principalId: string, sub: string, role: string, linkedRoleEligibilityScheduleId: string | undefined) {
  return {
    properties: {
      principalId,
      roleDefinitionId: roleId(sub, role),
      requestType: 'SelfActivate',
      ...(linkedRoleEligibilityScheduleId ? { linkedRoleEligibilityScheduleId } : {}),
      scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'AfterDuration', endDateTime: null, duration: 'PT8H' } },
      condition: CONDITION,
      conditionVersion: '1.0',
    },
  };
}

/**
 * The example without its condition (a storage container's, which only roles with storage data
 * actions or role assignment writes may carry), and with a justification, which Azure's default
 * role settings ask for.
 */
function withoutCondition<T extends { properties: Record<string, unknown> }>(body: T, justification = 'Deploying the payments release'): T {
  const { condition: _c, conditionVersion: _v, ...properties } = body.properties;
  return { ...body, properties: { ...properties, justification } };
}

/** Makes `principalId` eligible for `role` at `scope` as the admin; the 201's body. */
async function makeEligible(principalId: string, scope: string, role: string): Promise<ArmResult['body']> {
  const body = withoutCondition(eligibilityExample(principalId, scope, role));
  const res = await arm('admin', 'PUT', at(scope, 'roleEligibilityScheduleRequests', `/${randomUUID()}`), body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

beforeAll(async () => {
  app = await startAppHost();
  const subscriptions = await demoSubscriptions(standInBase());
  [tree] = subscriptions;
  const other = subscriptions[1];
  if (!other) throw new Error('The ARM stand-in has only one subscription with two resource groups under a management group; the policy tests need another.');
  policyTree = other;
});

afterAll(async () => {
  await app?.host.stop();
});

/** Sets what activating `role` at `scope` asks (ARM's roleManagementPolicies PATCH): here, nothing, as in the tenant of ARM's examples. */
async function activationAsksNothing(scope: string, role: string): Promise<void> {
  const assignments = await arm('admin', 'GET', filtered(scope, 'roleManagementPolicyAssignments', `roleDefinitionId eq '${roleIdAt(scope, role)}'`));
  const policyId = assignments.body.value?.[0]?.properties.policyId as string;
  const rule = { id: 'Enablement_EndUser_Assignment', ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: [], target: { caller: 'EndUser', operations: ['All'], level: 'Assignment' } };
  const patched = await arm('admin', 'PATCH', `${policyId}?${PIM}`, { properties: { rules: [rule] } });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
}

describe('Azure resource roles through the ARM surface', () => {
  it("ARM's example bodies, ids replaced and dates moved, are taken unchanged, conditions included: the eligibility and the activation carry the condition, and so does the role assignment in Azure", async () => {
    const role = ROLE.storageBlobDataOwner;
    // The example's tenant asks nothing to activate (its activation has no justification); this one is told so.
    await activationAsksNothing(tree.sub, role);
    // The spec's own scope spelling (the Microsoft.Subscription alias) and body, with its ABAC condition (version 1.0, as the example sends it).
    const aliasScope = `/providers/Microsoft.Subscription${tree.sub}`;
    const name = randomUUID();
    const eligibility = await arm('admin', 'PUT', at(aliasScope, 'roleEligibilityScheduleRequests', `/${name}`), eligibilityExample(USERS.carol, tree.sub, role));
    expect(eligibility.status, JSON.stringify(eligibility.body)).toBe(201);
    expect(eligibility.body.properties).toMatchObject({ requestType: 'AdminAssign', status: 'Provisioned', condition: CONDITION, conditionVersion: '1.0', justification: null });
    const eligibilityId = eligibility.body.properties?.targetRoleEligibilityScheduleId as string;
    // Stored: the request, the schedule and its instance show the condition as it was sent.
    expect((await arm('admin', 'GET', at(tree.sub, 'roleEligibilityScheduleRequests', `/${name}`))).body.properties).toMatchObject({ condition: CONDITION, conditionVersion: '1.0' });
    expect((await arm('carol', 'GET', at(tree.sub, 'roleEligibilitySchedules', `/${eligibilityId}`))).body.properties).toMatchObject({ condition: CONDITION, conditionVersion: '1.0' });
    const eligibleInstances = await arm('carol', 'GET', filtered(tree.sub, 'roleEligibilityScheduleInstances', 'asTarget()'));
    expect(eligibleInstances.body.value?.find((i) => i.name === eligibilityId)?.properties).toMatchObject({ condition: CONDITION, conditionVersion: '1.0' });

    // carol activates with the activation example, naming the eligibility as it does.
    const activationName = randomUUID();
    const activation = await arm('carol', 'PUT', at(aliasScope, 'roleAssignmentScheduleRequests', `/${activationName}`), activationExample(USERS.carol, tree.sub, role, eligibilityId));
    expect(activation.status, JSON.stringify(activation.body)).toBe(201);
    expect(activation.body.properties).toMatchObject({ requestType: 'SelfActivate', linkedRoleEligibilityScheduleId: eligibilityId, condition: CONDITION, conditionVersion: '1.0' });
    // In Azure: the role assignment carries the condition, as ARM takes conditions on role assignments (version 2.0).
    const inAzure = await eventually(() => conditionInAzure(USERS.carol, tree.sub, role));
    expect(inAzure).toEqual({ condition: CONDITION, conditionVersion: '2.0' });
    const active = await eventually(async () => (await arm('carol', 'GET', filtered(tree.sub, 'roleAssignmentScheduleInstances', 'asTarget()'))).body.value?.find((i) => i.properties.roleDefinitionId === roleId(tree.sub, role)));
    expect(active.properties).toMatchObject({ assignmentType: 'Activated', status: 'Provisioned', condition: CONDITION, conditionVersion: '1.0' });
    const schedules = await arm('carol', 'GET', filtered(tree.sub, 'roleAssignmentSchedules', 'asTarget()'));
    expect(schedules.body.value?.find((s) => s.properties.roleDefinitionId === roleId(tree.sub, role))?.properties).toMatchObject({ condition: CONDITION, conditionVersion: '1.0' });
  });

  it("an activation carries its eligibility's condition: left out, it is applied; another one is refused and nothing is stored", async () => {
    const role = ROLE.storageBlobDataOwner;
    await activationAsksNothing(tree.otherRg, role);
    const eligible = await arm('admin', 'PUT', at(tree.otherRg, 'roleEligibilityScheduleRequests', `/${randomUUID()}`), eligibilityExample(USERS.alice, tree.otherRg, role));
    expect(eligible.status, JSON.stringify(eligible.body)).toBe(201);

    const other = randomUUID();
    const widened = await arm('alice', 'PUT', at(tree.otherRg, 'roleAssignmentScheduleRequests', `/${other}`), {
      properties: { ...activationExample(USERS.alice, tree.sub, role, undefined).properties, condition: OTHER_CONDITION, conditionVersion: '2.0' },
    });
    expect([widened.status, widened.body.error?.code]).toEqual([400, 'ConditionDoesNotMatchEligibility']);
    expect((await arm('alice', 'GET', at(tree.otherRg, 'roleAssignmentScheduleRequests', `/${other}`))).status).toBe(404);

    const plain = await arm('alice', 'PUT', at(tree.otherRg, 'roleAssignmentScheduleRequests', `/${randomUUID()}`), withoutCondition(activationExample(USERS.alice, tree.sub, role, undefined)));
    expect(plain.status, JSON.stringify(plain.body)).toBe(201);
    expect(plain.body.properties).toMatchObject({ condition: CONDITION, conditionVersion: '1.0' });
    expect(await eventually(() => conditionInAzure(USERS.alice, tree.otherRg, role))).toEqual({ condition: CONDITION, conditionVersion: '2.0' });
  });

  it("an admin's update changes an active assignment's condition in Azure too, and empty strings clear it", async () => {
    const role = ROLE.storageBlobDataOwner;
    const assign = { ...withoutCondition(eligibilityExample(USERS.erin, tree.rg, role)).properties, condition: CONDITION, conditionVersion: '2.0', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P30D' } } };
    const made = await arm('admin', 'PUT', at(tree.rg, 'roleAssignmentScheduleRequests', `/${randomUUID()}`), { properties: assign });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(await eventually(() => conditionInAzure(USERS.erin, tree.rg, role))).toEqual({ condition: CONDITION, conditionVersion: '2.0' });

    const update = (condition: string, conditionVersion: string) =>
      arm('admin', 'PUT', at(tree.rg, 'roleAssignmentScheduleRequests', `/${randomUUID()}`), { properties: { ...assign, requestType: 'AdminUpdate', condition, conditionVersion } });
    const narrowed = await update(OTHER_CONDITION, '2.0');
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(201);
    expect(narrowed.body.properties).toMatchObject({ requestType: 'AdminUpdate', condition: OTHER_CONDITION });
    expect(await conditionInAzure(USERS.erin, tree.rg, role)).toEqual({ condition: OTHER_CONDITION, conditionVersion: '2.0' });
    // Without a condition in the body, an update keeps the one the assignment has.
    const kept = await arm('admin', 'PUT', at(tree.rg, 'roleAssignmentScheduleRequests', `/${randomUUID()}`), withoutCondition({ properties: { ...assign, requestType: 'AdminUpdate' } }));
    expect(kept.body.properties).toMatchObject({ condition: OTHER_CONDITION });
    const cleared = await update('', '');
    expect(cleared.body.properties).toMatchObject({ condition: null, conditionVersion: null });
    expect(await conditionInAzure(USERS.erin, tree.rg, role)).toEqual({ condition: null, conditionVersion: null });
    const schedules = await arm('erin', 'GET', filtered(tree.rg, 'roleAssignmentSchedules', 'asTarget()'));
    expect(schedules.body.value?.find((s) => s.properties.roleDefinitionId === roleId(tree.sub, role))?.properties).toMatchObject({ condition: null });
  });

  it("an admin makes alice eligible as Owner at a subscription with ARM's documented body; she activates Owner on one of its resource groups, and only there", async () => {
    const name = randomUUID();
    // The spec's own scope spelling (the Microsoft.Subscription alias) and body, without its storage condition.
    const example = eligibilityExample(USERS.alice, tree.sub, ROLE.owner);
    const aliasScope = `/providers/Microsoft.Subscription${tree.sub}`;
    const { properties: { condition: _c, conditionVersion: _v, ...unconditioned } } = example;
    const created = await arm('admin', 'PUT', at(aliasScope, 'roleEligibilityScheduleRequests', `/${name}`), { properties: unconditioned });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get('x-ms-request-id')).toBeTruthy();
    expect(created.body).toMatchObject({
      name,
      id: `${tree.sub}/providers/Microsoft.Authorization/RoleEligibilityScheduleRequests/${name}`,
      type: 'Microsoft.Authorization/RoleEligibilityScheduleRequests',
      properties: {
        scope: tree.sub,
        roleDefinitionId: roleId(tree.sub, ROLE.owner),
        principalId: USERS.alice,
        principalType: 'User',
        requestType: 'AdminAssign',
        status: 'Provisioned',
        approvalId: null,
        requestorId: USERS.admin,
        scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P365D' } },
        expandedProperties: {
          scope: { id: tree.sub, type: 'subscription' },
          roleDefinition: { id: roleId(tree.sub, ROLE.owner), displayName: 'Owner', type: 'BuiltInRole' },
          principal: { id: USERS.alice, type: 'User' },
        },
      },
    });
    const eligibilityId = created.body.properties?.targetRoleEligibilityScheduleId as string;
    expect(eligibilityId).toMatch(/^[0-9a-f-]{36}$/);
    // GET by the name the PUT gave it, at its scope.
    const read = await arm('alice', 'GET', at(tree.sub, 'roleEligibilityScheduleRequests', `/${name}`));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ name, properties: { status: 'Provisioned', targetRoleEligibilityScheduleId: eligibilityId } });

    // alice activates Owner on the resource group, naming the eligibility as ARM's example does.
    const activationName = randomUUID();
    const activation = await arm('alice', 'PUT', at(tree.rg, 'roleAssignmentScheduleRequests', `/${activationName}`), withoutCondition(activationExample(USERS.alice, tree.sub, ROLE.owner, eligibilityId)));
    expect(activation.status, JSON.stringify(activation.body)).toBe(201);
    expect(activation.body).toMatchObject({
      name: activationName,
      id: `${tree.rg}/providers/Microsoft.Authorization/RoleAssignmentScheduleRequests/${activationName}`,
      type: 'Microsoft.Authorization/RoleAssignmentScheduleRequests',
      properties: { scope: tree.rg, requestType: 'SelfActivate', principalId: USERS.alice, linkedRoleEligibilityScheduleId: eligibilityId, expandedProperties: { scope: { type: 'resourcegroup' } } },
    });
    expect(['Granted', 'Provisioned', 'PendingProvisioning']).toContain(activation.body.properties?.status);

    // In Azure: Owner for alice at the resource group, not at the subscription (least privilege).
    await eventually(async () => ((await assignmentsOf(USERS.alice, tree.sub)).some((a) => a.role === ROLE.owner) ? true : undefined));
    expect((await assignmentsOf(USERS.alice, tree.sub)).filter((a) => a.role === ROLE.owner)).toEqual([{ scope: tree.rg.toLowerCase(), role: ROLE.owner }]);

    // At the resource group, the subscription's eligibility is listed as Inherited, keeping its own scope.
    const eligible = await arm('alice', 'GET', filtered(tree.rg, 'roleEligibilityScheduleInstances', 'asTarget()'));
    expect(eligible.status).toBe(200);
    expect(eligible.body.value).toContainEqual(
      expect.objectContaining({
        properties: expect.objectContaining({ scope: tree.sub, memberType: 'Inherited', roleDefinitionId: roleId(tree.sub, ROLE.owner), roleEligibilityScheduleId: `${tree.sub}/providers/Microsoft.Authorization/RoleEligibilitySchedules/${eligibilityId}` }),
      }),
    );
    const active = await eventually(async () => {
      const res = await arm('alice', 'GET', filtered(tree.rg, 'roleAssignmentScheduleInstances', 'asTarget()'));
      return res.body.value?.find((i) => i.properties.roleDefinitionId === roleId(tree.sub, ROLE.owner));
    });
    expect(active.properties).toMatchObject({ scope: tree.rg, memberType: 'Direct', assignmentType: 'Activated', principalId: USERS.alice, status: 'Provisioned' });
    // atScope() at the subscription: what is at or above it, so not the resource group's activation; without it, below too.
    const atSub = await arm('alice', 'GET', filtered(tree.sub, 'roleAssignmentScheduleInstances', 'atScope() and asTarget()'));
    expect(atSub.body.value?.filter((i) => i.properties.scope === tree.rg)).toEqual([]);
    const underSub = await arm('alice', 'GET', filtered(tree.sub, 'roleAssignmentScheduleInstances', 'asTarget()'));
    expect(underSub.body.value?.some((i) => i.properties.scope === tree.rg)).toBe(true);
    // Schedules by name, at their own scope only.
    expect((await arm('alice', 'GET', at(tree.sub, 'roleEligibilitySchedules', `/${eligibilityId}`))).body).toMatchObject({ name: eligibilityId, properties: { memberType: 'Direct', scope: tree.sub } });
    expect((await arm('alice', 'GET', at(tree.rg, 'roleEligibilitySchedules', `/${eligibilityId}`))).status).toBe(404);
  });

  it('an eligibility at a management group is listed, Inherited, at a resource group below it', async () => {
    const created = await makeEligible(USERS.carol, tree.mg, ROLE.reader);
    expect(created.properties).toMatchObject({ scope: tree.mg, roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${ROLE.reader}`, expandedProperties: { scope: { type: 'managementgroup' } } });
    const listed = await arm('admin', 'GET', filtered(tree.rg, 'roleEligibilitySchedules', `assignedTo('${USERS.carol}')`));
    expect(listed.status).toBe(200);
    expect(listed.body.value?.map((s) => ({ scope: s.properties.scope, memberType: s.properties.memberType }))).toContainEqual({ scope: tree.mg, memberType: 'Inherited' });
  });

  it("activation above the eligible scope is refused with ARM's error body, and nothing is stored here or in Azure", async () => {
    await makeEligible(USERS.bob, tree.otherRg, ROLE.contributor);
    const name = randomUUID();
    const refused = await arm('bob', 'PUT', at(tree.sub, 'roleAssignmentScheduleRequests', `/${name}`), withoutCondition(activationExample(USERS.bob, tree.sub, ROLE.contributor, undefined)));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: { code: 'RoleAssignmentRequestNotEligible', message: expect.stringContaining(tree.sub) } });
    expect((await arm('bob', 'GET', at(tree.sub, 'roleAssignmentScheduleRequests', `/${name}`))).status).toBe(404);
    expect((await arm('bob', 'GET', filtered(tree.sub, 'roleAssignmentSchedules', 'asTarget()'))).body.value).toEqual([]);
    expect((await assignmentsOf(USERS.bob, tree.sub)).filter((a) => a.role === ROLE.contributor)).toEqual([]);
  });

  it('bad scopes, unknown roles, bad bodies, unknown resource types and a missing or wrong api-version are refused with 4xx and change nothing', async () => {
    const body = withoutCondition(eligibilityExample(USERS.dave, tree.sub, ROLE.reader));
    const unknownSub = `/subscriptions/${randomUUID()}`;
    const put = (scope: string, b: unknown = body, name: string = randomUUID(), query = PIM) => arm('admin', 'PUT', at(scope, 'roleEligibilityScheduleRequests', `/${name}`, query), b);
    const cases: Array<[string, Promise<ArmResult>, number, string]> = [
      ['missing api-version', put(tree.sub, body, randomUUID(), ''), 400, 'MissingApiVersionParameter'],
      ['wrong api-version', put(tree.sub, body, randomUUID(), 'api-version=2018-01-01-preview'), 400, 'InvalidApiVersionParameter'],
      ['subscription id not a GUID', put('/subscriptions/not-a-guid'), 400, 'InvalidScope'],
      ['resource group name not a name', put(`${tree.sub}/resourceGroups/bad*name`), 400, 'InvalidScope'],
      ['a subscription Azure does not have', put(unknownSub, withoutCondition(eligibilityExample(USERS.dave, unknownSub, ROLE.reader))), 400, 'InvalidScope'],
      ['a role Azure does not have', put(tree.sub, withoutCondition(eligibilityExample(USERS.dave, tree.sub, randomUUID()))), 400, 'RoleDefinitionDoesNotExist'],
      ['a role definition id of another subscription', put(tree.sub, withoutCondition(eligibilityExample(USERS.dave, `/subscriptions/${randomUUID()}`, ROLE.reader))), 400, 'InvalidRoleDefinitionId'],
      ['a role definition id of a subscription at a management group', put(tree.mg, body), 400, 'InvalidRoleDefinitionId'],
      ['a role definition id that is no id', put(tree.sub, { properties: { ...body.properties, roleDefinitionId: 'Owner' } }), 400, 'InvalidRoleDefinitionId'],
      ['a condition on a role that cannot carry one', put(tree.sub, { properties: { ...body.properties, condition: CONDITION, conditionVersion: '2.0' } }), 400, 'ConditionNotSupported'],
      ['a condition without its version', put(tree.sub, { properties: { ...body.properties, roleDefinitionId: roleId(tree.sub, ROLE.storageBlobDataOwner), condition: CONDITION } }), 400, 'InvalidCondition'],
      ['a condition version without a condition', put(tree.sub, { properties: { ...body.properties, conditionVersion: '2.0' } }), 400, 'InvalidCondition'],
      ['a condition version ARM does not know', put(tree.sub, { properties: { ...body.properties, roleDefinitionId: roleId(tree.sub, ROLE.storageBlobDataOwner), condition: CONDITION, conditionVersion: '3.0' } }), 400, 'InvalidConditionVersion'],
      ['an unknown requestType', put(tree.sub, { properties: { ...body.properties, requestType: 'AdminGrant' } }), 400, 'InvalidRequestContent'],
      ['no properties wrapper', put(tree.sub, body.properties), 400, 'InvalidRequestContent'],
      ['an unknown expiration type', put(tree.sub, { properties: { ...body.properties, scheduleInfo: { expiration: { type: 'Never' } } } }), 400, 'InvalidRequestContent'],
      ['a name that is no GUID', put(tree.sub, body, 'my-request'), 400, 'InvalidResourceName'],
      ['an unknown resource type', arm('admin', 'GET', at(tree.sub, 'roleAssignmentScheduleRequestz')), 400, 'InvalidResourceType'],
      ['no Microsoft.Authorization resource', arm('admin', 'GET', `${tree.rg}?${PIM}`), 404, 'NotFound'],
      ['a list at a subscription Azure does not have', arm('admin', 'GET', at(`/subscriptions/${randomUUID()}`, 'roleEligibilitySchedules')), 404, 'SubscriptionNotFound'],
      ['an unsupported filter', arm('admin', 'GET', filtered(tree.sub, 'roleEligibilitySchedules', 'asApprover()')), 400, 'UnsupportedQuery'],
      ['a malformed filter', arm('admin', 'GET', filtered(tree.sub, 'roleEligibilitySchedules', "principalId eq 'x' and")), 400, 'InvalidFilter'],
      ['a $top out of range', arm('admin', 'GET', `${at(tree.sub, 'roleEligibilitySchedules')}&$top=0`), 400, 'InvalidQueryParameterValue'],
      ['a method the resource does not have', arm('admin', 'DELETE', at(tree.sub, 'roleEligibilitySchedules', `/${randomUUID()}`)), 405, 'MethodNotAllowed'],
    ];
    for (const [what, call, status, code] of cases) {
      const res = await call;
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({ what, status, code });
      // ARM's error body: a code and a message that says what to fix, nothing of Graph's.
      expect(Object.keys(res.body.error ?? {}).sort(), what).toEqual(['code', 'message']);
      expect(res.body.error?.message.length, what).toBeGreaterThan(20);
    }
    const requests = await arm('admin', 'GET', filtered(tree.sub, 'roleEligibilityScheduleRequests', `principalId eq '${USERS.dave}'`));
    expect(requests.body.value).toEqual([]);
  });

  it("tokens: none, the Graph surface's, or a plain user acting as admin are answered as ARM answers; an ARM token does not open the Graph surface", async () => {
    const path = at(tree.sub, 'roleEligibilitySchedules');
    const none = await arm(undefined, 'GET', path);
    expect(none.status).toBe(401);
    expect(none.body.error?.code).toBe('AuthenticationFailed');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
    const graphToken = await arm('admin', 'GET', path, undefined, 'api://pim-test');
    expect(graphToken.status).toBe(401);
    expect(graphToken.body.error?.code).toBe('InvalidAuthenticationTokenAudience');
    const armToken = await fetch(`${app.url}/v1.0/roleManagement/directory/roleEligibilitySchedules`, { headers: { authorization: `Bearer ${await app.token('admin', { mfa: true, audience: 'arm' })}` } });
    expect(armToken.status).toBe(401);
    expect(((await armToken.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
    // The other ARM audience ARM accepts works too.
    expect((await arm('admin', 'GET', path, undefined, 'https://management.core.windows.net/')).status).toBe(200);
    const plainUser = await arm('alice', 'PUT', at(tree.sub, 'roleEligibilityScheduleRequests', `/${randomUUID()}`), withoutCondition(eligibilityExample(USERS.alice, tree.sub, ROLE.reader)));
    expect(plainUser.status).toBe(403);
    expect(plainUser.body.error?.code).toBe('AuthorizationFailed');
  });

  it('lists page with $top and an absolute nextLink carrying a $skipToken', async () => {
    for (const role of [ROLE.reader, ROLE.contributor, ROLE.owner]) await makeEligible(USERS.erin, tree.otherRg, role);
    const seen: string[] = [];
    let next: string | undefined = `${filtered(tree.otherRg, 'roleEligibilitySchedules', `principalId eq '${USERS.erin}'`)}&$top=2`;
    while (next) {
      const page: ArmResult = await arm('admin', 'GET', next);
      expect(page.status).toBe(200);
      expect(page.body.value?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.value ?? []).map((s) => s.name as string));
      next = page.body.nextLink;
      if (next) expect(next).toMatch(/^http:\/\/.+\$skipToken=/);
    }
    expect(new Set(seen).size).toBe(3);
  });

  it('an activation that needs approval: pending, listed for the approver with asApprover(), approved through roleAssignmentApprovals; another canceled by its requester', async () => {
    // The role's settings at the resource group: approval by bob (ARM's roleManagementPolicies).
    await requireAzureApproval(app, tree.rg, roleId(tree.sub, ROLE.contributor), USERS.bob);

    await makeEligible(USERS.dave, tree.rg, ROLE.contributor);
    const name = randomUUID();
    const pending = await arm('dave', 'PUT', at(tree.rg, 'roleAssignmentScheduleRequests', `/${name}`), withoutCondition(activationExample(USERS.dave, tree.sub, ROLE.contributor, undefined)));
    expect(pending.status, JSON.stringify(pending.body)).toBe(201);
    expect(pending.body.properties).toMatchObject({ status: 'PendingApproval', approvalId: `/providers/Microsoft.Authorization/roleAssignmentApprovals/${name}` });

    const waiting = await arm('bob', 'GET', filtered(tree.sub, 'roleAssignmentScheduleRequests', 'asApprover()'));
    expect(waiting.body.value?.map((r) => r.name)).toContain(name);
    const approval = await arm('bob', 'GET', `${pending.body.properties?.approvalId as string}?${APPROVALS}`);
    expect(approval.status).toBe(200);
    const stage = (approval.body.properties?.stages as Array<{ name: string; properties: Record<string, unknown> }>)[0];
    expect(stage?.properties).toMatchObject({ assignedToMe: true, status: 'InProgress', reviewResult: 'NotReviewed' });
    // Extension: who may decide the stage, by name (what the portal's approval-pending stage shows the requester).
    expect(stage?.properties.approvers).toEqual([{ id: USERS.bob, displayName: 'Bob Baker', type: 'user' }]);
    const asRequester = await arm('dave', 'GET', `${pending.body.properties?.approvalId as string}?${APPROVALS}`);
    expect((asRequester.body.properties?.stages as Array<{ properties: { approvers: unknown } }>)[0]?.properties.approvers).toEqual([{ id: USERS.bob, displayName: 'Bob Baker', type: 'user' }]);
    const decided = await arm('bob', 'PATCH', `${pending.body.properties?.approvalId as string}/stages/${stage?.name}?${APPROVALS}`, { properties: { reviewResult: 'Approve', justification: 'Release window approved' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body.properties).toMatchObject({ status: 'Completed', reviewResult: 'Approve', reviewedBy: { principalId: USERS.bob } });
    await eventually(async () => ((await arm('dave', 'GET', at(tree.rg, 'roleAssignmentScheduleRequests', `/${name}`))).body.properties?.status === 'Provisioned' ? true : undefined));
    expect((await assignmentsOf(USERS.dave, tree.rg)).filter((a) => a.role === ROLE.contributor)).toEqual([{ scope: tree.rg.toLowerCase(), role: ROLE.contributor }]);

    // erin asks too, then withdraws: POST .../cancel answers 200, and the request is Canceled.
    await makeEligible(USERS.erin, tree.rg, ROLE.contributor);
    const withdrawn = randomUUID();
    expect((await arm('erin', 'PUT', at(tree.rg, 'roleAssignmentScheduleRequests', `/${withdrawn}`), withoutCondition(activationExample(USERS.erin, tree.sub, ROLE.contributor, undefined)))).status).toBe(201);
    const canceled = await arm('erin', 'POST', at(tree.rg, 'roleAssignmentScheduleRequests', `/${withdrawn}/cancel`));
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect((await arm('erin', 'GET', at(tree.rg, 'roleAssignmentScheduleRequests', `/${withdrawn}`))).body.properties?.status).toBe('Canceled');
  });
});

/** A role's own policy at a scope, as ARM lists it with the roleDefinitionId filter. */
async function policyAt(scope: string, role: string): Promise<{ id: string; properties: Record<string, unknown> & { effectiveFrom: { scope: string; policyId: string; inherited: boolean } } }> {
  const res = await arm('admin', 'GET', filtered(scope, 'roleManagementPolicies', `roleDefinitionId eq '${roleIdAt(scope, role)}'`));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const [policy, ...more] = res.body.value ?? [];
  expect(more).toEqual([]);
  return policy as unknown as Awaited<ReturnType<typeof policyAt>>;
}

/** `user` activates `role` at `scope`, in a subscription (ARM's SelfActivate example); the request's name and the 201's properties. */
async function activate(user: keyof typeof USERS, scope: string, role: string): Promise<{ name: string; properties: Record<string, unknown> }> {
  const name = randomUUID();
  const res = await arm(user, 'PUT', at(scope, 'roleAssignmentScheduleRequests', `/${name}`), withoutCondition(activationExample(USERS[user], scope.split('/').slice(0, 3).join('/'), role, undefined)));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { name, properties: res.body.properties ?? {} };
}

/** The status of a roleAssignmentScheduleRequest once it is `wanted` (or the test times out). */
const statusBecomes = (user: string, scope: string, name: string, wanted: string) =>
  eventually(async () => ((await arm(user, 'GET', at(scope, 'roleAssignmentScheduleRequests', `/${name}`))).body.properties?.status === wanted ? wanted : undefined));

describe("role settings per scope, and a subscription's settings inherited by its resource groups, govern activation", () => {
  it("a subscription's approval rule does not reach its resource groups (per scope, as in Entra) until the subscription's policy is marked inherited; then the named approver decides", async () => {
    const { sub, rg, otherRg } = policyTree;
    await makeEligible(USERS.carol, sub, ROLE.owner);
    // Owner at the subscription now needs bob's approval.
    const subPolicy = await policyAt(sub, ROLE.owner);
    const patched = await arm('admin', 'PATCH', `${subPolicy.id}?${PIM}`, { properties: { rules: [approvalBy(USERS.bob, 'Bob')] } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    // It does at the subscription itself...
    const atSub = await activate('carol', sub, ROLE.owner);
    expect(atSub.properties.status).toBe('PendingApproval');
    expect((await arm('carol', 'POST', at(sub, 'roleAssignmentScheduleRequests', `/${atSub.name}/cancel`))).status).toBe(200);

    // ...but not at one of its resource groups, whose own (default) settings apply: provisioned without anyone's approval.
    expect((await policyAt(rg, ROLE.owner)).properties.effectiveFrom).toMatchObject({ scope: rg, inherited: false });
    const direct = await activate('carol', rg, ROLE.owner);
    expect(direct.properties.approvalId).toBeNull();
    await statusBecomes('carol', rg, direct.name, 'Provisioned');
    expect(await assignmentsOf(USERS.carol, rg)).toContainEqual({ scope: rg.toLowerCase(), role: ROLE.owner });

    // Marked inherited, the subscription's settings are those of its resource groups that have none of their own.
    const marked = await arm('admin', 'PATCH', `${subPolicy.id}?${PIM}`, { properties: { isInheritedBySubscopes: true } });
    expect(marked.status, JSON.stringify(marked.body)).toBe(200);
    expect((await policyAt(otherRg, ROLE.owner)).properties.effectiveFrom).toEqual({ scope: sub, policyId: subPolicy.id, inherited: true });

    const inherited = await activate('carol', otherRg, ROLE.owner);
    expect(inherited.properties).toMatchObject({ status: 'PendingApproval', approvalId: `/providers/Microsoft.Authorization/roleAssignmentApprovals/${inherited.name}` });
    expect((await assignmentsOf(USERS.carol, otherRg)).filter((a) => a.scope === otherRg.toLowerCase())).toEqual([]);
    // bob is asked by mail...
    const mail = await eventually(async () => (await app.mailTo('bob@contoso.test')).find((m) => m.subject === 'Approval needed: Carol Chen requests Owner'));
    expect(mail.to).toEqual(['bob@contoso.test']);
    // ...and decides through ARM's roleAssignmentApprovals.
    const approvalId = inherited.properties.approvalId as string;
    const approval = await arm('bob', 'GET', `${approvalId}?${APPROVALS}`);
    expect(approval.status, JSON.stringify(approval.body)).toBe(200);
    const stage = (approval.body.properties?.stages as Array<{ name: string; properties: Record<string, unknown> }>)[0];
    expect(stage?.properties).toMatchObject({ assignedToMe: true, status: 'InProgress' });
    const decided = await arm('bob', 'PATCH', `${approvalId}/stages/${stage?.name}?${APPROVALS}`, { properties: { reviewResult: 'Approve', justification: 'Inherited rule, approved' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await statusBecomes('carol', otherRg, inherited.name, 'Provisioned');
    expect((await assignmentsOf(USERS.carol, otherRg)).filter((a) => a.scope === otherRg.toLowerCase())).toEqual([{ scope: otherRg.toLowerCase(), role: ROLE.owner }]);
  });
});

/** The stand-in's fault API: what is still waiting to strike, and how many struck so far. */
async function faults(): Promise<{ pending: unknown[]; injected: number }> {
  return (await (await fetch(`${app.url}/.devhost/arm/faults`)).json()) as { pending: unknown[]; injected: number };
}

describe("ARM's throttling and conflicts, survived end to end", () => {
  it('an activation whose role assignment PUT ARM throttles once (429, Retry-After: 1) still ends Provisioned, the assignment in place', async () => {
    const { rg } = policyTree;
    await makeEligible(USERS.alice, rg, ROLE.contributor);
    const before = await faults();
    const fault = { status: 429, count: 1, retryAfterSeconds: 1, method: 'PUT', pathContains: `${rg}/providers/Microsoft.Authorization/roleAssignments/` };
    expect((await fetch(`${app.url}/.devhost/arm/faults`, { method: 'POST', body: JSON.stringify(fault) })).status).toBe(201);

    const asked = Date.now();
    const activation = await activate('alice', rg, ROLE.contributor);
    await statusBecomes('alice', rg, activation.name, 'Provisioned');
    expect(await assignmentsOf(USERS.alice, rg)).toContainEqual({ scope: rg.toLowerCase(), role: ROLE.contributor });
    // The throttling did strike: the grant's PUT met it, and was sent again, no sooner than ARM asked.
    expect(await faults()).toEqual({ pending: [], injected: before.injected + 1 });
    const made = (await app.arm.listAssignments()).find((a) => a.principalId === USERS.alice && a.roleDefinitionGuid === ROLE.contributor && a.scope.toLowerCase() === rg.toLowerCase());
    expect(Date.parse(made?.createdOn ?? '')).toBeGreaterThanOrEqual(asked + 1000);
  });

  it('an activation where the same role was assigned outside PIM (409 RoleAssignmentExists) is Provisioned, and ending it leaves that assignment in place', async () => {
    const { otherRg } = policyTree;
    const base = standInBase();
    // Someone assigns bob Reader at the resource group directly in Azure, under a name of their own.
    const outside = randomUUID();
    const direct = await fetch(`${base}${otherRg}/providers/Microsoft.Authorization/roleAssignments/${outside}?api-version=2022-04-01`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { roleDefinitionId: roleIdAt(otherRg, ROLE.reader), principalId: USERS.bob, principalType: 'User' } }),
    });
    expect(direct.status, await direct.text()).toBe(201);
    const outsideOnly = [{ name: outside, scope: otherRg.toLowerCase(), role: ROLE.reader, condition: null, conditionVersion: null }];
    const readersAtRg = async () => (await roleAssignmentsOf(base, USERS.bob, otherRg)).filter((a) => a.scope === otherRg.toLowerCase() && a.role === ROLE.reader);

    await makeEligible(USERS.bob, otherRg, ROLE.reader);
    const activation = await activate('bob', otherRg, ROLE.reader);
    await statusBecomes('bob', otherRg, activation.name, 'Provisioned');
    // ARM refused PIM's own PUT as a duplicate: the one assignment is still the one made outside PIM.
    expect(await readersAtRg()).toEqual(outsideOnly);

    // The admin ends the activation; PIM takes back only what it made, now and on its reconcile pass.
    const removal = await arm('admin', 'PUT', at(otherRg, 'roleAssignmentScheduleRequests', `/${randomUUID()}`), {
      properties: { principalId: USERS.bob, roleDefinitionId: roleIdAt(otherRg, ROLE.reader), requestType: 'AdminRemove', justification: 'Access review: no longer needed' },
    });
    expect(removal.status, JSON.stringify(removal.body)).toBe(201);
    expect(removal.body.properties?.status).toBe('Revoked');
    await eventually(async () => {
      const active = await arm('bob', 'GET', filtered(otherRg, 'roleAssignmentScheduleInstances', 'asTarget()'));
      return active.body.value?.some((i) => i.properties.scope === otherRg && i.properties.roleDefinitionId === roleIdAt(otherRg, ROLE.reader)) ? undefined : true;
    });
    await app.reconcile();
    expect(await readersAtRg()).toEqual(outsideOnly);
    // ...and reports it, once, as assigned outside PIM.
    await app.reconcile();
    const { deps } = await import('../../functions/composition');
    const reported = (await deps().alertRepository.incidents('RolesAssignedOutsidePimAlert')).filter((a) => a.fields.assigneeId === USERS.bob && a.fields.roleDefinitionId === ROLE.reader);
    expect(reported).toHaveLength(1);
    expect(String(reported[0]?.fields.scope).toLowerCase()).toBe(otherRg.toLowerCase());
  });
});

/**
 * An https front for devhost: the Azure SDK sends bearer tokens over https only, as it should,
 * so the client test reaches the app through this (the test certificate for 127.0.0.1).
 */
async function tlsFront(target: string): Promise<{ url: string; ca: Buffer; close(): Promise<void> }> {
  const dir = join(__dirname, '../integration/tls');
  const cert = readFileSync(join(dir, 'cert.pem'));
  const server: Server = createServer({ cert, key: readFileSync(join(dir, 'key.pem')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' && !['host', 'connection'].includes(k) ? [[k, v] as [string, string]] : []));
      fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
        .then(async (upstream) => {
          const body = Buffer.from(await upstream.arrayBuffer());
          const out = [...upstream.headers].filter(([k]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k));
          res.writeHead(upstream.status, Object.fromEntries(out));
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(502);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `https://127.0.0.1:${port}`, ca: cert, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("the Azure SDK's AuthorizationManagementClient against this service", () => {
  it('creates and reads a roleAssignmentScheduleRequest with an ARM token from devhost', async () => {
    const front = await tlsFront(app.url);
    const scopesAsked: string[] = [];
    // Like DefaultAzureCredential against Azure: a token for the scope the client asks for, here from devhost's issuer.
    const credential: TokenCredential = {
      async getToken(scopes): Promise<AccessToken> {
        scopesAsked.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        const res = await fetch(`${app.url}/.devhost/token`, { method: 'POST', body: JSON.stringify({ user: 'admin', mfa: true, audience: 'arm' }) });
        const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
        return { token: access_token, expiresOnTimestamp: Date.now() + expires_in * 1000 };
      },
    };
    try {
      const subscriptionId = tree.sub.split('/')[2] ?? '';
      // The endpoint is where requests go; the token is still asked for ARM's audience, as against Azure.
      const client = new AuthorizationManagementClient(credential, subscriptionId, { endpoint: front.url, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: front.ca } });
      // The SDK puts the scope into the path as given: without a leading slash, as in ARM's examples.
      const scope = tree.rg.slice(1);
      const name = randomUUID();
      const created = await client.roleAssignmentScheduleRequests.create(scope, name, {
        principalId: USERS.carol,
        roleDefinitionId: roleId(tree.sub, ROLE.reader),
        requestType: 'AdminAssign',
        justification: 'Read access for the audit',
        scheduleInfo: { startDateTime: new Date(), expiration: { type: 'AfterDuration', duration: 'PT4H' } },
      });
      expect(created).toMatchObject({ name, scope: tree.rg, principalId: USERS.carol, principalType: 'User', requestType: 'AdminAssign', roleDefinitionId: roleId(tree.sub, ROLE.reader) });
      expect(created.expandedProperties?.roleDefinition?.displayName).toBe('Reader');
      const read = await client.roleAssignmentScheduleRequests.get(scope, name);
      expect(read).toMatchObject({ name, id: created.id, requestorId: USERS.admin, targetRoleAssignmentScheduleId: created.targetRoleAssignmentScheduleId });
      const mine: string[] = [];
      for await (const r of client.roleAssignmentScheduleRequests.listForScope(scope, { filter: `principalId eq '${USERS.carol}'` })) mine.push(r.name ?? '');
      expect(mine).toContain(name);
      expect(scopesAsked[0]).toBe('https://management.azure.com/.default');
      await eventually(async () => ((await assignmentsOf(USERS.carol, tree.rg)).some((a) => a.scope === tree.rg.toLowerCase() && a.role === ROLE.reader) ? true : undefined));
    } finally {
      await front.close();
    }
  });
});
