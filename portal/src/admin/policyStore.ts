/**
 * Reading and saving one role's settings (its policy's rules), for every kind of target: a
 * directory role or a group access through Graph's roleManagementPolicies, an Azure role at a
 * scope through ARM's. The editor works on Graph's rule shapes for all three; only this module
 * knows which surface a target lives on.
 */
import type { Api } from '../api';
import type { PolicyRule } from '../../../shared/domain/policy/types';
import type { WebhookTarget } from '../../../shared/domain/webhooks';
import { fromArmRule, toArmRule } from '../../../shared/http/arm/policyRules';
import { ARM_PIM } from '../azure';

export type { PolicyRule, WebhookTarget };

export type SettingsTarget =
  | { kind: 'directoryRole'; roleDefinitionId: string; name: string }
  | { kind: 'group'; groupId: string; accessId: 'member' | 'owner'; name: string }
  | { kind: 'azureRole'; scope: string; policyName: string; name: string };

export interface LoadedPolicy {
  rules: PolicyRule[];
  /** The policy's webhook targets; undefined where the surface carries none (ARM). */
  webhooks: WebhookTarget[] | undefined;
  /** ARM only: the scope whose settings apply here until this scope gets its own. */
  inheritedFrom?: string;
}

/** What a save did: the rules the API accepted, and the refusal that stopped it, if any. */
export interface SaveOutcome {
  saved: string[];
  error?: unknown;
}

export interface PolicyStore {
  load(): Promise<LoadedPolicy>;
  /** PATCHes exactly these rules (the ones the user changed). */
  saveRules(changed: PolicyRule[]): Promise<SaveOutcome>;
  saveWebhooks(targets: WebhookTarget[]): Promise<void>;
}

const MFA_CONFLICT_ORDER = ['Enablement_EndUser_Assignment', 'AuthenticationContext_EndUser_Assignment'];

/** The store for `target`: Azure roles' policies live on the ARM surface (api.arm), the others on Graph's. */
export function policyStore(api: Api, target: SettingsTarget): PolicyStore {
  return target.kind === 'azureRole' ? armStore(api, target) : graphStore(api, target);
}

function graphStore(api: Api, target: Exclude<SettingsTarget, { kind: 'azureRole' }>): PolicyStore {
  const filter =
    target.kind === 'directoryRole'
      ? `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${target.roleDefinitionId}'`
      : `scopeId eq '${target.groupId}' and scopeType eq 'Group' and roleDefinitionId eq '${target.accessId}'`;
  let policyId: string | undefined;
  const policyPath = () => `/v1.0/policies/roleManagementPolicies/${encodeURIComponent(policyId ?? '')}`;
  return {
    async load() {
      const answer = await api.call<{ value: Array<{ policyId: string; policy?: { rules?: PolicyRule[]; pimWebhooks?: WebhookTarget[] } }> }>(
        'GET',
        `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}&$expand=${encodeURIComponent('policy($expand=rules)')}`,
      );
      const found = answer.value[0];
      if (!found) throw new Error(`No role settings were found for ${target.name}.`);
      policyId = found.policyId;
      return { rules: found.policy?.rules ?? [], webhooks: found.policy?.pimWebhooks ?? [] };
    },
    async saveRules(changed) {
      const saved: string[] = [];
      // Graph changes one rule per PATCH; each is checked against the others as they stand, so
      // the rule that lifts a conflict (MFA vs an authentication context) goes first.
      for (const rule of orderForGraph(changed)) {
        try {
          await api.call('PATCH', `${policyPath()}/rules/${encodeURIComponent(rule.id)}`, rule);
          saved.push(rule.id);
        } catch (error) {
          return { saved, error };
        }
      }
      return { saved };
    },
    async saveWebhooks(targets) {
      await api.call('PATCH', policyPath(), { pimWebhooks: targets });
    },
  };
}

/** Enablement first when it drops MFA (so a context can be turned on), else the context first (so it can be turned off). */
function orderForGraph(changed: PolicyRule[]): PolicyRule[] {
  const enablement = changed.find((r) => r.id === MFA_CONFLICT_ORDER[0]);
  const dropsMfa = enablement?.['@odata.type'] === '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule' && !enablement.enabledRules.includes('MultiFactorAuthentication');
  const order = dropsMfa ? MFA_CONFLICT_ORDER : [...MFA_CONFLICT_ORDER].reverse();
  const rank = (r: PolicyRule) => (order.includes(r.id) ? order.indexOf(r.id) : -1);
  return [...changed].sort((a, b) => rank(a) - rank(b));
}

interface ArmPolicy {
  properties: { rules: unknown[]; effectiveFrom?: { scope: string; inherited: boolean } };
}

function armStore(api: Api, target: Extract<SettingsTarget, { kind: 'azureRole' }>): PolicyStore {
  const path = `${target.scope}/providers/Microsoft.Authorization/roleManagementPolicies/${encodeURIComponent(target.policyName)}?${ARM_PIM}`;
  return {
    async load() {
      const policy = await api.arm<ArmPolicy>('GET', path);
      const from = policy.properties.effectiveFrom;
      return { rules: policy.properties.rules.map(fromArmRule), webhooks: undefined, ...(from?.inherited ? { inheritedFrom: from.scope } : {}) };
    },
    async saveRules(changed) {
      // ARM takes every changed rule in one PATCH, all or none.
      try {
        await api.arm('PATCH', path, { properties: { rules: changed.map(toArmRule) } });
        return { saved: changed.map((r) => r.id) };
      } catch (error) {
        return { saved: [], error };
      }
    },
    saveWebhooks() {
      return Promise.reject(new Error('Webhooks are set on directory roles and groups; the ARM surface does not carry them.'));
    },
  };
}

/** The rules of `draft` that differ from `saved` (compared by content, whatever the key order). */
export function changedRules(saved: PolicyRule[], draft: PolicyRule[]): PolicyRule[] {
  const before = new Map(saved.map((r) => [r.id, canonical(r)]));
  return draft.filter((r) => before.get(r.id) !== canonical(r));
}

export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
