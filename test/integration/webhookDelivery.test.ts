import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { hmacSigner } from '../../shared/adapters/crypto/hmacSigner';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { tableWebhookDeadLetterStore } from '../../shared/adapters/tables/webhookDeadLetters';
import { backoffMs, deliverWebhook, WEBHOOK_RETRY_QUEUE, type WebhookDelivery, type WebhookDeps } from '../../shared/app/webhooks/deliver';
import { verifyWebhookSignature } from '../../shared/app/webhooks/render';
import { type DomainEvent, newEvent } from '../../shared/domain/events';
import type { WebhookTarget } from '../../shared/domain/webhooks';
import type { MessageSender, QueuedMessage } from '../../shared/ports/events';
import { testStorage, uniquePrefix } from '../devhost/helpers';

const KEY = Buffer.alloc(32, 5);

/** Records what would have gone to the bus (the real bus is wired and tested elsewhere). */
class RecordingSender implements MessageSender {
  readonly sent: Array<{ queue: string; message: QueuedMessage }> = [];
  async send(queue: string, messages: QueuedMessage[]) {
    for (const message of messages) this.sent.push({ queue, message });
  }
}

/** A clock the test moves, as the bus would by delivering a scheduled message at its time. */
class TestClock {
  constructor(public current: Date) {}
  now() {
    return this.current;
  }
}

type Answer = number | 'hang' | { status: number; location: string };
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that answers from a script (the last answer repeats). */
class Receiver {
  readonly received: Received[] = [];
  private readonly server: Server;
  constructor(private readonly answers: Answer[]) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        this.answer(res, this.answers[Math.min(this.received.length, this.answers.length) - 1] ?? 200);
      });
    });
  }

  private answer(res: ServerResponse, answer: Answer) {
    if (answer === 'hang') return;
    if (typeof answer === 'number') res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 300 ? 'receiver is unhappy' : 'ok');
    else res.writeHead(answer.status, { location: answer.location }).end();
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

async function receiver(...answers: Answer[]): Promise<{ receiver: Receiver; url: string }> {
  const r = new Receiver(answers);
  receivers.push(r);
  return { receiver: r, url: await r.start() };
}

function anEvent(): DomainEvent {
  return newEvent('approval.needed', {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    actor: { id: 'alice', displayName: 'Alice Example' },
    subject: { principalId: 'alice', target: { kind: 'directoryRole', roleDefinitionId: 'r-ga', directoryScopeId: '/' }, targetDisplayName: 'Global Administrator' },
    request: null,
    data: { stage: 0 },
  });
}

function setup(url: string, overrides: Partial<WebhookDeps> & { format?: WebhookTarget['format'] } = {}) {
  const { format = 'json', ...depsOverrides } = overrides;
  const sender = new RecordingSender();
  const clock = new TestClock(new Date());
  const deadLetters = tableWebhookDeadLetterStore(new TableAccess(testStorage(), uniquePrefix('Webhooks')));
  const deps: WebhookDeps = { sender, deadLetters, clock, signer: hmacSigner([{ kid: 'k1', key: KEY }]), maxAttempts: 5, timeoutMs: 2_000, ...depsOverrides };
  const target: WebhookTarget = { id: 'siem', url, format, events: null, signingKeyName: format === 'json' ? 'k1' : null };
  return { sender, clock, deadLetters, deps, delivery: { event: anEvent(), target, attempt: 1 } satisfies WebhookDelivery };
}

/**
 * Runs a delivery as the queue would: each scheduled retry is taken off the sender (as JSON, like
 * a real message body), the clock moved to its time, and delivered again, until it settles.
 */
async function runToEnd(s: ReturnType<typeof setup>) {
  const outcomes: string[] = [];
  let delivery: WebhookDelivery = s.delivery;
  for (;;) {
    const outcome = await deliverWebhook(s.deps, delivery);
    outcomes.push(outcome);
    if (outcome !== 'retryScheduled') return outcomes;
    const last = s.sender.sent.at(-1)?.message;
    if (!last?.scheduledEnqueueTime) throw new Error('no retry was scheduled');
    s.clock.current = last.scheduledEnqueueTime;
    delivery = JSON.parse(JSON.stringify(last.body)) as WebhookDelivery;
  }
}

describe('webhook delivery to a real receiver', () => {
  it('delivers on the first try, signed so the receiver can check it', async () => {
    const { receiver: r, url } = await receiver(200);
    const s = setup(url);
    expect(await deliverWebhook(s.deps, s.delivery)).toBe('delivered');
    expect(r.received).toHaveLength(1);
    const got = r.received[0];
    if (!got) throw new Error('nothing received');
    // The receiver checks with its own clock, as a real one would.
    expect(verifyWebhookSignature(String(got.headers['x-pim-signature']), got.body, hmacSigner([{ kid: 'k1', key: KEY }]), new Date())).toBe(true);
    expect(verifyWebhookSignature(String(got.headers['x-pim-signature']), got.body, hmacSigner([{ kid: 'k1', key: Buffer.alloc(32, 6) }]), new Date())).toBe(false);
    expect(got.headers['x-pim-event']).toBe('approval.needed');
    expect(got.headers['x-pim-event-id']).toBe(s.delivery.event.id);
    expect(JSON.parse(got.body)).toEqual(s.delivery.event);
    expect(s.sender.sent).toEqual([]);
  });

  it('retries after failures with a growing backoff, through deduplicable messages', async () => {
    const { receiver: r, url } = await receiver(500, 500, 200);
    const s = setup(url, { format: 'teams' });
    const started = s.clock.now().getTime();
    expect(await runToEnd(s)).toEqual(['retryScheduled', 'retryScheduled', 'delivered']);
    expect(r.received).toHaveLength(3);
    const { id } = s.delivery.event;
    expect(s.sender.sent.map((m) => [m.queue, m.message.messageId, (m.message.body as WebhookDelivery).attempt])).toEqual([
      [WEBHOOK_RETRY_QUEUE, `${id}:siem:2`, 2],
      [WEBHOOK_RETRY_QUEUE, `${id}:siem:3`, 3],
    ]);
    const times = s.sender.sent.map((m) => m.message.scheduledEnqueueTime?.getTime());
    expect(times).toEqual([started + backoffMs(1), started + backoffMs(1) + backoffMs(2)]);
    // Every attempt sent the same message: a retry is the same delivery again.
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
  });

  it('dead-letters after the last attempt, once, with the last status', async () => {
    const { receiver: r, url } = await receiver(503);
    const s = setup(url, { maxAttempts: 3 });
    expect(await runToEnd(s)).toEqual(['retryScheduled', 'retryScheduled', 'deadLettered']);
    expect(r.received).toHaveLength(3);
    const stored = await s.deadLetters.list();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ eventId: s.delivery.event.id, targetId: 'siem', url, attempts: 3, lastError: 'HTTP 503: receiver is unhappy', event: s.delivery.event });

    // The queue delivers at least once: the final attempt again adds no second dead letter.
    const last = s.sender.sent.at(-1)?.message.body as WebhookDelivery;
    expect(await deliverWebhook(s.deps, last)).toBe('deadLettered');
    expect(await s.deadLetters.list()).toHaveLength(1);
    expect(s.sender.sent).toHaveLength(2);
  });

  it('counts a receiver that never answers as a failure', async () => {
    const { receiver: r, url } = await receiver('hang');
    const s = setup(url, { timeoutMs: 200, maxAttempts: 2 });
    const before = Date.now();
    expect(await deliverWebhook(s.deps, s.delivery)).toBe('retryScheduled');
    expect(Date.now() - before).toBeLessThan(5_000);
    expect(await deliverWebhook(s.deps, { ...s.delivery, attempt: 2 })).toBe('deadLettered');
    expect(r.received).toHaveLength(2);
    expect((await s.deadLetters.list())[0]?.lastError).toBe('No response within 200 ms.');
  });

  it('does not follow redirects', async () => {
    const { receiver: r, url } = await receiver({ status: 302, location: '/elsewhere' }, 200);
    const s = setup(url, { maxAttempts: 1 });
    expect(await deliverWebhook(s.deps, s.delivery)).toBe('deadLettered');
    expect(r.received.map((x) => x.path)).toEqual(['/hook']);
    expect((await s.deadLetters.list())[0]?.lastError).toBe('HTTP 302 (redirect to /elsewhere not followed)');
  });

  it('counts an unreachable receiver and a missing signing key as failures, without sending unsigned', async () => {
    const { receiver: r, url } = await receiver(200);
    const noKey = setup(url, { signer: hmacSigner([]), maxAttempts: 1 });
    expect(await deliverWebhook(noKey.deps, noKey.delivery)).toBe('deadLettered');
    expect(r.received).toHaveLength(0);
    expect((await noKey.deadLetters.list())[0]?.lastError).toMatch(/signing key "k1" is not configured/);

    await r.stop();
    receivers.splice(receivers.indexOf(r), 1);
    const down = setup(url, { maxAttempts: 1 });
    expect(await deliverWebhook(down.deps, down.delivery)).toBe('deadLettered');
    expect((await down.deadLetters.list())[0]?.lastError).toMatch(/ECONNREFUSED/);
  });
});
