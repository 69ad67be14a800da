import { odata, TableClient, type TransactionAction } from '@azure/data-tables';
import { type Entity, queueEntity, subscriptionEntity, topicEntity } from './entities';
import { encodeKey, messageRowKey } from './keys';
import { fromRow, type MessageRow, type MessageState, type StoredMessage, toRow } from './rows';

export interface EntityCounts {
  active: number;
  /** Active messages whose scheduled time has not come yet (included in active). */
  scheduled: number;
  deadlettered: number;
  completed: number;
}

const ENTITY_PARTITION = 'entity';

/**
 * The bus in Azure Table Storage: `<prefix>SbMessages` (one partition per queue or
 * subscription, rows in enqueue order), `<prefix>SbEntities` (the namespace, so entities made by
 * an earlier run still exist) and `<prefix>SbDuplicates` (message ids seen, per queue or topic).
 */
export class BusStore {
  private constructor(
    private readonly messages: TableClient,
    private readonly entities: TableClient,
    private readonly duplicates: TableClient,
  ) {}

  static async open(connectionString: string, prefix: string): Promise<BusStore> {
    const table = (name: string) =>
      TableClient.fromConnectionString(connectionString, `${prefix}${name}`, { allowInsecureConnection: true });
    const store = new BusStore(table('SbMessages'), table('SbEntities'), table('SbDuplicates'));
    await Promise.all([store.messages.createTable(), store.entities.createTable(), store.duplicates.createTable()]);
    return store;
  }

  async saveEntity(entity: Entity): Promise<void> {
    const row = { partitionKey: ENTITY_PARTITION, rowKey: entity.key, kind: entity.kind, name: entity.name };
    await this.entities.upsertEntity(entity.kind === 'subscription' ? { ...row, topic: entity.topic } : row, 'Replace');
  }

  async loadEntities(): Promise<Entity[]> {
    const out: Entity[] = [];
    const filter = odata`PartitionKey eq ${ENTITY_PARTITION}`;
    for await (const row of this.entities.listEntities<{ kind: string; name: string; topic?: string }>({
      queryOptions: { filter },
    })) {
      if (row.kind === 'queue') out.push(queueEntity(row.name));
      else if (row.kind === 'topic') out.push(topicEntity(row.name));
      else if (row.kind === 'subscription' && row.topic) out.push(subscriptionEntity(row.topic, row.name));
    }
    return out;
  }

  /** Whether `messageId` was sent to the queue or topic `target` within the window. */
  async seenWithin(target: string, messageId: string, windowMs: number): Promise<boolean> {
    try {
      const row = await this.duplicates.getEntity<{ sentAt: string }>(target, encodeKey(messageId));
      return Date.now() - Date.parse(row.sentAt) < windowMs;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async recordSent(target: string, messageId: string): Promise<void> {
    const row = { partitionKey: target, rowKey: encodeKey(messageId), sentAt: new Date().toISOString() };
    await this.duplicates.upsertEntity(row, 'Replace');
  }

  /** Writes a new message; writing the same sequence number again (a retried send) is a no-op. */
  async insert(message: StoredMessage): Promise<void> {
    try {
      await this.messages.createEntity(toRow(message, messageRowKey(message.sequenceNumber)));
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
  }

  /** Messages of one queue or subscription in one state, in enqueue order. */
  async list(source: string, state: MessageState): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    const filter = odata`PartitionKey eq ${source} and state eq ${state}`;
    for await (const row of this.messages.listEntities<MessageRow>({ queryOptions: { filter } })) out.push(fromRow(row));
    return out.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  }

  async counts(source: string): Promise<EntityCounts> {
    const counts: EntityCounts = { active: 0, scheduled: 0, deadlettered: 0, completed: 0 };
    const now = Date.now();
    for await (const row of this.messages.listEntities<{ state: MessageState; scheduledEnqueueTimeUtc?: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${source}`, select: ['state', 'scheduledEnqueueTimeUtc'] },
    })) {
      if (!(row.state in counts)) continue;
      counts[row.state] += 1;
      if (row.state === 'active' && row.scheduledEnqueueTimeUtc && Date.parse(row.scheduledEnqueueTimeUtc) > now) {
        counts.scheduled += 1;
      }
    }
    return counts;
  }

  /** Replaces a message if nobody changed it since it was read; undefined when someone did (or it is gone). */
  async replace(message: StoredMessage): Promise<StoredMessage | undefined> {
    try {
      const row = toRow(message, messageRowKey(message.sequenceNumber));
      const result = await this.messages.updateEntity(row, 'Replace', { etag: message.etag ?? '*' });
      return { ...message, etag: result.etag };
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Deletes completed messages settled before `completedBefore` and duplicate-detection ids older than `idsBefore`. */
  async prune(completedBefore: Date, idsBefore: Date): Promise<void> {
    const completed = odata`state eq ${'completed'} and settledTimeUtc lt ${completedBefore.toISOString()}`;
    await deleteWhere(this.messages, completed);
    await deleteWhere(this.duplicates, odata`sentAt lt ${idsBefore.toISOString()}`);
  }
}

/** Deletes matching rows in transactions of up to 100 per partition (the service's limit). */
async function deleteWhere(table: TableClient, filter: string): Promise<void> {
  const byPartition = new Map<string, TransactionAction[]>();
  for await (const row of table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
    const partition = String(row.partitionKey);
    const actions = byPartition.get(partition) ?? [];
    actions.push(['delete', { partitionKey: partition, rowKey: String(row.rowKey) }]);
    byPartition.set(partition, actions);
  }
  for (const actions of byPartition.values()) {
    for (let i = 0; i < actions.length; i += 100) await table.submitTransaction(actions.slice(i, i + 100));
  }
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}
