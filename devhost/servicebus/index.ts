import { randomUUID } from 'node:crypto';
import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';
import { functionsWithTrigger, type RegisteredFunction, type RpcTypedData, triggerOf } from '../core/registry';
import { BusStore, type StoredMessage } from './store';

export interface ServiceBusOptions {
  /** Deliveries before a message is dead-lettered (Service Bus default: 10). */
  maxDeliveryCount?: number;
  /** Delay before redelivering a failed message, times its delivery count. */
  retryBackoffMs?: number;
  duplicateDetectionWindowMs?: number;
  /** Messages of one queue or subscription handled at once. */
  concurrency?: number;
}

export interface OutgoingMessage {
  body: unknown;
  messageId?: string;
  contentType?: string;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, unknown>;
  scheduledEnqueueTimeUtc?: string;
}

interface Consumer {
  fn: RegisteredFunction;
  triggerName: string;
  many: boolean;
}

const LOCK_MS = 5 * 60_000;
const MAX_ROW_CHARS = 30_000;

/** Entity keys: a queue is its name; a topic subscription is "topic/subscriptions/name". */
const subscriptionKey = (topic: string, subscription: string) => `${topic}/subscriptions/${subscription}`;

/**
 * devhost's Service Bus: queues and topics with subscriptions, persisted in Table Storage,
 * delivering to the app's Service Bus triggers at least once, redelivering failures up to
 * maxDeliveryCount and then dead-lettering them, where they stay visible.
 */
export class ServiceBusExtension implements HostExtension {
  readonly name = 'servicebus';
  private store?: BusStore;
  private host?: HostContext;
  private readonly consumers = new Map<string, Consumer>();
  private readonly topics = new Map<string, Set<string>>();
  private readonly queues = new Set<string>();
  private readonly pumping = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly wakeups = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly runId = randomUUID();
  private stopped = false;
  private readonly maxDeliveryCount: number;
  private readonly backoffMs: number;
  private readonly duplicateWindowMs: number;
  private readonly concurrency: number;

  constructor(options: ServiceBusOptions = {}) {
    this.maxDeliveryCount = options.maxDeliveryCount ?? 10;
    this.backoffMs = options.retryBackoffMs ?? 100;
    this.duplicateWindowMs = options.duplicateDetectionWindowMs ?? 10 * 60_000;
    this.concurrency = options.concurrency ?? 4;
  }

  async start(host: HostContext): Promise<void> {
    this.host = host;
    for (const fn of functionsWithTrigger('serviceBusTrigger')) {
      const [triggerName, binding] = triggerOf(fn);
      const many = binding.cardinality === 'many';
      if (binding.queueName) {
        this.queues.add(String(binding.queueName));
        this.consumers.set(String(binding.queueName), { fn, triggerName, many });
      } else if (binding.topicName && binding.subscriptionName) {
        const topic = String(binding.topicName);
        const subs = this.topics.get(topic) ?? new Set<string>();
        subs.add(String(binding.subscriptionName));
        this.topics.set(topic, subs);
        this.consumers.set(subscriptionKey(topic, String(binding.subscriptionName)), { fn, triggerName, many });
      }
    }
    this.store = new BusStore(host.storageConnectionString, `${host.tablePrefix}SbMessages`);
    await this.store.ensureTable();
    // Deliver what was left from before (messages locked by a process that died included).
    for (const entity of this.consumers.keys()) this.pump(entity);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const handle of this.wakeups.values()) clearTimeout(handle);
    this.wakeups.clear();
    const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
    await Promise.race([Promise.allSettled([...this.pumping.values(), ...this.inFlight]), deadline]);
  }

  describe(): Record<string, string> {
    return { serviceBus: 'devhost in-process bus (Azure Table Storage)' };
  }

  /** Sends to a queue or topic; returns the stored message ids (duplicates within the window are dropped). */
  async send(kind: 'queue' | 'topic', name: string, messages: OutgoingMessage[]): Promise<string[]> {
    const store = this.requireStore();
    const ids: string[] = [];
    for (const message of messages) {
      const messageId = message.messageId ?? randomUUID();
      if (!(await store.claimMessageId(`${kind}:${name}`, messageId, this.duplicateWindowMs))) continue;
      const targets =
        kind === 'queue' ? [name] : [...(this.topics.get(name) ?? [])].map((sub) => subscriptionKey(name, sub));
      for (const entity of targets) await store.insert(this.toStored(entity, messageId, message));
      for (const entity of targets) this.pump(entity);
      ids.push(messageId);
    }
    return ids;
  }

  async handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    const path = req.url.pathname;
    if (!path.startsWith('/.devhost/servicebus')) return undefined;
    const parts = path.split('/').slice(3).map(decodeURIComponent);
    if (parts.length === 0 && req.method === 'GET') return json(200, await this.overview());
    const [kind, name, third, fourth, fifth] = parts;
    if ((kind === 'queues' || kind === 'topics') && name && third === 'messages' && req.method === 'POST') {
      return this.sendFromHttp(kind === 'queues' ? 'queue' : 'topic', name, req.body);
    }
    if (req.method === 'GET' && kind === 'queues' && name && third === 'deadletter') {
      return json(200, await this.deadLetters(name));
    }
    if (
      req.method === 'GET' &&
      kind === 'topics' &&
      name &&
      third === 'subscriptions' &&
      fourth &&
      fifth === 'deadletter'
    ) {
      return json(200, await this.deadLetters(subscriptionKey(name, fourth)));
    }
    return json(404, {
      error: { code: 'NotFound', message: `No devhost Service Bus endpoint at ${req.method} ${path}` },
    });
  }

  async deadLetters(entity: string) {
    const messages = await this.requireStore().list(entity, 'deadlettered');
    return messages.map((m) => ({
      messageId: m.messageId,
      body: decodeBody(m),
      deliveryCount: m.deliveryCount,
      deadLetterReason: m.deadLetterReason,
      deadLetterErrorDescription: m.deadLetterErrorDescription,
      enqueuedTimeUtc: m.enqueuedTimeUtc,
    }));
  }

  private async overview() {
    const store = this.requireStore();
    const entities = new Set<string>([...this.queues, ...this.consumers.keys()]);
    const out = [];
    for (const entity of entities) {
      const all = await store.list(entity);
      out.push({
        entity,
        consumer: this.consumers.get(entity)?.fn.metadata.name ?? null,
        active: all.filter((m) => m.state === 'active').length,
        deadlettered: all.filter((m) => m.state === 'deadlettered').length,
      });
    }
    return { entities: out };
  }

  private async sendFromHttp(kind: 'queue' | 'topic', name: string, body: Buffer): Promise<RawResponse> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return json(400, {
        error: { code: 'BadRequest', message: 'The body must be JSON: a message {"body": ...} or an array of them.' },
      });
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const bad = list.findIndex((m) => typeof m !== 'object' || m === null || !('body' in m));
    if (bad >= 0) {
      return json(400, { error: { code: 'BadRequest', message: `Message ${bad} has no "body" property.` } });
    }
    const tooBig = list.findIndex((m) => JSON.stringify(m).length > MAX_ROW_CHARS);
    if (tooBig >= 0) {
      return json(413, {
        error: { code: 'MessageTooLarge', message: `Message ${tooBig} is larger than ${MAX_ROW_CHARS} characters.` },
      });
    }
    const ids = await this.send(kind, name, list as OutgoingMessage[]);
    return json(201, { messageIds: ids });
  }

  private toStored(entity: string, messageId: string, message: OutgoingMessage): StoredMessage {
    const isString = typeof message.body === 'string';
    const sequenceNumber = nextSequence();
    return {
      entity,
      rowKey: `m-${String(sequenceNumber).padStart(20, '0')}`,
      sequenceNumber,
      messageId,
      body: isString ? (message.body as string) : JSON.stringify(message.body ?? null),
      bodyType: isString ? 'string' : 'json',
      contentType: message.contentType ?? (isString ? 'text/plain' : 'application/json'),
      subject: message.subject,
      correlationId: message.correlationId,
      applicationProperties: message.applicationProperties,
      enqueuedTimeUtc: new Date().toISOString(),
      scheduledEnqueueTimeUtc: message.scheduledEnqueueTimeUtc,
      deliveryCount: 0,
      state: 'active',
    };
  }

  /** Delivers what is due on one queue or subscription; one pump per entity at a time. */
  private pump(entity: string): void {
    if (this.stopped || !this.consumers.has(entity)) return;
    if (this.pumping.has(entity)) {
      this.again.add(entity);
      return;
    }
    const run = this.deliverDue(entity)
      .catch((error) => this.host?.logger.error(`Service Bus delivery on ${entity} failed: ${String(error)}`))
      .finally(() => {
        this.pumping.delete(entity);
        if (this.again.delete(entity)) this.pump(entity);
      });
    this.pumping.set(entity, run);
  }

  private async deliverDue(entity: string): Promise<void> {
    const store = this.requireStore();
    const now = Date.now();
    const active = await store.list(entity, 'active');
    const due = active.filter((m) => this.deliverable(m, now));
    for (let i = 0; i < due.length && !this.stopped; i += this.concurrency) {
      await Promise.all(due.slice(i, i + this.concurrency).map((m) => this.deliver(m)));
    }
    const later = active
      .filter((m) => !this.deliverable(m, now))
      .map((m) =>
        Math.max(
          Date.parse(m.scheduledEnqueueTimeUtc ?? '0'),
          m.lockOwner === this.runId ? Date.parse(m.lockedUntil ?? '0') : 0,
        ),
      )
      .sort((a, b) => a - b)[0];
    if (later !== undefined) this.wakeAt(entity, later);
  }

  private deliverable(m: StoredMessage, now: number): boolean {
    if (m.scheduledEnqueueTimeUtc && Date.parse(m.scheduledEnqueueTimeUtc) > now) return false;
    // A lock held by a process that is gone (devhost restarted) no longer counts.
    return !(m.lockOwner === this.runId && m.lockedUntil && Date.parse(m.lockedUntil) > now);
  }

  private wakeAt(entity: string, at: number): void {
    const existing = this.wakeups.get(entity);
    if (existing) clearTimeout(existing);
    const handle = setTimeout(
      () => {
        this.wakeups.delete(entity);
        this.pump(entity);
      },
      Math.max(0, at - Date.now()),
    );
    this.wakeups.set(entity, handle);
  }

  private async deliver(message: StoredMessage): Promise<void> {
    const store = this.requireStore();
    const host = this.host;
    const consumer = this.consumers.get(message.entity);
    if (!host || !consumer) return;
    const locked = await store.update({
      ...message,
      deliveryCount: message.deliveryCount + 1,
      lockOwner: this.runId,
      lockedUntil: new Date(Date.now() + LOCK_MS).toISOString(),
    });
    if (!locked) return;
    const invocation = host.invoke(
      consumer.fn,
      {
        inputData: [{ name: consumer.triggerName, data: this.bodyData(locked, consumer.many) }],
        triggerMetadata: triggerMetadata(locked),
        retryContext: { retryCount: locked.deliveryCount - 1, maxRetryCount: this.maxDeliveryCount - 1 },
      },
      host.logger,
    );
    this.inFlight.add(invocation);
    const result = await invocation.finally(() => this.inFlight.delete(invocation));
    if (result.ok) {
      await store.remove(locked);
      return;
    }
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    if (locked.deliveryCount >= this.maxDeliveryCount) {
      await store.update({
        ...locked,
        state: 'deadlettered',
        lockOwner: undefined,
        lockedUntil: undefined,
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: reason,
      });
      host.logger.warn(
        `Service Bus: message ${locked.messageId} on ${locked.entity} dead-lettered after ${locked.deliveryCount} deliveries.`,
      );
      return;
    }
    // Abandon: the message is delivered again after a back-off that grows with its count.
    const retryAt = Date.now() + this.backoffMs * locked.deliveryCount;
    await store.update({ ...locked, lockedUntil: new Date(retryAt).toISOString() });
    this.wakeAt(locked.entity, retryAt);
  }

  private bodyData(message: StoredMessage, many: boolean): RpcTypedData {
    if (many) return { json: JSON.stringify([decodeBody(message)]) };
    return message.bodyType === 'json' ? { json: message.body } : { string: message.body };
  }

  private requireStore(): BusStore {
    if (!this.store) throw new Error('The Service Bus extension is not started.');
    return this.store;
  }
}

let lastSequence = 0;
/** Increasing across restarts (time-based), unique within this process. */
function nextSequence(): number {
  lastSequence = Math.max(lastSequence + 1, Date.now() * 1000);
  return lastSequence;
}

function decodeBody(m: StoredMessage): unknown {
  return m.bodyType === 'json' ? JSON.parse(m.body) : m.body;
}

/** The trigger metadata the host passes with a Service Bus message. */
function triggerMetadata(m: StoredMessage): Record<string, RpcTypedData> {
  const props = JSON.stringify(m.applicationProperties ?? {});
  const meta: Record<string, RpcTypedData> = {
    MessageId: { string: m.messageId },
    DeliveryCount: { int: m.deliveryCount },
    EnqueuedTimeUtc: { string: m.enqueuedTimeUtc },
    SequenceNumber: { int: m.sequenceNumber },
    ApplicationProperties: { json: props },
    UserProperties: { json: props },
  };
  if (m.contentType) meta.ContentType = { string: m.contentType };
  if (m.correlationId) meta.CorrelationId = { string: m.correlationId };
  if (m.subject) {
    meta.Subject = { string: m.subject };
    meta.Label = { string: m.subject };
  }
  return meta;
}

function json(status: number, body: unknown): RawResponse {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}
