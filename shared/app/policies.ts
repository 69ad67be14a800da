import { asDirectoryRole, directoryRole, policyScopeOf, requireServed, type Target, targetKey } from '../domain/target';
import { badRequest, DomainError, forbidden, notFound } from '../domain/errors';
import { parseWebhookTargets } from '../domain/webhooks';
import { defaultPolicy } from '../domain/policy/defaults';
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

export interface PolicyDeps {
  policies: PolicyRepository;
  directory: Directory;
  audit: AuditLog;
  clock: Clock;
  tenantId: string;
}

/**
 * The policy that governs a target: resolved per (kind, scope, role or access id). Directory
 * roles have one policy per role at the tenant scope, as in Entra; other kinds are refused
 * until they are served.
 */
export async function policyFor(deps: PolicyDeps, target: Target): Promise<Versioned<RolePolicy>> {
  requireServed(target);
  const scope = policyScopeOf(target);
  const existing = await deps.policies.get(scope);
  if (existing) return existing;
  const role = asDirectoryRole(target);
  if (!(await deps.directory.getRoleDefinition(role.roleDefinitionId))) throw notFound('role definition', role.roleDefinitionId);
  // Create-only: when two callers race, one creates and both read the same policy back.
  await deps.policies.create(defaultPolicy(deps.tenantId, role.roleDefinitionId));
  const created = await deps.policies.get(scope);
  if (!created) throw new Error(`Policy for ${targetKey(target)} vanished right after it was created.`);
  return created;
}

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

/** Every directory role's policy (defaults for roles nobody has configured yet). */
export async function listPolicies(deps: PolicyDeps): Promise<RolePolicy[]> {
  const roles = await deps.directory.listRoleDefinitions();
  const stored = new Map((await deps.policies.list('directoryRole')).map((p) => [p.roleDefinitionId, p]));
  return roles.map((r) => stored.get(r.id) ?? defaultPolicy(deps.tenantId, r.id));
}

/** A policy by its id, looked up among the policies (ids are names, not something to parse). */
export async function getPolicy(deps: PolicyDeps, policyId: string): Promise<RolePolicy> {
  const target = await targetOfPolicy(deps, policyId);
  return (await policyFor(deps, target)).value;
}

/** The target a policy id governs, found by listing (a policy not yet stored has its default's id). */
async function targetOfPolicy(deps: PolicyDeps, policyId: string): Promise<Target> {
  const policy = (await listPolicies(deps)).find((p) => p.id === policyId);
  if (!policy) throw notFound('role management policy', policyId);
  return directoryRole(policy.roleDefinitionId, policy.scopeId);
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
  const { value: policy, etag } = await policyFor(deps, await targetOfPolicy(deps, policyId));
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
  const changed = await domainEvent(deps, 'policy.changed', {
    slot: { principalId: '', target: directoryRole(policy.roleDefinitionId, policy.scopeId) },
    actor: caller,
    data: { policyId: policy.id, changed: modified.displayName, value: JSON.parse(modified.newValue) as unknown },
  });
  const next = { ...policy, ...change, lastModifiedDateTime: now.toISOString(), lastModifiedBy: { id: caller.oid, displayName: caller.name ?? null } };
  const role = await deps.directory.getRoleDefinition(policy.roleDefinitionId);
  const audit = auditRecord({
    activity: 'Update role setting in PIM',
    operationType: 'Update',
    caller,
    correlationId,
    at: now,
    targets: [
      { id: policy.roleDefinitionId, displayName: role?.displayName ?? null, type: 'Role', modifiedProperties: [modified] },
      { id: policy.id, displayName: null, type: 'Policy', modifiedProperties: [] },
    ],
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
  const target = await targetOfPolicy(deps, policyId);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Send a JSON object: {"pimWebhooks": [...]}.');
  const unknown = Object.keys(body).filter((k) => k !== 'pimWebhooks' && !k.startsWith('@odata.'));
  if (unknown.length > 0) {
    throw badRequest(`Only pimWebhooks can be changed on the policy itself (not ${unknown.join(', ')}); change rules through .../rules/{ruleId}.`, 'InvalidPolicy');
  }
  const { targets, problems } = parseWebhookTargets((body as { pimWebhooks?: unknown }).pimWebhooks ?? [], keyNames);
  if (problems.length > 0) throw new DomainError('InvalidPolicy', problems.join(' '), 400);
  const read = await policyFor(deps, target);
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


