/** Admin → Access reviews: the definitions, each with its current instance's progress, and the instance actions. */
import type { Api } from '../api';
import { type DecisionItem, isDecided, type ReviewDefinition, type ReviewInstance } from '../reviewItems';
import { instancePath, REVIEWS } from '../reviews';

/** A definition as the list shows it: its current instance (the running one, else the latest) and that instance's decisions. */
export interface ReviewRow {
  definition: ReviewDefinition;
  current?: ReviewInstance;
  items: DecisionItem[];
}

const newestFirst = (a: ReviewInstance, b: ReviewInstance) => (b.startDateTime ?? '').localeCompare(a.startDateTime ?? '');

export async function loadReviewRows(api: Api): Promise<ReviewRow[]> {
  const definitions = await api.list<ReviewDefinition>(`${REVIEWS}/definitions`);
  const rows = await Promise.all(
    definitions.map(async (definition): Promise<ReviewRow> => {
      const instances = (await api.list<ReviewInstance>(`${REVIEWS}/definitions/${encodeURIComponent(definition.id)}/instances`)).sort(newestFirst);
      const current = instances.find((i) => i.status === 'InProgress') ?? instances[0];
      const items = current ? await api.list<DecisionItem>(`${instancePath(definition.id, current.id)}/decisions`) : [];
      return { definition, current, items };
    }),
  );
  return rows.sort((a, b) => (b.definition.createdDateTime ?? '').localeCompare(a.definition.createdDateTime ?? ''));
}

export function progressOf(row: ReviewRow): string {
  if (!row.current) return 'Not started';
  return `${row.items.filter(isDecided).length} / ${row.items.length} decided`;
}

/** Whether an ended instance has decisions not applied yet (Approve and Deny are applied; Don't know and Not reviewed are not). */
export function hasUnapplied(row: ReviewRow): boolean {
  return row.current?.status === 'Completed' && row.items.some((i) => (i.applyResult ?? 'New') === 'New' && (i.decision === 'Approve' || i.decision === 'Deny'));
}

export type InstanceAction = 'stop' | 'applyDecisions' | 'sendReminder';

/** An instance action of Graph's (204): stop it (its decisions applied as the settings say), apply its decisions now, or remind its reviewers. */
export function instanceAction(api: Api, row: ReviewRow, action: InstanceAction): Promise<unknown> {
  if (!row.current) return Promise.reject(new Error('This review has no instance yet.'));
  return api.call('POST', `${instancePath(row.definition.id, row.current.id)}/${action}`);
}
