/**
 * Role settings as code: the rules of a role's policy that people change, as a small YAML
 * document, and back. Each field names the rule it lives in, so applying a file PATCHes only
 * the rules whose fields changed. Rules not mapped here (notifications) are left alone.
 */

export interface Rule {
  id: string;
  '@odata.type'?: string;
  [key: string]: unknown;
}

interface Field {
  /** Where the value sits in the YAML, e.g. "activation.maximumDuration". */
  path: string;
  ruleId: string;
  get(rule: Rule): unknown;
  /** The rule with this field set to `value` (a copy). */
  set(rule: Rule, value: unknown): Rule;
}

export type Approver = { user: string } | { group: string };

export interface ApprovalStage {
  timeoutDays: number;
  requireJustification: boolean;
  approvers: Approver[];
}

const prop = (path: string, ruleId: string, name: string): Field => ({
  path,
  ruleId,
  get: (rule) => rule[name] ?? null,
  set: (rule, value) => ({ ...rule, [name]: value }),
});

/** A boolean that is "X is among the rule's enabledRules". */
const enabled = (path: string, ruleId: string, name: string): Field => ({
  path,
  ruleId,
  get: (rule) => ((rule.enabledRules as string[] | undefined) ?? []).includes(name),
  set: (rule, value) => {
    const others = ((rule.enabledRules as string[] | undefined) ?? []).filter((r) => r !== name);
    return { ...rule, enabledRules: value === true ? [...others, name] : others };
  },
});

const approvalSetting = (rule: Rule) => (rule.setting ?? {}) as { isApprovalRequired?: boolean; approvalStages?: Array<Record<string, unknown>> };

const FIELDS: Field[] = [
  prop('activation.maximumDuration', 'Expiration_EndUser_Assignment', 'maximumDuration'),
  enabled('activation.requireMfa', 'Enablement_EndUser_Assignment', 'MultiFactorAuthentication'),
  enabled('activation.requireJustification', 'Enablement_EndUser_Assignment', 'Justification'),
  enabled('activation.requireTicket', 'Enablement_EndUser_Assignment', 'Ticketing'),
  {
    path: 'activation.authenticationContext',
    ruleId: 'AuthenticationContext_EndUser_Assignment',
    get: (rule) => (rule.isEnabled === true ? (rule.claimValue ?? null) : null),
    set: (rule, value) => (value ? { ...rule, isEnabled: true, claimValue: value } : { ...rule, isEnabled: false, claimValue: null }),
  },
  {
    path: 'activation.approval.required',
    ruleId: 'Approval_EndUser_Assignment',
    get: (rule) => approvalSetting(rule).isApprovalRequired === true,
    set: (rule, value) => ({ ...rule, setting: { ...approvalSetting(rule), isApprovalRequired: value === true } }),
  },
  {
    path: 'activation.approval.stages',
    ruleId: 'Approval_EndUser_Assignment',
    get: (rule) => (approvalSetting(rule).approvalStages ?? []).map(toStage),
    set: (rule, value) => {
      const before = approvalSetting(rule).approvalStages ?? [];
      const stages = (value as ApprovalStage[]).map((stage, i) => fromStage(stage, before[i]));
      return { ...rule, setting: { ...approvalSetting(rule), approvalStages: stages } };
    },
  },
  prop('eligibility.expirationRequired', 'Expiration_Admin_Eligibility', 'isExpirationRequired'),
  prop('eligibility.maximumDuration', 'Expiration_Admin_Eligibility', 'maximumDuration'),
  prop('assignment.expirationRequired', 'Expiration_Admin_Assignment', 'isExpirationRequired'),
  prop('assignment.maximumDuration', 'Expiration_Admin_Assignment', 'maximumDuration'),
  enabled('assignment.requireMfa', 'Enablement_Admin_Assignment', 'MultiFactorAuthentication'),
  enabled('assignment.requireJustification', 'Enablement_Admin_Assignment', 'Justification'),
];

function toStage(stage: Record<string, unknown>): ApprovalStage {
  const approvers = (stage.primaryApprovers as Array<Record<string, unknown>> | undefined) ?? [];
  return {
    timeoutDays: Number(stage.approvalStageTimeOutInDays ?? 1),
    requireJustification: stage.isApproverJustificationRequired !== false,
    approvers: approvers.map((a): Approver => (typeof a.groupId === 'string' ? { group: a.groupId } : { user: String(a.userId) })),
  };
}

/** A YAML stage as Graph's, keeping what the file does not say (escalation) from the stage it replaces. */
function fromStage(stage: ApprovalStage, before: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    escalationTimeInMinutes: 0,
    escalationApprovers: [],
    ...before,
    approvalStageTimeOutInDays: stage.timeoutDays,
    isApproverJustificationRequired: stage.requireJustification,
    primaryApprovers: stage.approvers.map((a) =>
      'group' in a ? { '@odata.type': '#microsoft.graph.groupMembers', groupId: a.group } : { '@odata.type': '#microsoft.graph.singleUser', userId: a.user },
    ),
  };
}

/** Whose settings a document holds: a directory role's, or a group's member or owner settings. */
export type PolicySubject = { role: string; roleDefinitionId: string } | { groupId: string; access: 'member' | 'owner' };

/** The document `pim policy export` writes. */
export type PolicyDocument = PolicySubject & {
  activation?: Record<string, unknown>;
  eligibility?: Record<string, unknown>;
  assignment?: Record<string, unknown>;
};

/** The policy's rules as the YAML document's object, under whose settings they are. */
export function toDocument(subject: PolicySubject, rules: Rule[]): PolicyDocument {
  const doc: Record<string, unknown> = { ...subject };
  for (const field of FIELDS) {
    const rule = rules.find((r) => r.id === field.ruleId);
    if (rule) setPath(doc, field.path, field.get(rule));
  }
  return doc as unknown as PolicyDocument;
}

export interface FieldChange {
  path: string;
  ruleId: string;
  from: unknown;
  to: unknown;
}

/** What the document changes, field by field; fields the document leaves out stay as they are. */
export function diff(rules: Rule[], doc: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of FIELDS) {
    const rule = rules.find((r) => r.id === field.ruleId);
    const wanted = getPath(doc, field.path);
    if (!rule || wanted === undefined) continue;
    const from = field.get(rule);
    const to = normalize(field.path, wanted);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ path: field.path, ruleId: field.ruleId, from, to });
  }
  return changes;
}

/** The changed rules as they are to be PATCHed: each read rule with the document's values in it. */
export function patchedRules(rules: Rule[], changes: FieldChange[]): Rule[] {
  const out = new Map<string, Rule>();
  for (const change of changes) {
    const field = FIELDS.find((f) => f.path === change.path);
    const rule = out.get(change.ruleId) ?? rules.find((r) => r.id === change.ruleId);
    if (field && rule) out.set(change.ruleId, field.set(rule, change.to));
  }
  return [...out.values()];
}

/** A readable diff: one line per field, `path: before → after`. */
export function describeChanges(changes: FieldChange[]): string {
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  return changes.map((c) => `~ ${c.path}: ${show(c.from)} → ${show(c.to)}`).join('\n');
}

/** YAML gives numbers and booleans as typed; stages are written in a fixed key order so they compare. */
function normalize(path: string, value: unknown): unknown {
  if (path !== 'activation.approval.stages') return value;
  if (!Array.isArray(value)) throw new Error(`${path} must be a list of stages.`);
  return value.map((s: Record<string, unknown>, i): ApprovalStage => {
    const approvers = s.approvers;
    if (!Array.isArray(approvers)) throw new Error(`${path}[${i}].approvers must be a list of {user: id} or {group: id}.`);
    return {
      timeoutDays: Number(s.timeoutDays ?? 1),
      requireJustification: s.requireJustification !== false,
      approvers: approvers.map((a: Record<string, unknown>, j): Approver => {
        if (typeof a.group === 'string') return { group: a.group };
        if (typeof a.user === 'string') return { user: a.user };
        throw new Error(`${path}[${i}].approvers[${j}] must be {user: <object id>} or {group: <object id>}.`);
      }),
    };
  });
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let at = target;
  for (const key of keys) at = (at[key] ??= {}) as Record<string, unknown>;
  at[last] = value;
}

function getPath(source: unknown, path: string): unknown {
  let at: unknown = source;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
