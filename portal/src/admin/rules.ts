/** Finding and changing one rule of a policy, typed by its kind, for the rule group editors. */
import type { PolicyRule } from './policyStore';

export type RuleType = PolicyRule['@odata.type'];
export type RuleOf<T extends RuleType> = Extract<PolicyRule, { '@odata.type': T }>;

export const EXPIRATION = '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule';
export const ENABLEMENT = '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule';
export const APPROVAL = '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule';
export const AUTH_CONTEXT = '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule';
export const NOTIFICATION = '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule';

/** The rule with this id, if the policy has it and it is of this type (an editor shows nothing for a rule that is not there). */
export function ruleOf<T extends RuleType>(rules: PolicyRule[], id: string, type: T): RuleOf<T> | undefined {
  const rule = rules.find((r) => r.id === id);
  return rule?.['@odata.type'] === type ? (rule as RuleOf<T>) : undefined;
}

/** What every rule group editor takes: the draft rules, a way to replace one, and whether it may change them. */
export interface RuleGroupProps {
  rules: PolicyRule[];
  onChange: (rule: PolicyRule) => void;
}

/** Minutes in an ISO 8601 duration of days, hours and minutes (P365D, PT8H, PT1H30M); undefined when unreadable. */
export function isoMinutes(iso: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return undefined;
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Hours as typed ("8", "1.5") as ISO 8601 (PT8H, PT1H30M). What is not a number is sent as typed, for the API to name what is wrong. */
export function hoursToIso(text: string): string {
  const hours = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(hours) || hours <= 0) return text.trim();
  const minutes = Math.round(hours * 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}`;
}

export function isoToHours(iso: string): string {
  const minutes = isoMinutes(iso);
  return minutes === undefined ? iso : String(Math.round((minutes / 60) * 100) / 100);
}

/** Days as typed ("365") as ISO 8601 (P365D); what is not a whole number is sent as typed. */
export function daysToIso(text: string): string {
  return /^\d+$/.test(text.trim()) ? `P${Number(text.trim())}D` : text.trim();
}

export function isoToDays(iso: string): string {
  const minutes = isoMinutes(iso);
  return minutes === undefined ? iso : String(Math.round((minutes / 1440) * 100) / 100);
}

/** A list typed as text ("a@x.test, b@x.test"): split on commas, semicolons and spaces. */
export const splitList = (text: string) => text.split(/[\s,;]+/).filter(Boolean);
