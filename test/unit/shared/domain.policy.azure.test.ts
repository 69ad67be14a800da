import { describe, expect, it } from 'vitest';
import { azurePolicyAssignmentName, azurePolicyName, defaultAzurePolicyAt } from '../../../shared/app/azurePolicyNames';
import { azurePolicyAssignmentIdFor, azurePolicyIdFor } from '../../../shared/domain/policy/azurePolicyIds';
import { defaultAzurePolicy, defaultRules } from '../../../shared/domain/policy/defaults';
import { targetOfPolicy } from '../../../shared/domain/policy/governs';
import { effectivePolicyOf } from '../../../shared/domain/policy/inheritance';
import type { PolicyRule, RolePolicy } from '../../../shared/domain/policy/types';
import { policyScopeOf } from '../../../shared/domain/target';

const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const MG = '/providers/Microsoft.Management/managementGroups/contoso-prod';
const ROOT = '/providers/Microsoft.Management/managementGroups/contoso-root';
const SUB = '/subscriptions/129ff972-28f8-46b8-a726-e497be039368';
const RG = `${SUB}/resourceGroups/rg-app`;

const byId = (rules: PolicyRule[]) => new Map(rules.map((r) => [r.id, r]));

/** The role's policy at a scope as an admin left it: changed (or not), marked inherited (or not). */
function policyAt(scope: string, options: { changed?: boolean; inherited?: boolean; maxActivation?: string } = {}): RolePolicy {
  const policy = defaultAzurePolicyAt({ scope, roleDefinitionId: OWNER });
  if (!options.changed) return policy;
  return {
    ...policy,
    lastModifiedDateTime: '2026-01-01T00:00:00.000Z',
    lastModifiedBy: { id: 'admin', displayName: 'Admin' },
    ...(options.inherited === undefined ? {} : { isInheritedBySubscopes: options.inherited }),
    rules: policy.rules.map((r) => (r.id === 'Expiration_EndUser_Assignment' && r['@odata.type'] === '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule' ? { ...r, maximumDuration: options.maxActivation ?? 'PT1H' } : r)),
  };
}

describe('Azure role policies: defaults and names', () => {
  it("starts an Azure role with Entra's Azure resource defaults: the same rule ids, assignments that must end, activation with a justification", () => {
    const azure = byId(defaultRules('AzureResource'));
    expect([...azure.keys()]).toEqual([...byId(defaultRules('DirectoryRole')).keys()]);
    expect(azure.get('Expiration_Admin_Eligibility')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P365D' });
    expect(azure.get('Expiration_Admin_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P180D' });
    expect(azure.get('Expiration_EndUser_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'PT8H' });
    expect(azure.get('Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification'] });
    expect(azure.get('Approval_EndUser_Assignment')).toMatchObject({ setting: { isApprovalRequired: false } });
  });

  it('names each role\'s policy at each scope with a GUID of its own, the same for every spelling of the scope', () => {
    const name = azurePolicyName(RG, OWNER);
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(azurePolicyName(RG.toUpperCase(), OWNER.toUpperCase())).toBe(name);
    expect(new Set([azurePolicyName(SUB, OWNER), azurePolicyName(RG, READER), azurePolicyName(MG, OWNER), name]).size).toBe(4);
    expect(azurePolicyIdFor(RG, name)).toBe(`${RG}/providers/Microsoft.Authorization/roleManagementPolicies/${name}`);
    expect(azurePolicyAssignmentName(RG, OWNER)).toBe(`${name}_${OWNER}`);
    expect(azurePolicyAssignmentIdFor(RG, azurePolicyAssignmentName(RG, OWNER))).toBe(`${RG}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/${name}_${OWNER}`);
  });

  it('keeps an Azure role\'s default policy under its ARM id, and reads the Azure role target back from it', () => {
    const policy = defaultAzurePolicy({ scope: RG, roleDefinitionId: OWNER.toUpperCase() }, azurePolicyName(RG, OWNER));
    expect(defaultAzurePolicyAt({ scope: RG, roleDefinitionId: OWNER })).toEqual(policy);
    expect(policy).toMatchObject({ id: azurePolicyIdFor(RG, azurePolicyName(RG, OWNER)), scopeId: RG, scopeType: 'AzureResource', roleDefinitionId: OWNER, lastModifiedDateTime: null });
    expect(targetOfPolicy(policy)).toEqual({ kind: 'azureRole', scope: RG, roleDefinitionId: OWNER });
    expect(policyScopeOf(targetOfPolicy(policy))).toEqual({ kind: 'azureRole', scope: RG.toLowerCase(), thing: OWNER });
  });
});

describe('the policy that governs an Azure role at a scope', () => {
  it("is the scope's own once an admin changed it, whatever is marked inherited above", () => {
    const own = policyAt(RG, { changed: true, maxActivation: 'PT2H' });
    const result = effectivePolicyOf(own, [{ scope: SUB, policy: policyAt(SUB, { changed: true, inherited: true }) }]);
    expect(result).toEqual({ policy: own, inheritedFrom: null });
  });

  it("is the subscription's for a resource group with no settings of its own when the subscription's is marked inherited", () => {
    const sub = policyAt(SUB, { changed: true, inherited: true, maxActivation: 'PT3H' });
    const result = effectivePolicyOf(policyAt(RG), [
      { scope: SUB, policy: sub },
      { scope: MG, policy: policyAt(MG, { changed: true, inherited: true }) },
    ]);
    expect(result).toEqual({ policy: sub, inheritedFrom: SUB });
  });

  it("is a management group's when the scopes between have no settings of their own", () => {
    const mg = policyAt(MG, { changed: true, inherited: true, maxActivation: 'PT4H' });
    const result = effectivePolicyOf(policyAt(RG), [
      { scope: SUB, policy: undefined },
      { scope: MG, policy: mg },
      { scope: ROOT, policy: policyAt(ROOT, { changed: true, inherited: true }) },
    ]);
    expect(result).toEqual({ policy: mg, inheritedFrom: MG });
  });

  it('is the default when nothing above is marked inherited: a changed parent does not flow (as in Entra)', () => {
    const own = policyAt(RG);
    expect(effectivePolicyOf(own, [{ scope: SUB, policy: policyAt(SUB, { changed: true }) }])).toEqual({ policy: own, inheritedFrom: null });
    expect(effectivePolicyOf(own, [{ scope: SUB, policy: policyAt(SUB, { changed: true, inherited: false }) }])).toEqual({ policy: own, inheritedFrom: null });
    expect(effectivePolicyOf(own, [])).toEqual({ policy: own, inheritedFrom: null });
    // A stored default that says inherited but was never changed is no admin's setting.
    expect(effectivePolicyOf(own, [{ scope: SUB, policy: { ...policyAt(SUB), isInheritedBySubscopes: true } }])).toEqual({ policy: own, inheritedFrom: null });
  });

  it('passes over a changed parent not marked inherited to the nearest one that is', () => {
    const mg = policyAt(MG, { changed: true, inherited: true });
    const result = effectivePolicyOf(policyAt(RG), [
      { scope: SUB, policy: policyAt(SUB, { changed: true, inherited: false }) },
      { scope: MG, policy: mg },
    ]);
    expect(result).toEqual({ policy: mg, inheritedFrom: MG });
  });
});
