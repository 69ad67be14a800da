import type { RawRequest, RawResponse } from '../core/extension';
import type { SendTarget } from './entities';
import { BusError } from './errors';
import type { OutgoingMessage } from './message';

export const BASE_PATH = '/.devhost/servicebus';

export interface SendResult {
  /** Ids of the messages stored (and so delivered), in the order sent. */
  messageIds: string[];
  /** Ids dropped because the same id was sent to the entity within the duplicate-detection window. */
  duplicates: string[];
}

export type DeadLetterSource = { queue: string } | { topic: string; subscription: string };

/** What the HTTP endpoints call; implemented by ServiceBusExtension. */
export interface BusApi {
  overview(): Promise<unknown>;
  send(target: SendTarget, messages: OutgoingMessage | OutgoingMessage[]): Promise<SendResult>;
  deadLetters(source: DeadLetterSource): Promise<unknown>;
}

type Route =
  | { method: 'GET'; run: () => Promise<RawResponse> }
  | { method: 'POST'; run: () => Promise<RawResponse> };

/**
 * devhost's Service Bus endpoints:
 *   GET  /.devhost/servicebus                                        entities with counts
 *   POST /.devhost/servicebus/queues/{queue}/messages                 send (a message or an array)
 *   POST /.devhost/servicebus/topics/{topic}/messages                 send to every subscription
 *   GET  /.devhost/servicebus/queues/{queue}/deadletter               dead-lettered messages
 *   GET  /.devhost/servicebus/topics/{topic}/subscriptions/{s}/deadletter
 * Undefined for any other path, so other parts of devhost can answer it.
 */
export async function handleBusHttp(req: RawRequest, api: BusApi): Promise<RawResponse | undefined> {
  const path = req.url.pathname;
  if (path !== BASE_PATH && !path.startsWith(`${BASE_PATH}/`)) return undefined;
  try {
    const route = routeOf(segments(path.slice(BASE_PATH.length)), req, api);
    if (!route) throw new BusError(404, 'NotFound', `No devhost Service Bus endpoint at ${path}.`);
    if (route.method !== req.method) {
      return json(405, { error: { code: 'MethodNotAllowed', message: `Use ${route.method} for ${path}.` } }, {
        Allow: route.method,
      });
    }
    return await route.run();
  } catch (error) {
    if (error instanceof BusError) return json(error.status, { error: { code: error.code, message: error.message } });
    throw error;
  }
}

function routeOf(parts: string[], req: RawRequest, api: BusApi): Route | undefined {
  const [kind, name, third, fourth, fifth, ...rest] = parts;
  if (rest.length > 0) return undefined;
  if (kind === undefined) return { method: 'GET', run: async () => json(200, await api.overview()) };
  if (!name) return undefined;
  if ((kind === 'queues' || kind === 'topics') && third === 'messages' && fourth === undefined) {
    const target = kind === 'queues' ? { queue: name } : { topic: name };
    return { method: 'POST', run: async () => json(201, await api.send(target, parseMessages(req.body))) };
  }
  if (kind === 'queues' && third === 'deadletter' && fourth === undefined) {
    return { method: 'GET', run: async () => json(200, await api.deadLetters({ queue: name })) };
  }
  if (kind === 'topics' && third === 'subscriptions' && fourth && fifth === 'deadletter') {
    return {
      method: 'GET',
      run: async () => json(200, await api.deadLetters({ topic: name, subscription: fourth })),
    };
  }
  return undefined;
}

function segments(rest: string): string[] {
  try {
    return rest.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw new BusError(400, 'InvalidPath', 'The path has a malformed %-escape.');
  }
}

function parseMessages(body: Buffer): OutgoingMessage[] {
  const usage = 'The body must be JSON: a message {"body": ...} or an array of them.';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BusError(400, 'InvalidJson', usage);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new BusError(400, 'InvalidMessage', usage);
  // Each message is checked by send(), which names the one at fault.
  return (Array.isArray(parsed) ? parsed : [parsed]) as OutgoingMessage[];
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): RawResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}
