import { BusError } from './errors';
import { queueKey, subscriptionKey, topicKey } from './keys';

export interface QueueEntity {
  kind: 'queue';
  name: string;
  key: string;
  path: string;
}
export interface TopicEntity {
  kind: 'topic';
  name: string;
  key: string;
  path: string;
}
export interface SubscriptionEntity {
  kind: 'subscription';
  topic: string;
  name: string;
  key: string;
  /** Service Bus's own path form, e.g. events/Subscriptions/mail. */
  path: string;
}
export type Entity = QueueEntity | TopicEntity | SubscriptionEntity;
/** Where messages are kept and delivered from. */
export type MessageSource = QueueEntity | SubscriptionEntity;

/** How a sender names its target: a bare name is resolved like a Service Bus sender does. */
export type SendTarget = string | { queue: string } | { topic: string };

// Service Bus naming rules (letters, digits, . - _ and, for queues and topics, /).
const ENTITY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,258}[A-Za-z0-9])?$/;
const SUBSCRIPTION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$/;

function checkName(name: string, pattern: RegExp, what: string): void {
  if (!pattern.test(name)) {
    throw new BusError(400, 'InvalidEntityName', `'${name}' is not a valid Service Bus ${what} name.`);
  }
}

export function queueEntity(name: string): QueueEntity {
  checkName(name, ENTITY_NAME, 'queue');
  return { kind: 'queue', name, key: queueKey(name), path: name };
}

export function topicEntity(name: string): TopicEntity {
  checkName(name, ENTITY_NAME, 'topic');
  return { kind: 'topic', name, key: topicKey(name), path: name };
}

export function subscriptionEntity(topic: string, name: string): SubscriptionEntity {
  checkName(topic, ENTITY_NAME, 'topic');
  checkName(name, SUBSCRIPTION_NAME, 'subscription');
  return { kind: 'subscription', topic, name, key: subscriptionKey(topic, name), path: `${topic}/Subscriptions/${name}` };
}

/**
 * The namespace: which queues, topics and subscriptions exist. Queues and topics share one
 * name space (as in Service Bus), so a name that is a topic cannot also be used as a queue.
 */
export class Topology {
  private readonly byKey = new Map<string, Entity>();
  /** Queues and topics by lower-cased name. */
  private readonly byName = new Map<string, QueueEntity | TopicEntity>();
  private readonly subscriptionsOf = new Map<string, SubscriptionEntity[]>();

  /** Adds the entity (and a subscription's topic) if new; returns what was newly added. */
  add(entity: Entity): Entity[] {
    if (this.byKey.has(entity.key)) return [];
    const added: Entity[] = [];
    if (entity.kind === 'subscription') {
      added.push(...this.add(topicEntity(entity.topic)));
      const topic = topicKey(entity.topic);
      this.subscriptionsOf.set(topic, [...(this.subscriptionsOf.get(topic) ?? []), entity]);
    } else {
      const other = this.byName.get(entity.name.toLowerCase());
      if (other) {
        throw new BusError(409, 'EntityConflict', `'${entity.name}' is a ${other.kind}, not a ${entity.kind}.`);
      }
      this.byName.set(entity.name.toLowerCase(), entity);
    }
    this.byKey.set(entity.key, entity);
    added.push(entity);
    return added;
  }

  /** The queue or topic a send goes to; a bare unknown name is a new queue, as with a Service Bus sender. */
  target(target: SendTarget): QueueEntity | TopicEntity {
    if (typeof target === 'string') return this.byName.get(target.toLowerCase()) ?? queueEntity(target);
    return 'queue' in target ? queueEntity(target.queue) : topicEntity(target.topic);
  }

  /** Where a message sent to `target` is kept: the queue itself, or a copy in every subscription. */
  destinations(target: QueueEntity | TopicEntity): MessageSource[] {
    return target.kind === 'queue' ? [target] : [...(this.subscriptionsOf.get(target.key) ?? [])];
  }

  find(key: string): Entity | undefined {
    return this.byKey.get(key);
  }

  all(): Entity[] {
    return [...this.byKey.values()];
  }
}
