import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { DecisionItem, ReviewDefinition, ReviewInstance } from '../../domain/accessReviews';
import { conflict } from '../../domain/errors';
import type { AccessReviewRepository, ReviewDue } from '../../ports/accessReviews';
import type { Changes } from '../../ports/changes';
import { DueIndex } from './dueIndex';
import { keys } from './keys';
import type { TableOutbox } from './outbox';
import { deleteRowsIfPresent, statusCodeOf, type TableAccess } from './tableAccess';

export const ACCESS_REVIEWS_TABLE = 'AccessReviews';
const TABLE = ACCESS_REVIEWS_TABLE;
const K = keys.accessReview;

type Row = { partitionKey: string; rowKey: string; type: 'definition' | 'instance' | 'decision' | 'reviewer' | 'deleted'; json: string };

function parsed<T>(e: { rowKey: string; json?: unknown }, has: keyof T): T {
  const value = typeof e.json === 'string' ? (JSON.parse(e.json) as T) : undefined;
  if (!value || typeof value[has] !== 'string') throw new Error(`Malformed access review row ${e.rowKey}`);
  return value;
}

const concurrent = (what: string) => conflict(`The ${what} was changed by someone else meanwhile. Reload it and try again.`, 'ConcurrentModification');

/** Access reviews in Table Storage (see keys.accessReview for the layout). */
export function tableAccessReviewRepository(tables: TableAccess, outbox: TableOutbox): AccessReviewRepository {
  const due = new DueIndex(tables);
  const client = () => tables.table(TABLE);

  async function rows(filter: string): Promise<Array<Row & { etag: string }>> {
    const table = await client();
    const out: Array<Row & { etag: string }> = [];
    for await (const e of table.listEntities<Row>({ queryOptions: { filter } })) out.push(e as Row & { etag: string });
    return out;
  }

  async function point(pk: string, rk: string): Promise<(Row & { etag: string }) | undefined> {
    try {
      return (await (await client()).getEntity<Row>(pk, rk)) as Row & { etag: string };
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** One write in its partition with its changes' outbox rows; a 412 (or a row gone) is a conflict on `what`. */
  async function commit(pk: string, action: TransactionAction, changes: Changes, what: string): Promise<void> {
    try {
      await outbox.submit(TABLE, pk, [action], changes);
    } catch (error) {
      if (statusCodeOf(error) === 412 || statusCodeOf(error) === 404) throw concurrent(what);
      throw error;
    }
  }

  async function createAll(table: TableClient, entities: Row[]): Promise<void> {
    // Create-only, one by one: a retried start finds most rows there, and those are fine as they are.
    for (const e of entities) {
      await table.createEntity(e).catch((error: unknown) => {
        if (statusCodeOf(error) !== 409) throw error;
      });
    }
  }

  const instanceEntity = (i: ReviewInstance): Row => ({ partitionKey: K.partition(i.definitionId), rowKey: K.instanceRow(i.id), type: 'instance', json: JSON.stringify(i) });
  const decisionEntity = (definitionId: string, d: DecisionItem): Row => ({
    partitionKey: K.partition(definitionId),
    rowKey: K.decisionRow(d.accessReviewId, d.id),
    type: 'decision',
    json: JSON.stringify(d),
  });

  return {
    async createDefinition(definition, changes = {}) {
      const entity: Row = { ...K.definition(definition.id), type: 'definition', json: JSON.stringify(definition) };
      await commit(entity.partitionKey, ['create', entity], changes, 'access review');
    },
    async getDefinition(id) {
      const at = K.definition(id);
      const e = await point(at.partitionKey, at.rowKey);
      return e?.type === 'definition' ? { value: parsed<ReviewDefinition>(e, 'id'), etag: e.etag } : undefined;
    },
    async listDefinitions() {
      return (await rows(odata`PartitionKey eq ${K.definitions} and type eq ${'definition'}`)).map((e) => parsed<ReviewDefinition>(e, 'id'));
    },
    async replaceDefinition(definition, etag, changes = {}) {
      const entity: Row = { ...K.definition(definition.id), type: 'definition', json: JSON.stringify(definition) };
      await commit(entity.partitionKey, ['update', entity, 'Replace', { etag }], changes, 'access review');
    },
    async deleteDefinition(id, etag, changes = {}) {
      const at = K.definition(id);
      // A transaction's delete takes no ETag: the conditional write (with the audit) is a tombstone, deleted after.
      await commit(at.partitionKey, ['update', { ...at, type: 'deleted', json: '{}' }, 'Replace', { etag }], changes, 'access review');
      await deleteRowsIfPresent(await client(), at.partitionKey, [at.rowKey]);
      // Its instances and items go with it; a row left by a crash here is never read again (no definition points at it).
      const pk = K.partition(id);
      const held = await rows(odata`PartitionKey eq ${pk} and (type eq ${'instance'} or type eq ${'decision'})`);
      await deleteRowsIfPresent(await client(), pk, held.map((e) => e.rowKey));
    },
    async getInstance(definitionId, instanceId) {
      const e = await point(K.partition(definitionId), K.instanceRow(instanceId));
      return e ? { value: parsed<ReviewInstance>(e, 'id'), etag: e.etag } : undefined;
    },
    async listInstances(definitionId) {
      return (await rows(odata`PartitionKey eq ${K.partition(definitionId)} and type eq ${'instance'}`)).map((e) => parsed<ReviewInstance>(e, 'id'));
    },
    async createInstance(instance, items, changes = {}) {
      const table = await client();
      if (await point(K.partition(instance.definitionId), K.instanceRow(instance.id))) return false;
      await createAll(table, items.map((d) => decisionEntity(instance.definitionId, d)));
      await createAll(
        table,
        instance.reviewerIds.map((r) => ({ ...K.reviewer(r, instance.definitionId, instance.id), type: 'reviewer' as const, json: JSON.stringify({ definitionId: instance.definitionId, instanceId: instance.id }) })),
      );
      try {
        await outbox.submit(TABLE, K.partition(instance.definitionId), [['create', instanceEntity(instance)]], changes);
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 409) return false;
        throw error;
      }
    },
    async replaceInstance(instance, etag, changes = {}) {
      await commit(K.partition(instance.definitionId), ['update', instanceEntity(instance), 'Replace', { etag }], changes, 'access review instance');
    },
    async listDecisions(definitionId, instanceId) {
      const from = K.decisionPrefix(instanceId);
      const found = await rows(odata`PartitionKey eq ${K.partition(definitionId)} and RowKey ge ${from} and RowKey lt ${`${from}~`}`);
      return found.map((e) => ({ value: parsed<DecisionItem>(e, 'id'), etag: e.etag }));
    },
    async getDecision(definitionId, instanceId, decisionId) {
      const e = await point(K.partition(definitionId), K.decisionRow(instanceId, decisionId));
      return e ? { value: parsed<DecisionItem>(e, 'id'), etag: e.etag } : undefined;
    },
    async replaceDecision(definitionId, item, etag, changes = {}) {
      await commit(K.partition(definitionId), ['update', decisionEntity(definitionId, item), 'Replace', { etag }], changes, 'decision');
    },
    async reviewsOf(reviewerId) {
      const found = await rows(odata`PartitionKey eq ${K.reviewerPartition(reviewerId)}`);
      return found.map((e) => JSON.parse(e.json) as { definitionId: string; instanceId: string });
    },
    async fileDue(at, what, definitionId, ref) {
      await due.add(at, 'accessReview', definitionId, `${what}|${ref}`);
    },
    async dueWork(now) {
      const out: ReviewDue[] = [];
      for (const item of await due.list(now)) {
        if (item.what !== 'accessReview') continue;
        const [what, ref] = item.id.split('|') as [ReviewDue['what'], string];
        out.push({ what, definitionId: item.partitionKey, ref, at: item.dueAt, handle: item.row });
      }
      return out;
    },
    async completeDue(work) {
      await due.done(work.map((w) => ({ what: 'accessReview', partitionKey: w.definitionId, id: `${w.what}|${w.ref}`, dueAt: w.at, row: w.handle })));
    },
  };
}
