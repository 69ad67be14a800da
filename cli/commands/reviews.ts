import { connect, type Json, type PimApi } from '../api';
import { type ParsedCommand, stringOption, UsageError } from '../args';
import { CliError } from '../errors';
import { type Output, table } from '../output';

const REVIEWS = '/v1.0/identityGovernance/accessReviews';
const MINE = "filterByCurrentUser(on='reviewer')";

/** One access review instance the caller reviews, with the caller's decision items (Graph's shape). */
interface MyReview {
  definitionId: string;
  instanceId: string;
  displayName: string;
  status: string;
  endDateTime: string | null;
  items: Json[];
}

const instancePath = (definitionId: string, instanceId: string) => `${REVIEWS}/definitions/${encodeURIComponent(definitionId)}/instances/${encodeURIComponent(instanceId)}`;

/** The caller's reviews in progress (of one definition, or one instance, when named), with their items. */
async function myReviews(api: PimApi, only: { definition?: string; instance?: string } = {}): Promise<MyReview[]> {
  const definitions = (await api.list(`${REVIEWS}/definitions/${MINE}`)).filter((d) => !only.definition || d.id === only.definition);
  const instances = (
    await Promise.all(
      definitions.map(async (d) => (await api.list(`${REVIEWS}/definitions/${encodeURIComponent(String(d.id))}/instances/${MINE}`)).map((i) => ({ d, i }))),
    )
  )
    .flat()
    .filter(({ i }) => i.status === 'InProgress' && (!only.instance || i.id === only.instance));
  return Promise.all(
    instances.map(async ({ d, i }) => ({
      definitionId: String(d.id),
      instanceId: String(i.id),
      displayName: String(d.displayName ?? d.id),
      status: String(i.status),
      endDateTime: typeof i.endDateTime === 'string' ? i.endDateTime : null,
      items: await api.list(`${instancePath(String(d.id), String(i.id))}/decisions/${MINE}`),
    })),
  );
}

const name = (who: unknown) => {
  const w = (who ?? {}) as { displayName?: string | null; userPrincipalName?: string | null; id?: string };
  return w.displayName ?? w.userPrincipalName ?? w.id ?? '';
};
const resource = (item: Json) => {
  const r = (item.resource ?? {}) as { displayName?: string | null; id?: string };
  return r.displayName ?? r.id ?? '';
};
const undecided = (item: Json) => (item.decision ?? 'NotReviewed') === 'NotReviewed';
const recommendation = (item: Json) => `${String(item.recommendation ?? 'NoInfoAvailable')}${item.recommendationReason ? ` (${String(item.recommendationReason)})` : ''}`;
const lastActivation = (item: Json) => (typeof item.lastActivationDateTime === 'string' ? item.lastActivationDateTime : 'never');

/** `pim reviews [--all]`: the caller's access reviews in progress and the items left to decide (with --all, every item). */
export async function reviews(cmd: ParsedCommand, out: Output): Promise<void> {
  const all = cmd.options.all === true;
  const found = (await myReviews(connect(cmd.global.url))).map((r) => ({ ...r, items: all ? r.items : r.items.filter(undecided) }));
  const text = found.map((r) => {
    const head = `${r.displayName} (definition ${r.definitionId}, instance ${r.instanceId})${r.endDateTime ? `, due ${r.endDateTime}` : ''}`;
    const rows = r.items.map((i) => [String(i.id), name(i.principal), resource(i), recommendation(i), lastActivation(i), String(i.decision ?? 'NotReviewed')]);
    return `${head}\n${table(['DECISION ID', 'PRINCIPAL', 'ACCESS', 'RECOMMENDATION', 'LAST ACTIVATION', 'DECISION'], rows) || (all ? '  (no items)' : '  (nothing left to decide)')}`;
  });
  out.result(found, text.join('\n\n') || 'You have no access reviews in progress.');
}

const DECISIONS: Record<string, 'Approve' | 'Deny' | 'DontKnow'> = { approve: 'Approve', deny: 'Deny', dontknow: 'DontKnow' };

/**
 * `pim review decide <decisionId> | --all --definition <id> --instance <id>`: records the caller's
 * decision on one item (Graph's PATCH of the decision item), or on every item the caller reviews
 * in one instance (batchRecordDecisions).
 */
export async function review(cmd: ParsedCommand, out: Output): Promise<void> {
  if (cmd.command[1] !== 'decide') throw new UsageError(`Unknown 'pim review ${cmd.command[1] ?? ''}': use decide.`);
  const word = (stringOption(cmd.options, 'decision') ?? '').toLowerCase().replace(/[^a-z]/g, '');
  const decision = DECISIONS[word];
  if (!decision) throw new UsageError("Give --decision approve, deny or dontknow.");
  const justification = stringOption(cmd.options, 'justification') ?? '';
  const definition = stringOption(cmd.options, 'definition');
  const instance = stringOption(cmd.options, 'instance');
  const id = cmd.args[0];
  const api = connect(cmd.global.url);

  if (cmd.options.all === true) {
    if (id) throw new UsageError('Give either a decision id or --all, not both.');
    if (!definition || !instance) throw new UsageError("--all needs --definition <id> and --instance <id>: 'pim reviews' shows them.");
    const [found] = await myReviews(api, { definition, instance });
    if (!found) throw new CliError(`You review no access review in progress with definition ${definition} and instance ${instance}. 'pim reviews' lists yours.`, 1, 'ResourceNotFound');
    await api.send('POST', `${instancePath(definition, instance)}/batchRecordDecisions`, { decision, justification });
    out.result({ definitionId: definition, instanceId: instance, decision, justification, items: found.items.length }, `Recorded ${decision} for all ${found.items.length} item${found.items.length === 1 ? '' : 's'} you review in ${found.displayName}.`);
    return;
  }
  if (!id) throw new UsageError("Give the decision id (or --all with --definition and --instance): pim review decide <decisionId> --decision approve|deny|dontknow. 'pim reviews' lists them.");
  const found = (await myReviews(api, { definition, instance })).find((r) => r.items.some((i) => i.id === id));
  if (!found) throw new CliError(`No item ${id} is yours to decide in an access review in progress. 'pim reviews --all' lists yours.`, 1, 'ResourceNotFound');
  await api.send('PATCH', `${instancePath(found.definitionId, found.instanceId)}/decisions/${encodeURIComponent(id)}`, { decision, justification });
  const item = found.items.find((i) => i.id === id) ?? {};
  out.result(
    { definitionId: found.definitionId, instanceId: found.instanceId, decisionId: id, decision, justification },
    `Recorded ${decision} for ${name(item.principal)} – ${resource(item)} in ${found.displayName}.`,
  );
}
