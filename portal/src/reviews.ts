/**
 * Access reviews as the portal reads them: Graph's `identityGovernance/accessReviews` (definitions,
 * their instances and the instances' decision items), for reviewers (filterByCurrentUser) and admins.
 */
import type { Api } from './api';
import type { DecisionItem, Decision, ReviewDefinition, ReviewInstance } from './reviewItems';

export const REVIEWS = '/v1.0/identityGovernance/accessReviews';
const MINE = "filterByCurrentUser(on='reviewer')";

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
