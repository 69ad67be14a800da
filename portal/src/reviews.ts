/**
 * Access reviews as the portal reads them: Graph's `identityGovernance/accessReviews` (definitions,
 * their instances and the instances' decision items), for reviewers (filterByCurrentUser) and admins.
 */
import type { Api } from './api';

export const REVIEWS = '/v1.0/identityGovernance/accessReviews';
const MINE = "filterByCurrentUser(on='reviewer')";

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

const definitionPath = (definitionId: string) => `${REVIEWS}/definitions/${encodeURIComponent(definitionId)}`;
export const instancePath = (definitionId: string, instanceId: string) => `${definitionPath(definitionId)}/instances/${encodeURIComponent(instanceId)}`;

/** One instance of a review as its reviewer sees it: the definition (name, settings), the instance and the reviewer's items. */
export interface MyReview {
  definition: ReviewDefinition;
  instance: ReviewInstance;
  items: DecisionItem[];
}

/** The definitions and instances the signed-in user reviews. */
async function myInstances(api: Api): Promise<Array<{ definition: ReviewDefinition; instance: ReviewInstance }>> {
  const definitions = await api.list<ReviewDefinition>(`${REVIEWS}/definitions/${MINE}`);
  const lists = await Promise.all(
    definitions.map(async (definition) => (await api.list<ReviewInstance>(`${definitionPath(definition.id)}/instances/${MINE}`)).map((instance) => ({ definition, instance }))),
  );
  return lists.flat();
}

const myItems = (api: Api, definitionId: string, instanceId: string) => api.list<DecisionItem>(`${instancePath(definitionId, instanceId)}/decisions/${MINE}`);

/** The reviews in progress that the signed-in user reviews, soonest due first, each with their items. */
export async function loadMyReviews(api: Api): Promise<MyReview[]> {
  const open = (await myInstances(api)).filter((r) => r.instance.status === 'InProgress');
  const reviews = await Promise.all(open.map(async (r) => ({ ...r, items: await myItems(api, r.definition.id, r.instance.id) })));
  return reviews.sort((a, b) => (a.instance.endDateTime ?? '').localeCompare(b.instance.endDateTime ?? ''));
}

/** One review the signed-in user reviews (e.g. from a mailed link), or undefined when it is not theirs. */
export async function loadMyReview(api: Api, definitionId: string, instanceId: string): Promise<MyReview | undefined> {
  const found = (await myInstances(api)).find((r) => r.definition.id === definitionId && r.instance.id === instanceId);
  return found && { ...found, items: await myItems(api, definitionId, instanceId) };
}

/** Records the signed-in reviewer's decision on one item (Graph: PATCH of the decision item, 204). */
export function recordDecision(api: Api, review: MyReview, itemId: string, decision: Exclude<Decision, 'NotReviewed'>, justification: string): Promise<unknown> {
  return api.call('PATCH', `${instancePath(review.definition.id, review.instance.id)}/decisions/${encodeURIComponent(itemId)}`, { decision, justification });
}
