import { describe, expect, it } from 'vitest';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableOutbox } from '../../shared/adapters/tables/outbox';
import { tablePolicyRepository } from '../../shared/adapters/tables/policyRepository';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { azurePolicyView, azurePolicyViewsAt, azureRoleOfPolicy } from '../../shared/app/azurePolicies';
import { type PolicyDeps, policyFor, resetAzurePolicy, updateAzurePolicy } from '../../shared/app/policies';
import type { Caller } from '../../shared/domain/caller';
import type { DomainEvent } from '../../shared/domain/events';
import { azurePolicyName, defaultAzurePolicyAt } from '../../shared/app/azurePolicyNames';
import { azurePolicyIdFor } from '../../shared/domain/policy/azurePolicyIds';
import type { ExpirationRule } from '../../shared/domain/policy/types';
import type { AzureRoleTarget } from '../../shared/domain/target';
import type { Directory } from '../../shared/ports/directory';
import type { PolicyRepository } from '../../shared/ports/policies';
import { testStorage, uniquePrefix } from '../devhost/helpers';
import { APP_RG, azureTree, DATA_RG, DEV_SUB, OWNER, PROD_MG, PROD_SUB, READER, ROLES, ROOT_MG } from '../fixtures/azureTree';

const admin: Caller = { oid: 'admin-oid', tenantId: 't', name: 'Admin', roles: ['PIM.Admin'], isAdmin: true, isAuditor: false, amr: ['pwd', 'mfa'], acrs: [] };
const owner = (scope: string): AzureRoleTarget => ({ kind: 'azureRole', scope, roleDefinitionId: OWNER });

/** Counts the repository's reads, to hold the resolution to point reads. */
function counting(repo: PolicyRepository) {
  const reads = { get: 0, getById: 0, list: 0, listAt: 0 };
  const counted: PolicyRepository = {
    ...repo,
    get: (scope) => (reads.get++, repo.get(scope)),
    getById: (id) => (reads.getById++, repo.getById(id)),
    list: (kind) => (reads.list++, repo.list(kind)),
    listAt: (kind, scope) => (reads.listAt++, repo.listAt(kind, scope)),
  };
  return { reads, repo: counted };
}

function setup(options: { azure?: boolean } = {}) {
  const tables = new TableAccess(testStorage(), uniquePrefix('AzPol'));
  const published: DomainEvent[] = [];
  const audit = tableAuditLog(tables);
  const outbox = new TableOutbox(tables, { publish: async (events) => void published.push(...events) }, audit, () => undefined);
  const { reads, repo } = counting(tablePolicyRepository(tables, outbox));
  const azure = options.azure === false ? undefined : azureTree();
  const deps: PolicyDeps = {
    policies: repo,
    // Azure roles' policy changes name no directory object (approvers aside, which these tests do not set).
    directory: {} as Directory,
    audit,
    clock: { now: () => new Date() },
    tenantId: 't',
    ...(azure ? { azure } : {}),
  };
  return { deps, reads, published, audit, azure };
}

const maxActivation = (hours: number) => [{ id: 'Expiration_EndUser_Assignment', patch: { maximumDuration: `PT${hours}H` } }];
const activationMax = (rules: { id: string }[]) => (rules.find((r) => r.id === 'Expiration_EndUser_Assignment') as ExpirationRule).maximumDuration;

describe('Azure role policies on Azurite', () => {
  it('knows the test Azure: ancestors nearest first up to the root management group', async () => {
    const azure = azureTree();
    expect(await azure.ancestorsOf(APP_RG)).toEqual([PROD_SUB, PROD_MG, ROOT_MG]);
    expect(await azure.ancestorsOf(`${APP_RG}/providers/Microsoft.Web/sites/app`)).toEqual([APP_RG, PROD_SUB, PROD_MG, ROOT_MG]);
    expect(await azure.ancestorsOf(DEV_SUB)).toEqual([ROOT_MG]);
    expect(await azure.ancestorsOf(`${PROD_SUB}/resourceGroups/nope`)).toBeUndefined();
  });

  it('reads an unchanged scope with one point read per scope up to the root and stores nothing; a changed one with one read', async () => {
    const { deps, reads } = setup();
    const view = await azurePolicyView(deps, owner(APP_RG));
    expect(view).toMatchObject({ inheritedFrom: null, own: { id: defaultAzurePolicyAt(owner(APP_RG)).id, lastModifiedDateTime: null } });
    expect(reads).toEqual({ get: 4, getById: 0, list: 0, listAt: 0 });
    expect(await deps.policies.listAt('azureRole', APP_RG)).toEqual([]);

    await updateAzurePolicy(deps, admin, owner(APP_RG), { rules: maxActivation(2) }, 'c1');
    Object.assign(reads, { get: 0, listAt: 0 });
    const changed = await azurePolicyView(deps, owner(APP_RG));
    expect(activationMax(changed.effective.rules)).toBe('PT2H');
    expect(reads.get).toBe(1);
  });

  it("follows the subscription's policy once it is marked inherited, and says so; a sibling's own change stays its own", async () => {
    const { deps, published } = setup();
    await updateAzurePolicy(deps, admin, owner(PROD_SUB), { rules: maxActivation(3) }, 'c1');
    // Changed, not inherited: the resource group keeps Entra's defaults (as in Entra).
    expect(activationMax((await policyFor(deps, owner(APP_RG))).value.rules)).toBe('PT8H');

    await updateAzurePolicy(deps, admin, owner(PROD_SUB), { rules: [], isInheritedBySubscopes: true }, 'c2');
    const { value } = await policyFor(deps, owner(APP_RG));
    expect(value).toMatchObject({ scopeId: PROD_SUB, inheritedFrom: PROD_SUB, isInheritedBySubscopes: true });
    expect(activationMax(value.rules)).toBe('PT3H');

    await updateAzurePolicy(deps, admin, owner(DATA_RG), { rules: maxActivation(1) }, 'c3');
    expect((await policyFor(deps, owner(DATA_RG))).value).toMatchObject({ scopeId: DATA_RG, inheritedFrom: null });
    // Another role at the same scopes is untouched.
    expect((await policyFor(deps, { ...owner(APP_RG), roleDefinitionId: READER })).value.inheritedFrom).toBeNull();
    // Each change was announced with the Azure role target at its scope.
    const changes = published.filter((e) => e.type === 'policy.changed');
    expect(changes.map((e) => e.subject.target)).toEqual([owner(PROD_SUB), owner(PROD_SUB), owner(DATA_RG)]);
  });

  it("follows a management group's inherited policy where the subscription has none, and stops at the scope's own after a reset of the group", async () => {
    const { deps } = setup();
    await updateAzurePolicy(deps, admin, owner(PROD_MG), { rules: maxActivation(4), isInheritedBySubscopes: true }, 'c1');
    expect((await policyFor(deps, owner(APP_RG))).value).toMatchObject({ inheritedFrom: PROD_MG, scopeId: PROD_MG });
    // Not below it: the dev subscription sits under the root only.
    expect((await policyFor(deps, owner(DEV_SUB))).value.inheritedFrom).toBeNull();
    expect(await resetAzurePolicy(deps, admin, owner(PROD_MG), 'c2')).toBe(true);
    expect(await resetAzurePolicy(deps, admin, owner(PROD_MG), 'c3')).toBe(false);
    const after = (await policyFor(deps, owner(APP_RG))).value;
    expect(after).toMatchObject({ inheritedFrom: null, scopeId: APP_RG });
    expect(activationMax(after.rules)).toBe('PT8H');
  });

  it('stores a first change with its audit record in one write, finds it by ARM id in any case, and lists it at its own scope only', async () => {
    const { deps, audit } = setup();
    await updateAzurePolicy(deps, admin, owner(APP_RG), { rules: maxActivation(2) }, 'corr-1');
    const id = azurePolicyIdFor(APP_RG, azurePolicyName(APP_RG, OWNER));
    expect((await deps.policies.getById(id.toUpperCase()))?.value).toMatchObject({ id, scopeType: 'AzureResource', roleDefinitionId: OWNER, lastModifiedBy: { id: 'admin-oid' } });
    expect((await deps.policies.listAt('azureRole', APP_RG)).map((p) => p.id)).toEqual([id]);
    expect(await deps.policies.listAt('azureRole', PROD_SUB)).toEqual([]);
    expect(await deps.policies.listAt('azureRole', `${PROD_SUB}/resourceGroups/rg-ap`)).toEqual([]);
    const [record] = (await audit.list()).filter((r) => r.correlationId === 'corr-1');
    expect(record).toMatchObject({
      activityDisplayName: 'Update role setting in PIM',
      category: 'RoleManagement',
      targetResources: [
        { id: OWNER, displayName: 'Owner', type: 'Role', modifiedProperties: [{ displayName: 'Expiration_EndUser_Assignment' }] },
        { id, type: 'Policy' },
      ],
      additionalDetails: [{ key: 'scope', value: APP_RG }],
    });
  });

  it('stores nothing for a change that changes nothing, or for a bad one; refuses non-admins', async () => {
    const { deps } = setup();
    const rules = defaultAzurePolicyAt(owner(APP_RG)).rules;
    const same = rules.map((r) => ({ id: r.id, patch: Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'id' && k !== 'target')) }));
    const view = await updateAzurePolicy(deps, admin, owner(APP_RG), { rules: same, isInheritedBySubscopes: false }, 'c1');
    expect(view.own.lastModifiedDateTime).toBeNull();
    await expect(updateAzurePolicy(deps, admin, owner(APP_RG), { rules: [...maxActivation(2), { id: 'Nope', patch: {} }, ...maxActivation(30)] }, 'c2')).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/no rule 'Nope'.*listed twice/) as unknown,
    });
    await expect(updateAzurePolicy(deps, { ...admin, isAdmin: false }, owner(APP_RG), { rules: maxActivation(2) }, 'c3')).rejects.toMatchObject({ status: 403 });
    expect(await deps.policies.listAt('azureRole', APP_RG)).toEqual([]);
  });

  it('lets one of two admins changing an unchanged scope at once win; the other gets 409 and must reload', async () => {
    const { deps } = setup();
    const results = await Promise.allSettled([
      updateAzurePolicy(deps, admin, owner(DATA_RG), { rules: maxActivation(2) }, 'c1'),
      updateAzurePolicy(deps, admin, owner(DATA_RG), { rules: maxActivation(3) }, 'c2'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { status: 409, code: 'ConcurrentModification' } });
    expect(await deps.policies.listAt('azureRole', DATA_RG)).toHaveLength(1);
  });

  it('lists every role at a scope with one key-range read per scope, and finds an unchanged policy by the role it derives from', async () => {
    const { deps, reads, azure } = setup();
    await updateAzurePolicy(deps, admin, owner(PROD_SUB), { rules: maxActivation(5), isInheritedBySubscopes: true }, 'c1');
    Object.assign(reads, { get: 0, listAt: 0 });
    const views = await azurePolicyViewsAt(deps, APP_RG, ROLES.map((r) => r.guid));
    expect(reads).toMatchObject({ get: 0, listAt: 4, list: 0 });
    expect(views.map((v) => [v.target.roleDefinitionId, v.inheritedFrom])).toEqual(ROLES.map((r) => [r.guid, r.guid === OWNER ? PROD_SUB : null]));
    expect(await azureRoleOfPolicy(deps, APP_RG, azurePolicyName(APP_RG, READER))).toEqual({ kind: 'azureRole', scope: APP_RG, roleDefinitionId: READER });
    expect(await azureRoleOfPolicy(deps, APP_RG, azurePolicyName(DATA_RG, READER))).toBeUndefined();
    expect(azure?.calls.listRoleDefinitions).toBe(2);
  });

  it('without Azure wired, takes the ancestors from the scope path (no management groups) and finds only stored policies by id', async () => {
    const { deps } = setup({ azure: false });
    await updateAzurePolicy(deps, admin, owner(PROD_SUB), { rules: maxActivation(6), isInheritedBySubscopes: true }, 'c1');
    expect((await policyFor(deps, owner(`${APP_RG}/providers/Microsoft.Web/sites/app`))).value.inheritedFrom).toBe(PROD_SUB);
    expect(await azureRoleOfPolicy(deps, PROD_SUB, azurePolicyName(PROD_SUB, OWNER))).toEqual(owner(PROD_SUB));
    expect(await azureRoleOfPolicy(deps, APP_RG, azurePolicyName(APP_RG, OWNER))).toBeUndefined();
  });
});
