/**
 * Access review items in words people read: Graph's definition, instance and decision item
 * shapes (with this service's extensions), and how the pages name who, what and the decision.
 * No API calls here (see reviews.ts), so it is tested without a browser.
 */

export type Decision = 'Approve' | 'Deny' | 'DontKnow' | 'NotReviewed';

export interface Identity {
  id?: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  '@odata.type'?: string;
}

export interface ReviewSettings {
  justificationRequiredOnApproval?: boolean;
  instanceDurationInDays?: number;
  defaultDecisionEnabled?: boolean;
  defaultDecision?: string;
  autoApplyDecisionsEnabled?: boolean;
  recommendationsEnabled?: boolean;
  recommendationLookBackDuration?: string | null;
  mailNotificationsEnabled?: boolean;
  reminderNotificationsEnabled?: boolean;
  recurrence?: {
    pattern?: { type?: string; interval?: number; dayOfMonth?: number };
    range?: { type?: string; startDate?: string | null; endDate?: string | null; numberOfOccurrences?: number };
  } | null;
}

export interface ReviewerScope {
  query: string;
  queryType?: string;
  queryRoot?: string | null;
}

export interface ReviewDefinition {
  id: string;
  displayName: string;
  descriptionForAdmins?: string | null;
  descriptionForReviewers?: string | null;
  status?: string;
  createdDateTime?: string;
  createdBy?: Identity | null;
  scope?: { query?: string; queryType?: string; '@odata.type'?: string } & Record<string, unknown>;
  reviewers?: ReviewerScope[];
  fallbackReviewers?: ReviewerScope[];
  settings?: ReviewSettings;
}

export interface ReviewInstance {
  id: string;
  status?: string;
  startDateTime?: string | null;
  endDateTime?: string | null;
}

export interface DecisionItem {
  id: string;
  decision?: Decision;
  recommendation?: string | null;
  /** Extension: why the recommendation was made (e.g. "Not activated in the last 30 days"). */
  recommendationReason?: string | null;
  /** Extension: when the principal last activated what is reviewed (null: never, within the look-back). */
  lastActivationDateTime?: string | null;
  justification?: string | null;
  reviewedBy?: Identity | null;
  reviewedDateTime?: string | null;
  appliedBy?: Identity | null;
  appliedDateTime?: string | null;
  applyResult?: string | null;
  principal?: Identity | null;
  /** `assignmentState` (extension): which assignment of the resource is reviewed, Eligible or Active. */
  resource?: { id?: string; displayName?: string | null; type?: string | null; assignmentState?: string | null } | null;
}

/** Who a decision item is about, and whom a decision names: a name people read, else the id. */
export function nameOf(who: Identity | null | undefined): string {
  if (!who) return '';
  const name = who.displayName ?? who.userPrincipalName ?? '';
  return name || (who.id && !/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(who.id) ? who.id : '');
}

/** What is reviewed: the role, group or Azure role, with its kind (and eligible or active) in words. */
export function resourceOf(item: DecisionItem): string {
  const r = item.resource;
  if (!r) return '';
  const type = (r.type ?? '').toLowerCase();
  const kind = type.includes('group') ? 'group' : type.includes('azure') || (r.id ?? '').startsWith('/subscriptions/') || (r.id ?? '').startsWith('/providers/') ? 'Azure role' : type ? 'directory role' : '';
  const details = [kind, r.assignmentState?.toLowerCase()].filter(Boolean).join(', ');
  return `${r.displayName ?? r.id ?? ''}${details ? ` (${details})` : ''}`;
}

const DECISION_WORDS: Record<string, string> = { Approve: 'Approved', Deny: 'Denied', DontKnow: "Don't know", NotReviewed: 'Not reviewed' };

export function decisionWords(decision: string | undefined): string {
  return DECISION_WORDS[decision ?? 'NotReviewed'] ?? decision ?? '';
}

export const isDecided = (item: DecisionItem) => (item.decision ?? 'NotReviewed') !== 'NotReviewed';
