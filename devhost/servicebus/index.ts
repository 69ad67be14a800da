import { randomUUID } from 'node:crypto';
import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';
import type { DeliveryDeps } from './delivery';
import {
  type Entity,
  type MessageSource,
  type QueueEntity,
  queueEntity,
  type SendTarget,
  subscriptionEntity,
  type TopicEntity,
  Topology,
} from './entities';
import { BusError } from './errors';
import { type BusApi, type DeadLetterSource, handleBusHttp, type SendResult } from './http';
import { nextSequenceNumber, type OutgoingMessage, type ValidMessage, validateMessage } from './message';
import { type BusSettings, resolveOptions, type ServiceBusOptions } from './options';
import { SourcePump } from './pump';
import { type MessageFilter, sqlFilter } from './sqlFilter';
import { bodyValue, type StoredMessage } from './rows';
import { BusStore } from './store';
import { type Consumer, serviceBusTriggers } from './triggers';

export type { SendTarget } from './entities';
export type { DeadLetterSource, SendResult } from './http';
export type { OutgoingMessage } from './message';
export type { ServiceBusOptions, SubscriptionFilter } from './options';

/**
 * devhost's Service Bus: queues, and topics with subscriptions, kept in Azure Table Storage and
 * delivered at least once to the app's Service Bus triggers. A failing message is redelivered
 * until maxDeliveryCount, then dead-lettered and kept. Entities come from the registered
 * triggers and from sends; everything survives a restart, even kill -9.
 */
export class ServiceBusExtension implements HostExtension, BusApi {
  readonly name = 'servicebus';
  private readonly settings: BusSettings;
  /** The rules of the subscriptions that take only some messages, by subscription key. */
  private readonly filters = new Map<string, { sql: string; takes: MessageFilter }>();
  /** Identifies this instance's locks: locks of another (gone) instance are void. */
  private readonly runId = randomUUID();
  private readonly topology = new Topology();
  private readonly pumps = new Map<string, SourcePump>();
  /** Sends to one queue or topic run one after another, so the duplicate check cannot race. */
  private readonly sending = new Map<string, Promise<unknown>>();
  private host?: HostContext;
  private store?: BusStore;

  constructor(options: ServiceBusOptions = {}) {
    this.settings = resolveOptions(options);
    for (const { topic, subscription, sql } of options.filters ?? []) {
      this.filters.set(subscriptionEntity(topic, subscription).key, { sql, takes: sqlFilter(sql) });
    }
  }

  async start(host: HostContext): Promise<void> {
    this.host = host;
    const store = await BusStore.open(host.storageConnectionString, host.tablePrefix);
    this.store = store;
    for (const entity of await store.loadEntities()) this.topology.add(entity);
    const consumers = new Map<string, { source: MessageSource; consumers: Consumer[] }>();
    for (const { source, consumer } of serviceBusTriggers(host.logger)) {
      try {
        await this.ensure(source);
      } catch (error) {
        host.logger.error(`Service Bus trigger '${consumer.fn.metadata.name}' is not listening: ${String(error)}`);
        continue;
      }
      const entry = consumers.get(source.key) ?? { source, consumers: [] };
      entry.consumers.push(consumer);
      consumers.set(source.key, entry);
    }
    const now = Date.now();
    await store.prune(
      new Date(now - this.settings.completedRetentionMs),
      new Date(now - this.settings.duplicateDetectionWindowMs),
    );
    const deps: DeliveryDeps = { store, host, settings: this.settings, runId: this.runId };
    for (const { source, consumers: list } of consumers.values()) {
      this.pumps.set(source.key, new SourcePump(source, list, deps));
    }
    // Whatever is still active from before (including messages a crashed run had locked) goes out now.
    for (const pump of this.pumps.values()) pump.kick();
  }

  async stop(): Promise<void> {
    for (const pump of this.pumps.values()) pump.stop();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), this.settings.stopTimeoutMs);
    });
    const idle = Promise.all([...this.pumps.values()].map((p) => p.idle())).then(() => false);
    const late = await Promise.race([idle, timedOut]);
    clearTimeout(timer);
    if (late) {
      this.host?.logger.warn(
        `Service Bus: invocations still running after ${this.settings.stopTimeoutMs} ms; their messages are delivered again at the next start.`,
      );
    }
  }

  describe(): Record<string, string> {
    return { serviceBus: 'devhost in-process bus (Azure Table Storage)' };
  }

  handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    return handleBusHttp(req, this);
  }

  /**
   * Sends to a queue or a topic (a copy per subscription). A bare name resolves like a Service
   * Bus sender: a known topic, otherwise a queue (made if new). Resolves once every message is
   * stored. Throws BusError (status 400/409/413) for a message or target that cannot be sent.
   */
  async send(target: SendTarget, messages: OutgoingMessage | OutgoingMessage[]): Promise<SendResult> {
    this.requireStore();
    const list = Array.isArray(messages) ? messages : [messages];
    if (list.length === 0) throw new BusError(400, 'InvalidMessage', 'There is no message to send.');
    const valid = list.map((m, i) => validateMessage(m, list.length > 1 ? `Message ${i}` : 'Message'));
    const entity = this.topology.target(target);
    await this.ensure(entity);
    return this.oneAtATime(entity.key, () => this.enqueue(entity, valid));
  }

  /** Dead-lettered messages of a queue or subscription, oldest first. */
  async deadLetters(source: DeadLetterSource) {
    const wanted = 'queue' in source ? queueEntity(source.queue) : subscriptionEntity(source.topic, source.subscription);
    const entity = this.topology.find(wanted.key);
    if (!entity) throw new BusError(404, 'EntityNotFound', `There is no ${wanted.kind} '${wanted.path}'.`);
    const messages = await this.requireStore().list(entity.key, 'deadlettered');
    return { path: entity.path, messages: messages.map(deadLetterView) };
  }

  /** Every entity; queues and subscriptions with their message counts and listening functions. */
  async overview() {
    const store = this.requireStore();
    const entities = await Promise.all(
      this.topology.all().map(async (entity) => {
        if (entity.kind === 'topic') {
          const subscriptions = this.topology.destinations(entity).map((s) => s.name);
          return { kind: entity.kind, name: entity.name, path: entity.path, subscriptions };
        }
        const functions = this.pumps.get(entity.key)?.consumerNames() ?? [];
        const filter = this.filters.get(entity.key)?.sql;
        return { ...describeEntity(entity), ...(filter ? { filter } : {}), functions, ...(await store.counts(entity.key)) };
      }),
    );
    return { entities };
  }

  private async enqueue(entity: QueueEntity | TopicEntity, messages: ValidMessage[]): Promise<SendResult> {
    const store = this.requireStore();
    const destinations = this.topology.destinations(entity);
    if (destinations.length === 0) {
      this.host?.logger.warn(`Service Bus: topic '${entity.name}' has no subscriptions; the message goes nowhere.`);
    }
    const result: SendResult = { messageIds: [], duplicates: [] };
    for (const m of messages) {
      const messageId = m.messageId ?? randomUUID();
      if (m.messageId && (await store.seenWithin(entity.key, messageId, this.settings.duplicateDetectionWindowMs))) {
        result.duplicates.push(messageId);
        continue;
      }
      const sequenceNumber = nextSequenceNumber();
      // As in Service Bus, a subscription keeps a copy only when its rule takes the message.
      const takers = destinations.filter((d) => this.filters.get(d.key)?.takes(m) ?? true);
      await Promise.all(takers.map((d) => store.insert(newMessage(d, m, messageId, sequenceNumber))));
      // Why: the id is recorded only after the message is stored. A crash in between may let a
      // resend through as a duplicate (at-least-once) but can never drop the message.
      if (m.messageId) await store.recordSent(entity.key, messageId);
      result.messageIds.push(messageId);
    }
    for (const d of destinations) this.pumps.get(d.key)?.kick();
    return result;
  }

  /** Adds an entity to the namespace (persisted, so it outlives this run). */
  private async ensure(entity: Entity): Promise<void> {
    for (const added of this.topology.add(entity)) await this.requireStore().saveEntity(added);
  }

  private async oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (this.sending.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.sending.set(key, run);
    try {
      return await run;
    } finally {
      if (this.sending.get(key) === run) this.sending.delete(key);
    }
  }

  private requireStore(): BusStore {
    if (!this.store) throw new Error('The Service Bus extension is not started.');
    return this.store;
  }
}

function newMessage(source: MessageSource, m: ValidMessage, messageId: string, sequenceNumber: number): StoredMessage {
  const scheduled = m.scheduledEnqueueTimeUtc ? Date.parse(m.scheduledEnqueueTimeUtc) : 0;
  return {
    source: source.key,
    sequenceNumber,
    messageId,
    bodyText: m.bodyText,
    bodyIsString: m.bodyIsString,
    contentType: m.contentType,
    subject: m.subject,
    correlationId: m.correlationId,
    applicationProperties: m.applicationProperties,
    // As in Service Bus, a scheduled message counts as enqueued when it becomes active.
    enqueuedTimeUtc: new Date(Math.max(Date.now(), scheduled)).toISOString(),
    scheduledEnqueueTimeUtc: m.scheduledEnqueueTimeUtc,
    state: 'active',
    deliveryCount: 0,
  };
}

function describeEntity(entity: MessageSource) {
  return entity.kind === 'queue'
    ? { kind: entity.kind, name: entity.name, path: entity.path }
    : { kind: entity.kind, topic: entity.topic, name: entity.name, path: entity.path };
}

function deadLetterView(m: StoredMessage) {
  return {
    messageId: m.messageId,
    sequenceNumber: m.sequenceNumber,
    body: bodyValue(m),
    contentType: m.contentType,
    subject: m.subject,
    correlationId: m.correlationId,
    applicationProperties: m.applicationProperties,
    enqueuedTimeUtc: m.enqueuedTimeUtc,
    deliveryCount: m.deliveryCount,
    deadLetterReason: m.deadLetterReason,
    deadLetterErrorDescription: m.deadLetterErrorDescription,
    deadLetteredTimeUtc: m.settledTimeUtc,
  };
}
