import { odata, TableClient } from '@azure/data-tables';
import { encodeKey, statusOf } from '../durable/store';

export type MessageState = 'active' | 'deadlettered';

/** A message as devhost's bus keeps it (one row per message per queue or subscription). */
export interface StoredMessage {
  entity: string;
  rowKey: string;
  sequenceNumber: number;
  messageId: string;
  body: string;
  bodyType: 'json' | 'string';
  contentType?: string;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, unknown>;
  enqueuedTimeUtc: string;
  scheduledEnqueueTimeUtc?: string;
  deliveryCount: number;
  state: MessageState;
  lockedUntil?: string;
  lockOwner?: string;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  etag?: string;
}

interface Row {
  partitionKey: string;
  rowKey: string;
  data: string;
}

/** Bus messages in Table Storage: partition = queue or subscription, row key orders by sequence. */
export class BusStore {
  private readonly table: TableClient;

  constructor(connectionString: string, tableName: string) {
    this.table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  }

  async ensureTable(): Promise<void> {
    await this.table.createTable();
  }

  async insert(message: StoredMessage): Promise<void> {
    await this.table.createEntity(this.toRow(message));
  }

  /** Records a message id for duplicate detection; false if it was seen within the window. */
  async claimMessageId(entity: string, messageId: string, windowMs: number): Promise<boolean> {
    const row = {
      partitionKey: encodeKey(`dup:${entity}`),
      rowKey: encodeKey(messageId),
      data: new Date().toISOString(),
    };
    try {
      await this.table.createEntity(row);
      return true;
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      const existing = await this.table.getEntity<Row>(row.partitionKey, row.rowKey);
      if (Date.now() - Date.parse(existing.data) < windowMs) return false;
      await this.table.updateEntity(row, 'Replace', { etag: existing.etag });
      return true;
    }
  }

  async list(entity: string, state?: MessageState): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    for await (const row of this.table.listEntities<Row>({
      queryOptions: { filter: odata`PartitionKey eq ${encodeKey(entity)}` },
    })) {
      const message = { ...(JSON.parse(row.data) as StoredMessage), etag: row.etag };
      if (!state || message.state === state) out.push(message);
    }
    return out.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  }

  /** Conditional update; false when someone else changed the message first. */
  async update(message: StoredMessage): Promise<StoredMessage | undefined> {
    try {
      const result = await this.table.updateEntity(this.toRow(message), 'Replace', { etag: message.etag ?? '*' });
      return { ...message, etag: result.etag };
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async remove(message: StoredMessage): Promise<void> {
    try {
      await this.table.deleteEntity(encodeKey(message.entity), message.rowKey, { etag: message.etag ?? '*' });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  private toRow(message: StoredMessage): Row {
    const { etag: _etag, ...data } = message;
    return { partitionKey: encodeKey(message.entity), rowKey: message.rowKey, data: JSON.stringify(data) };
  }
}
