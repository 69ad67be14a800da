import { randomUUID } from 'node:crypto';
import { type GroupTarget, notServed, policyScopeOf, requireServed, type Target, targetKey } from '../domain/target';
import { badRequest, DomainError, forbidden, notFound } from '../domain/errors';
import { parseWebhookTargets } from '../domain/webhooks';
import { defaultGroupPolicy, defaultPolicy } from '../domain/policy/defaults';
import { targetOfPolicy } from '../domain/policy/governs';
import type { PolicyRule, RolePolicy } from '../domain/policy/types';
import { approversOf, checkPolicyConsistency, patchRule } from '../domain/policy/validate';
import type { Caller } from '../domain/caller';
import type { AuditLog } from '../ports/audit';
import type { Clock } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { Principals } from '../ports/principals';
import type { PolicyRepository } from '../ports/policies';
import type { Versioned } from '../ports/repository';
import { auditRecord } from './audit';
import { domainEvent } from './events';
import { groupToGovern, targetName, targetResource } from './targets';

export interface PolicyDeps {
  policies: PolicyRepository;
  directory: Directory;
  audit: AuditLog;
  clock: Clock;
  tenantId: string;
}

/**
 * The policy that governs a target: resolved per (kind, scope, role or access id). Directory
 * roles have one policy per role at the tenant scope, as in Entra; a group has one for its
 * membership and one for its ownership. A target's first use stores its default policy (for a
 * group this is Entra's implicit onboarding: the first request or policy change onboards it).
 */
export async function policyFor(deps: PolicyDeps, target: Target): Promise<Versioned<RolePolicy>> {
  requireServed(target);
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
async function newDefaultPolicy(deps: PolicyDeps, target: Target): Promise<RolePolicy> {
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
    case 'azureRole':
      throw notServed(target.kind);
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
  if (consumerPolicies.size > 5_000) consumerPolicies.clear();
  consumerPolicies.set(key, { policy: value, until: Date.now() + CONSUMER_POLICY_TTL_MS });
  return value;
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
  await savePolicy(deps, caller, { value: policy, etag }, { rules }, { displayName: ruleId, oldValue: JSON.stringify(current), newValue: JSON.stringify(next) }, correlationId);
}

/**
 * Stores a changed policy (conditional on the version read) with its policy.changed event in
 * the same write, and audits what changed.
 */
async function savePolicy(
  deps: PolicyDeps,
  caller: Caller,
  read: Versioned<RolePolicy>,
  change: Partial<Pick<RolePolicy, 'rules' | 'pimWebhooks'>>,
  modified: { displayName: string; oldValue: string; newValue: string },
  correlationId: string,
): Promise<void> {
  const { value: policy, etag } = read;
  const now = deps.clock.now();
  const target = targetOfPolicy(policy);
  const changed = await domainEvent(deps, 'policy.changed', {
    slot: { principalId: '', target },
    actor: caller,
    data: { policyId: policy.id, changed: modified.displayName, value: JSON.parse(modified.newValue) as unknown },
  });
  const next = { ...policy, ...change, lastModifiedDateTime: now.toISOString(), lastModifiedBy: { id: caller.oid, displayName: caller.name ?? null } };
  const audit = auditRecord({
    activity: 'Update role setting in PIM',
    operationType: 'Update',
    caller,
    correlationId,
    at: now,
    targets: [
      targetResource(target, await targetName(deps, target), [modified]),
      { id: policy.id, displayName: null, type: 'Policy', modifiedProperties: [] },
    ],
    // Which of a group's two policies (its membership's or its ownership's) changed.
    details: { accessId: target.kind === 'group' ? target.accessId : undefined },
  });
  await deps.policies.replace(next, etag, { events: [changed], audit: [audit] });
  // This process's consumers see the change at once (others within CONSUMER_POLICY_TTL_MS).
  consumerPolicies.clear();
}

/**
 * PATCH of the policy itself: only the `pimWebhooks` extension (Graph's policy properties are
 * read-only here; rules change through their own PATCH). Every problem is named at once.
 */
export async function updatePolicyWebhooks(deps: PolicyDeps, caller: Caller, policyId: string, body: unknown, keyNames: string[], correlationId: string): Promise<void> {
  if (!caller.isAdmin) throw forbidden('Only PIM administrators can change role settings.');
  const read = await policyById(deps, policyId);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Send a JSON object: {"pimWebhooks": [...]}.');
  const unknown = Object.keys(body).filter((k) => k !== 'pimWebhooks' && !k.startsWith('@odata.'));
  if (unknown.length > 0) {
    throw badRequest(`Only pimWebhooks can be changed on the policy itself (not ${unknown.join(', ')}); change rules through .../rules/{ruleId}.`, 'InvalidPolicy');
  }
  const { targets, problems } = parseWebhookTargets((body as { pimWebhooks?: unknown }).pimWebhooks ?? [], keyNames);
  if (problems.length > 0) throw new DomainError('InvalidPolicy', problems.join(' '), 400);
  const modified = { displayName: 'pimWebhooks', oldValue: JSON.stringify(read.value.pimWebhooks ?? []), newValue: JSON.stringify(targets) };
  await savePolicy(deps, caller, read, { pimWebhooks: targets }, modified, correlationId);
}

async function checkApproversExist(directory: Principals, rule: PolicyRule): Promise<void> {
  for (const approver of approversOf(rule)) {
    const id = approver['@odata.type'] === '#microsoft.graph.singleUser' ? approver.userId : approver.groupId;
    const kind = approver['@odata.type'] === '#microsoft.graph.singleUser' ? 'user' : 'group';
    const principal = await directory.getPrincipal(id);
    if (!principal || principal.kind !== kind) throw badRequest(`Approver ${kind} '${id}' does not exist in the directory.`, 'InvalidPolicy');
  }
}


