import { canonicalAzureScope, parseAzureScope, pathAncestors } from '../domain/azureScope';
import { DomainError } from '../domain/errors';
import { azurePolicyIdFor } from '../domain/policy/azurePolicyIds';
import { type AncestorPolicy, effectivePolicyOf } from '../domain/policy/inheritance';
import type { RolePolicy } from '../domain/policy/types';
import { type AzureRoleTarget, policyScopeOf } from '../domain/target';
import type { AzureResources } from '../ports/azure';
import type { PolicyRepository } from '../ports/policies';
import { azurePolicyName, defaultAzurePolicyAt } from './azurePolicyNames';

/** What reading an Azure role's policies needs. */
export interface AzurePolicyDeps {
  policies: PolicyRepository;
  /** The hierarchy and role catalog; without it, ancestors come from the scope's path (no management groups) and roles are not listed. */
  azure?: AzureResources;
}

/**
 * An Azure role's policy at one scope, as its API shows it: the scope's own policy (stored once
 * an admin changes it, Entra's defaults until then) and the policy that governs the role there.
 */
export interface AzurePolicyView {
  target: AzureRoleTarget;
  own: RolePolicy;
  /** The policy that applies: `own`, or an ancestor's marked inherited (`inheritedFrom` names its scope). */
  effective: RolePolicy;
  inheritedFrom: string | null;
}

/** A view read for a change: with the ETag of the stored row, undefined while nothing is stored (the scope has its defaults). */
export type AzurePolicyRead = AzurePolicyView & { etag: string | undefined };

const scopeNotFound = (scope: string) => new DomainError('ResourceNotFound', `The scope '${scope}' was not found in Azure.`, 404);

/**
 * The scopes above `scope`, nearest first, up to the root management group (from Azure); or,
 * without Azure, those its path names (resource group, subscription). Unknown scopes are a 404.
 */
export async function azureAncestors(deps: AzurePolicyDeps, scope: string): Promise<string[]> {
  if (!deps.azure) return pathAncestors(parseAzureScope(scope));
  const ancestors = await deps.azure.ancestorsOf(scope);
  if (!ancestors) throw scopeNotFound(scope);
  return ancestors.map(canonicalAzureScope);
}

/**
 * The policy that governs an Azure role at a scope, and where it comes from (see
 * `effectivePolicyOf`). Point reads only: the scope's own row, then (unless an admin changed it)
 * one per ancestor scope, all at once. Nothing is stored: an Azure role's policy is stored when
 * it is first changed.
 */
export async function azurePolicyView(deps: AzurePolicyDeps, target: AzureRoleTarget): Promise<AzurePolicyRead> {
  const scope = canonicalAzureScope(target.scope);
  const at: AzureRoleTarget = { kind: 'azureRole', scope, roleDefinitionId: target.roleDefinitionId.toLowerCase() };
  const [stored, ancestors] = await Promise.all([deps.policies.get(policyScopeOf(at)), azureAncestors(deps, scope)]);
  const own = stored?.value ?? defaultAzurePolicyAt(at);
  const above: AncestorPolicy[] =
    own.lastModifiedDateTime !== null
      ? []
      : await Promise.all(ancestors.map(async (s) => ({ scope: s, policy: (await deps.policies.get(policyScopeOf({ ...at, scope: s })))?.value })));
  const { policy, inheritedFrom } = effectivePolicyOf(own, above);
  return { target: at, own, etag: stored?.etag, effective: policy, inheritedFrom };
}

/**
 * Every listed role's policy at a scope. One key-range read per scope (the scope's own rows and
 * each ancestor's), not one read per role: a scope holds hundreds of roles.
 */
export async function azurePolicyViewsAt(deps: AzurePolicyDeps, scope: string, roleGuids: readonly string[]): Promise<AzurePolicyView[]> {
  const canonical = canonicalAzureScope(scope);
  const ancestors = await azureAncestors(deps, canonical);
  const [ownRows, ...ancestorRows] = await Promise.all([canonical, ...ancestors].map((s) => deps.policies.listAt('azureRole', s)));
  const byRole = (rows: RolePolicy[] | undefined) => new Map((rows ?? []).map((p) => [p.roleDefinitionId.toLowerCase(), p]));
  const own = byRole(ownRows);
  const above = ancestorRows.map(byRole);
  return Promise.all(
    roleGuids.map(async (guid) => {
      const target: AzureRoleTarget = { kind: 'azureRole', scope: canonical, roleDefinitionId: guid.toLowerCase() };
      const stored = own.get(target.roleDefinitionId);
      const ownPolicy = stored ?? defaultAzurePolicyAt(target);
      const { policy, inheritedFrom } = effectivePolicyOf(
        ownPolicy,
        ancestors.map((s, i) => ({ scope: s, policy: above[i]?.get(target.roleDefinitionId) })),
      );
      return { target, own: ownPolicy, effective: policy, inheritedFrom };
    }),
  );
}

/**
 * The role whose policy at `scope` is named `name` (ARM's policy GUID), or undefined. A stored
 * policy is found by its id (point reads); an unchanged one by the role it is derived from,
 * among the roles Azure has at the scope.
 */
export async function azureRoleOfPolicy(deps: AzurePolicyDeps, scope: string, name: string): Promise<AzureRoleTarget | undefined> {
  const canonical = canonicalAzureScope(scope);
  const stored = await deps.policies.getById(azurePolicyIdFor(canonical, name));
  if (stored && stored.value.scopeType === 'AzureResource') return { kind: 'azureRole', scope: canonical, roleDefinitionId: stored.value.roleDefinitionId };
  if (!deps.azure) return undefined;
  const wanted = name.toLowerCase();
  const role = (await deps.azure.listRoleDefinitions(canonical)).find((r) => azurePolicyName(canonical, r.guid) === wanted);
  return role ? { kind: 'azureRole', scope: canonical, roleDefinitionId: role.guid.toLowerCase() } : undefined;
}

/** The role GUIDs whose policies a list at `scope` shows: Azure's roles there, or without Azure those with stored settings. */
export async function azureRolesAt(deps: AzurePolicyDeps, scope: string): Promise<string[]> {
  const canonical = canonicalAzureScope(scope);
  if (deps.azure) return (await deps.azure.listRoleDefinitions(canonical)).map((r) => r.guid.toLowerCase());
  return (await deps.policies.listAt('azureRole', canonical)).map((p) => p.roleDefinitionId);
}

/** Whether Azure has the role at the scope (always true without Azure to ask). */
export async function azureRoleExists(deps: AzurePolicyDeps, target: AzureRoleTarget): Promise<boolean> {
  return !deps.azure || (await deps.azure.getRoleDefinition(target.scope, target.roleDefinitionId)) !== undefined;
}
