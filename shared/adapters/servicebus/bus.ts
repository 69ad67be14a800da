import { type ServiceBusMessage, ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import type { BusConnection } from '../../connections';
import { type DomainEvent, EARLY_END_EVENTS, SESSIONS_REVOKED } from '../../domain/events';
import type { DependencyHealth } from '../../ports/dependencyHealth';
import type { EventPublisher, MessageSender, QueuedMessage } from '../../ports/events';
import { credentialFor } from '../identity/credential';

/** The app's way onto Service Bus: events to the topic, messages to its own queues. */
export interface Bus {
  publisher: EventPublisher;
  sender: MessageSender;
  /** Whether the app can publish to its topic (for /healthz). */
  health: DependencyHealth;
}

/**
 * One Service Bus message per event: the event id doubles as message id for duplicate detection.
 * Its properties are what the subscriptions' rules filter on (SESSIONS_SUBSCRIPTION_FILTER).
 */
export function eventMessage(event: DomainEvent): ServiceBusMessage {
  const target = event.subject.target;
  return {
    body: event,
    messageId: event.id,
    subject: event.type,
    contentType: 'application/json',
    applicationProperties: {
      eventType: event.type,
      schemaVersion: event.schemaVersion,
      targetKind: target.kind,
      ...('roleDefinitionId' in target ? { roleDefinitionId: target.roleDefinitionId } : {}),
      // Only when true: the sessions rule lets through the early ends without it.
      ...(event.data[SESSIONS_REVOKED] === true ? { [SESSIONS_REVOKED]: true } : {}),
    },
  };
}

/**
 * The `sessions` subscription's SQL rule, on the properties above: early ends of directory roles
 * and groups that the removal did not revoke the sessions of itself (functions/bus/sessions.ts).
 * infra/modules/serviceBus.bicep declares the same rule (test/infra checks they agree); devhost's
 * bus applies it (devhost/main.ts, test/e2e/appHost.ts).
 */
export const SESSIONS_SUBSCRIPTION_FILTER = `eventType IN (${EARLY_END_EVENTS.map((t) => `'${t}'`).join(', ')}) AND targetKind <> 'azureRole' AND NOT EXISTS(${SESSIONS_REVOKED})`;

/** The events topic's subscriptions that take only some events, with their SQL rules (the others take every event), for devhost's bus. */
export function eventSubscriptionFilters(topic: string): Array<{ topic: string; subscription: string; sql: string }> {
  return [{ topic, subscription: 'sessions', sql: SESSIONS_SUBSCRIPTION_FILTER }];
}

function queuedMessage(m: QueuedMessage): ServiceBusMessage {
  return { body: m.body, messageId: m.messageId, contentType: 'application/json', scheduledEnqueueTimeUtc: m.scheduledEnqueueTime };
}

/**
 * The bus for a connection: Service Bus by connection string, Service Bus by namespace and
 * managed identity (as the host's triggers read PIM_SERVICEBUS_CONNECTION__*), or the http(s)
 * URL of devhost's bus (`…/.devhost/servicebus`).
 */
export function createBus(connection: BusConnection, topic: string): Bus {
  switch (connection.kind) {
    case 'devhost':
      return devhostBus(connection.url, topic);
    case 'connectionString':
      return serviceBus(new ServiceBusClient(connection.connectionString), topic, namespaceOf(connection.connectionString));
    case 'identity':
      return serviceBus(new ServiceBusClient(connection.fullyQualifiedNamespace, credentialFor(connection.identity)), topic, connection.fullyQualifiedNamespace);
    default: {
      const unknown: never = connection;
      throw new Error(`Unknown Service Bus connection ${JSON.stringify(unknown)}`);
    }
  }
}

/** The namespace host of a connection string (its Endpoint), never its key. */
function namespaceOf(connectionString: string): string {
  const endpoint = /Endpoint=sb:\/\/([^/;]+)/i.exec(connectionString)?.[1];
  return endpoint ?? 'unknown namespace';
}

function serviceBus(client: ServiceBusClient, topic: string, namespace: string): Bus {
  const senders = new Map<string, ServiceBusSender>();
  const senderFor = (entity: string) => {
    let sender = senders.get(entity);
    if (!sender) {
      sender = client.createSender(entity);
      senders.set(entity, sender);
    }
    return sender;
  };
  return {
    publisher: {
      async publish(events) {
        if (events.length > 0) await senderFor(topic).sendMessages(events.map(eventMessage));
      },
    },
    sender: {
      async send(queue, messages) {
        if (messages.length > 0) await senderFor(queue).sendMessages(messages.map(queuedMessage));
      },
    },
    health: {
      backend: 'Azure Service Bus',
      endpoint: `sb://${namespace}/${topic}`,
      emulator: false,
      async probe(signal) {
        const started = performance.now();
        // Opens (or reuses) the app's own sender link to its topic and sends nothing: proves the
        // namespace answers, the identity may send, and the topic exists.
        await senderFor(topic).createMessageBatch({ abortSignal: signal });
        return Math.round(performance.now() - started);
      },
    },
  };
}

function devhostBus(baseUrl: string, topic: string): Bus {
  const post = async (path: string, messages: ServiceBusMessage[]) => {
    const body = messages.map((m) => ({ ...m, scheduledEnqueueTimeUtc: m.scheduledEnqueueTimeUtc?.toISOString() }));
    const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`devhost Service Bus answered ${res.status} to ${path}: ${await res.text()}`);
  };
  return {
    publisher: {
      async publish(events) {
        if (events.length > 0) await post(`/topics/${encodeURIComponent(topic)}/messages`, events.map(eventMessage));
      },
    },
    sender: {
      async send(queue, messages) {
        if (messages.length > 0) await post(`/queues/${encodeURIComponent(queue)}/messages`, messages.map(queuedMessage));
      },
    },
    health: {
      backend: "devhost's Service Bus",
      endpoint: baseUrl,
      emulator: true,
      async probe(signal) {
        const started = performance.now();
        const res = await fetch(baseUrl, { signal, headers: { accept: 'application/json' } });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`devhost Service Bus answered ${res.status}`);
        return Math.round(performance.now() - started);
      },
    },
  };
}
