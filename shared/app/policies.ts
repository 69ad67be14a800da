import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type AzureRoleTarget, type DirectoryRoleTarget, type GroupTarget, policyScopeOf, type Target, targetKey } from '../domain/target';
import { badRequest, conflict, DomainError, forbidden, notFound } from '../domain/errors';
import { parseWebhookTargets } from '../domain/webhooks';
import { defaultGroupPolicy, defaultPolicy } from '../domain/policy/defaults';
import { targetOfPolicy } from '../domain/policy/governs';
import type { PolicyRule, RolePolicy } from '../domain/policy/types';
import { approversOf, checkPolicyConsistency, patchRule } from '../domain/policy/validate';
import type { Caller } from '../domain/caller';
import type { AuditLog, AuditRecord } from '../ports/audit';
import type { AzureResources } from '../ports/azure';
import type { Clock } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { Principals } from '../ports/principals';
import type { PolicyRepository } from '../ports/policies';
import type { Versioned } from '../ports/repository';
import { auditRecord } from './audit';
import { type AzurePolicyRead, azurePolicyView } from './azurePolicies';
import { defaultAzurePolicyAt } from './azurePolicyNames';
import { domainEvent } from './events';
import { groupToGovern, targetName, targetResource } from './targets';

export interface PolicyDeps {
  policies: PolicyRepository;
  directory: Directory;
  audit: AuditLog;
  clock: Clock;
  tenantId: string;
  /** Azure's hierarchy and role catalog, for Azure roles' policies (see azurePolicies.ts); optional until every host wires it. */
  azure?: AzureResources;
}

/**
 * The policy that governs a target: resolved per (kind, scope, role or access id). Directory
 * roles have one policy per role at the tenant scope, as in Entra; a group has one for its
 * membership and one for its ownership. A target's first use stores its default policy (for a
 * group this is Entra's implicit onboarding: the first request or policy change onboards it).
 *
 * An Azure role has a policy at each scope; what governs it at a scope is the scope's own
 * policy if an admin changed it, else the nearest ancestor's marked inherited, else the
 * defaults (see `effectivePolicyOf`). The returned policy says which in `inheritedFrom`. Nothing
 * is stored for it (its settings are stored when first changed) and its ETag is '': a change
 * goes through `updateAzurePolicy`, which reads the scope's own policy.
 */
export async function policyFor(deps: PolicyDeps, target: Target): Promise<Versioned<RolePolicy>> {
  if (target.kind === 'azureRole') {
    const view = await azurePolicyView(deps, target);
    return { value: { ...view.effective, inheritedFrom: view.inheritedFrom }, etag: '' };
  }
  // Why: a group's object id is a GUID; anything else names no group, and is answered before it becomes a storage key.
  if (target.kind === 'group' && !OBJECT_ID.test(target.groupId)) throw groupNotFound(target.groupId);
  const scope = policyScopeOf(target);
  const existing = await deps.policies.get(scope);
  if (existing) return existing;
  // Create-only: when two callers race, one creates and both read the same policy back.
  await deps.policies.create(await newDefaultPolicy(deps, target));
  const created = await deps.policies.get(scope);
  if (!created) throw new Error(`Policy for ${targetKey(target)} vanished right after it was created.`);
  return created;
}

/** The default policy a target starts with, once what it governs is known to exist. */
async function newDefaultPolicy(deps: PolicyDeps, target: DirectoryRoleTarget | GroupTarget): Promise<RolePolicy> {
  switch (target.kind) {
    case 'directoryRole':
      if (!(await deps.directory.getRoleDefinition(target.roleDefinitionId))) throw notFound('role definition', target.roleDefinitionId);
      return defaultPolicy(deps.tenantId, target.roleDefinitionId);
    case 'group': {
      const group = await groupToGovern(deps.directory, target.groupId, async () =>
        (await deps.directory.getPrincipal(target.groupId))?.kind === 'user'
          ? badRequest(`'${target.groupId}' is a user, not a group. Use the object id of a group.`, 'InvalidGroup')
          : groupNotFound(target.groupId),
      );
      // Entra makes the policy id at onboarding, with a guid of its own for each of the group's two policies.
      return defaultGroupPolicy(group.id, target.accessId, randomUUID());
    }
    default: {
      const never: never = target;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const groupNotFound = (groupId: string) => new DomainError('ResourceNotFound', `The group '${groupId}' was not found in the directory. Use the object id of an existing group.`, 404);

/** How long event consumers (mail, webhooks) reuse a policy they read: a rule change reaches them within this. */
const CONSUMER_POLICY_TTL_MS = 30_000;
const consumerPolicies = new Map<string, { policy: RolePolicy; until: number }>();

/**
 * The policy for an event consumer (mail, webhooks), which reads it for every event: kept for
 * a few seconds so a burst of events costs one read. Requests always read the stored policy.
 */
export async function policyForEvents(deps: PolicyDeps, target: Target): Promise<RolePolicy> {
  const key = targetKey(target);
  const cached = consumerPolicies.get(key);
  if (cached && cached.until > Date.now()) return cached.policy;
  const { value } = await policyFor(deps, target);
  keepForEvents(target, value);
  return value;
}

/** Keeps a policy just read for this process's event consumers (a fresher copy than theirs). */
export function keepForEvents(target: Target, policy: RolePolicy): void {
  if (consumerPolicies.size > 5_000) consumerPolicies.clear();
  consumerPolicies.set(targetKey(target), { policy, until: Date.now() + CONSUMER_POLICY_TTL_MS });
}

/** Which policies a list asks for: every directory role's, or one group's (for some of its two accesses). */
export type PolicyListing = { kind: 'directoryRole' } | { kind: 'group'; groupId: string; accessIds: ReadonlyArray<GroupTarget['accessId']> };

export async function listPoliciesOf(deps: PolicyDeps, listing: PolicyListing): Promise<RolePolicy[]> {
  return listing.kind === 'group' ? listGroupPolicies(deps, listing.groupId, listing.accessIds) : listPolicies(deps);
}

/** Every directory role's policy (defaults for roles nobody has configured yet). */
export async function listPolicies(deps: PolicyDeps): Promise<RolePolicy[]> {
  const roles = await deps.directory.listRoleDefinitions();
  const stored = new Map((await deps.policies.list('directoryRole')).map((p) => [p.roleDefinitionId, p]));
  return roles.map((r) => stored.get(r.id) ?? defaultPolicy(deps.tenantId, r.id));
}

/**
 * A group's policies for the accesses asked for (member, owner). Entra lists a group's policies
 * once it is onboarded; here listing them onboards a group that exists but is not onboarded yet,
 * so a script that reads a group's settings before changing them finds them, with the ids they
 * keep. An unknown group is a 404 and stores nothing.
 */
export async function listGroupPolicies(deps: PolicyDeps, groupId: string, accessIds: ReadonlyArray<GroupTarget['accessId']>): Promise<RolePolicy[]> {
  const read = await Promise.all(accessIds.map((accessId) => policyFor(deps, { kind: 'group', groupId, accessId })));
  return read.map((r) => r.value);
}

/** A policy by its id, looked up among the policies (ids are names, not something to parse). */
export async function getPolicy(deps: PolicyDeps, policyId: string): Promise<RolePolicy> {
  return (await policyById(deps, policyId)).value;
}

/**
 * A policy by its id. A group's policy id carries a guid made at onboarding, so it is found
 * with point reads; a directory role's follows from the role, stored or not yet, so it is found
 * among the roles' policies.
 */
async function policyById(deps: PolicyDeps, policyId: string): Promise<Versioned<RolePolicy>> {
  const stored = await deps.policies.getById(policyId);
  if (stored) return stored;
  const policy = (await listPolicies(deps)).find((p) => p.id === policyId);
  if (!policy) throw notFound('role management policy', policyId);
  return policyFor(deps, targetOfPolicy(policy));
}

export async function getPolicyRule(deps: PolicyDeps, policyId: string, ruleId: string): Promise<PolicyRule> {
  const policy = await getPolicy(deps, policyId);
  const rule = policy.rules.find((r) => r.id === ruleId);
  if (!rule) throw notFound('policy rule', ruleId);
  return rule;
}

/**
 * Changes one rule of a role's policy (admins only). The whole policy is checked after the
 * change, approvers must exist, and the write is conditional: of two admins saving at once,
 * one wins and the other gets 409. Audited.
 */
export async function updatePolicyRule(
  deps: PolicyDeps,
  caller: Caller,
  policyId: string,
  ruleId: string,
  body: unknown,
  correlationId: string,
): Promise<void> {
  // Why: policy decides who gets privileged access and how; only PIM admins may change it.
  if (!caller.isAdmin) throw forbidden('Only PIM administrators can change role settings.');
  const { value: policy, etag } = await policyById(deps, policyId);
  const current = policy.rules.find((r) => r.id === ruleId);
  if (!current) throw notFound('policy rule', ruleId);
  const next = patchRule(current, body);
  const rules = policy.rules.map((r) => (r.id === ruleId ? next : r));
  checkPolicyConsistency(rules);
  await checkApproversExist(deps.directory, next);
  const modified = { displayName: ruleId, oldValue: JSON.stringify(current), newValue: JSON.stringify(next) };
  await savePolicy(deps, caller, { value: policy, etag }, changed(deps, caller, policy, { rules }), [modified], correlationId);
}

type Modified = AuditRecord['targetResources'][number]['modifiedProperties'][number];

/** The policy with the change applied, stamped as changed now by the caller. */
function changed(deps: PolicyDeps, caller: Caller, policy: RolePolicy, change: Partial<Pick<RolePolicy, 'rules' | 'pimWebhooks' | 'pimRevokeSessionsOnEarlyEnd' | 'isInheritedBySubscopes'>>): RolePolicy {
  return { ...policy, ...change, lastModifiedDateTime: deps.clock.now().toISOString(), lastModifiedBy: { id: caller.oid, displayName: caller.name ?? null } };
}

/**
 * Stores a changed policy (conditional on the version read; created when nothing was stored
 * yet, as for an Azure role's first change) with its policy.changed event in the same write,
 * and audits what changed.
 */
async function savePolicy(
  deps: PolicyDeps,
  caller: Caller,
  read: { value: RolePolicy; etag: string | undefined },
  next: RolePolicy,
  modified: Modified[],
  correlationId: string,
): Promise<void> {
  const { value: policy, etag } = read;
  const now = deps.clock.now();
  const target = targetOfPolicy(policy);
  const [first] = modified;
  const event = await domainEvent(deps, 'policy.changed', {
    slot: { principalId: '', target },
    actor: caller,
    data: {
      policyId: policy.id,
      changed: modified.map((m) => m.displayName).join(', '),
      value: modified.length === 1 && first ? parsed(first.newValue) : Object.fromEntries(modified.map((m) => [m.displayName, parsed(m.newValue)])),
    },
  });
  const audit = auditRecord({
    activity: 'Update role setting in PIM',
    operationType: 'Update',
    caller,
    correlationId,
    at: now,
    targets: [
      targetResource(target, await targetName(deps, target), modified),
      { id: policy.id, displayName: null, type: 'Policy', modifiedProperties: [] },
    ],
    details: {
      // Which of a group's two policies (its membership's or its ownership's) changed.
      accessId: target.kind === 'group' ? target.accessId : undefined,
      // Which scope's settings of an Azure role changed (each scope has its own).
      scope: target.kind === 'azureRole' ? target.scope : undefined,
    },
  });
  const changes = { events: [event], audit: [audit] };
  if (etag !== undefined) {
    await deps.policies.replace(next, etag, changes);
  } else if (!(await deps.policies.create(next, changes))) {
    throw conflict('Another change to this policy was saved while yours was being made. Reload the policy and apply your change again.', 'ConcurrentModification');
  }
  // This process's consumers see the change at once (others within CONSUMER_POLICY_TTL_MS).
  consumerPolicies.clear();
}

const parsed = (json: string | null): unknown => (json === null || json === '' ? null : (JSON.parse(json) as unknown));


const POLICY_EXTENSIONS = ['pimWebhooks', 'pimRevokeSessionsOnEarlyEnd'];

/**
 * PATCH of the policy itself: only its extensions, `pimWebhooks` and `pimRevokeSessionsOnEarlyEnd`
 * (Graph's policy properties are read-only here; rules change through their own PATCH). Each
 * extension sent is changed, the others stay. Every problem is named at once.
 */
export async function updatePolicyExtensions(deps: PolicyDeps, caller: Caller, policyId: string, body: unknown, keyNames: string[], correlationId: string): Promise<void> {
  if (!caller.isAdmin) throw forbidden('Only PIM administrators can change role settings.');
  const read = await policyById(deps, policyId);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Send a JSON object: {"pimWebhooks": [...], "pimRevokeSessionsOnEarlyEnd": true|false|null}.');
  const unknown = Object.keys(body).filter((k) => !POLICY_EXTENSIONS.includes(k) && !k.startsWith('@odata.'));
  if (unknown.length > 0) {
    throw badRequest(`Only ${POLICY_EXTENSIONS.join(' and ')} can be changed on the policy itself (not ${unknown.join(', ')}); change rules through .../rules/{ruleId}.`, 'InvalidPolicy');
  }
  const sent = body as { pimWebhooks?: unknown; pimRevokeSessionsOnEarlyEnd?: unknown };
  const problems: string[] = [];
  const change: Partial<Pick<RolePolicy, 'pimWebhooks' | 'pimRevokeSessionsOnEarlyEnd'>> = {};
  const modified: Modified[] = [];
  if ('pimWebhooks' in sent) {
    const parsedTargets = parseWebhookTargets(sent.pimWebhooks ?? [], keyNames);
    problems.push(...parsedTargets.problems);
    change.pimWebhooks = parsedTargets.targets;
    modified.push({ displayName: 'pimWebhooks', oldValue: JSON.stringify(read.value.pimWebhooks ?? []), newValue: JSON.stringify(parsedTargets.targets) });
  }
  if ('pimRevokeSessionsOnEarlyEnd' in sent) {
    const value = sent.pimRevokeSessionsOnEarlyEnd ?? null;
    if (typeof value !== 'boolean' && value !== null) problems.push('pimRevokeSessionsOnEarlyEnd must be true, false or null (null: the default, on for privileged roles).');
    else if (targetOfPolicy(read.value).kind === 'azureRole') problems.push('pimRevokeSessionsOnEarlyEnd applies to directory roles and groups, not Azure roles.');
    else {
      change.pimRevokeSessionsOnEarlyEnd = value;
      modified.push({ displayName: 'pimRevokeSessionsOnEarlyEnd', oldValue: JSON.stringify(read.value.pimRevokeSessionsOnEarlyEnd ?? null), newValue: JSON.stringify(value) });
    }
  }
  if (problems.length > 0) throw new DomainError('InvalidPolicy', problems.join(' '), 400);
  if (modified.length === 0) throw badRequest('Send at least one of pimWebhooks and pimRevokeSessionsOnEarlyEnd.', 'InvalidPolicy');
  await savePolicy(deps, caller, read, changed(deps, caller, read.value, change), modified, correlationId);
}

async function checkApproversExist(directory: Principals, rule: PolicyRule): Promise<void> {
  for (const approver of approversOf(rule)) {
    const id = approver['@odata.type'] === '#microsoft.graph.singleUser' ? approver.userId : approver.groupId;
    const kind = approver['@odata.type'] === '#microsoft.graph.singleUser' ? 'user' : 'group';
    const principal = await directory.getPrincipal(id);
    if (!principal || principal.kind !== kind) throw badRequest(`Approver ${kind} '${id}' does not exist in the directory.`, 'InvalidPolicy');
  }
}



/** A change to an Azure role's policy at one scope, in the domain's shapes (the ARM surface translates ARM's body). */
export interface AzurePolicyChange {
  /** The rules to change, each with its settings as `patchRule` takes them; the others stay. */
  rules: ReadonlyArray<{ id: string; patch: Record<string, unknown> }>;
  /** Extension: whether the scopes below follow this policy (see `effectivePolicyOf`); absent leaves it. */
  isInheritedBySubscopes?: boolean;
}

/**
 * Changes an Azure role's policy at one scope (admins only): any subset of its rules, and
 * whether it is inherited by the scopes below. Every problem in every rule is named at once and
 * nothing is stored unless all are fine. A change that changes nothing stores nothing (so a
 * script writing back what it read does not pin the scope's own settings in place of inherited
 * ones). The first change stores the scope's policy; later ones are conditional on the version
 * read. Audited and announced like any policy change. Returns the policy as it now stands.
 */
export async function updateAzurePolicy(deps: PolicyDeps, caller: Caller, target: AzureRoleTarget, change: AzurePolicyChange, correlationId: string): Promise<AzurePolicyRead> {
  // Why: policy decides who gets privileged access and how; only PIM admins may change it.
  if (!caller.isAdmin) throw forbidden('Only PIM administrators can change role settings.');
  const read = await azurePolicyView(deps, target);
  const { own } = read;
  const rules = applyRulePatches(own.rules, change.rules);
  checkPolicyConsistency(rules);
  const modified: Modified[] = [];
  for (const [i, rule] of rules.entries()) {
    const before = own.rules[i];
    if (JSON.stringify(before) === JSON.stringify(rule)) continue;
    await checkApproversExist(deps.directory, rule);
    modified.push({ displayName: rule.id, oldValue: JSON.stringify(before), newValue: JSON.stringify(rule) });
  }
  const inherited = change.isInheritedBySubscopes;
  if (inherited !== undefined && inherited !== (own.isInheritedBySubscopes ?? false)) {
    modified.push({ displayName: 'isInheritedBySubscopes', oldValue: JSON.stringify(!inherited), newValue: JSON.stringify(inherited) });
  }
  if (modified.length === 0) return read;
  const next = changed(deps, caller, own, { rules, ...(inherited === undefined ? {} : { isInheritedBySubscopes: inherited }) });
  await savePolicy(deps, caller, { value: own, etag: read.etag }, next, modified, correlationId);
  return azurePolicyView(deps, target);
}

/**
 * Puts an Azure role's policy at a scope back to the defaults (admins only): the scope then
 * follows the nearest policy above it marked inherited, or Entra's defaults. False when there
 * was nothing to reset. Audited and announced like any policy change.
 */
export async function resetAzurePolicy(deps: PolicyDeps, caller: Caller, target: AzureRoleTarget, correlationId: string): Promise<boolean> {
  if (!caller.isAdmin) throw forbidden('Only PIM administrators can change role settings.');
  const read = await azurePolicyView(deps, target);
  const { own, etag } = read;
  if (etag === undefined || own.lastModifiedDateTime === null) return false;
  // The stored row stays, as the defaults (an unchanged policy): its id and scope spelling stay too.
  const next: RolePolicy = { ...defaultAzurePolicyAt(read.target), id: own.id, scopeId: own.scopeId };
  const modified: Modified[] = [{ displayName: 'rules', oldValue: JSON.stringify(own.rules), newValue: JSON.stringify(next.rules) }];
  if (own.isInheritedBySubscopes) modified.push({ displayName: 'isInheritedBySubscopes', oldValue: 'true', newValue: 'false' });
  await savePolicy(deps, caller, { value: own, etag }, next, modified, correlationId);
  return true;
}

/**
 * The rules with each patch applied (`patchRule`), in their stored order. Every problem of
 * every patch is reported at once, each naming its rule: an unknown or repeated rule id, or
 * a setting `patchRule` refuses.
 */
function applyRulePatches(current: readonly PolicyRule[], patches: AzurePolicyChange['rules']): PolicyRule[] {
  const problems: Array<{ code: string; message: string; target?: string }> = [];
  const next = new Map<string, PolicyRule>();
  patches.forEach(({ id, patch }, i) => {
    const rule = current.find((r) => r.id.toLowerCase() === id.toLowerCase());
    if (!rule) {
      problems.push({ code: 'InvalidPolicyRule', message: `Rule ${i + 1}: this policy has no rule '${id.slice(0, 100)}'; its rules are ${current.map((r) => r.id).join(', ')}.`, target: `rules[${i}].id` });
      return;
    }
    if (next.has(rule.id)) {
      problems.push({ code: 'InvalidPolicyRule', message: `Rule ${i + 1}: '${rule.id}' is listed twice; list each rule once.`, target: `rules[${i}].id` });
      return;
    }
    // Why: a rule written back as it was read is no change (patchRule would still normalize it, e.g. approvalMode).
    if (changesNothing(rule, patch)) {
      next.set(rule.id, rule);
      return;
    }
    try {
      next.set(rule.id, patchRule(rule, { ...patch, id: rule.id }));
    } catch (error) {
      if (!(error instanceof DomainError) || error.status !== 400) throw error;
      const details = error.details?.length ? error.details : [{ code: error.code, message: error.message }];
      for (const d of details) {
        const message = d.message.startsWith(`Rule '${rule.id}'`) ? d.message : `Rule '${rule.id}': ${d.message}`;
        problems.push({ code: d.code, message, target: `rules[${i}]${d.target ? `.${d.target}` : ''}` });
      }
    }
  });
  if (problems.length > 0) throw new DomainError('InvalidPolicy', problems.map((p) => p.message).join(' '), 400, problems);
  return current.map((r) => next.get(r.id) ?? r);
}

/** Whether every setting the patch names already has that value (the id and target never change). */
function changesNothing(rule: PolicyRule, patch: Record<string, unknown>): boolean {
  const current = rule as unknown as Record<string, unknown>;
  return Object.entries(patch).every(([key, value]) => key === 'id' || key === 'target' || isDeepStrictEqual(value, current[key]));
}
