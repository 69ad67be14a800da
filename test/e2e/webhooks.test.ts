import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '../../functions/composition';
import { hmacSigner } from '../../shared/adapters/crypto/hmacSigner';
import { verifyWebhookSignature } from '../../shared/app/webhooks/render';
import type { DomainEvent } from '../../shared/domain/events';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  answered: number;
}

let app: AppHost;
let receiver: Server;
let base: string;
const received: Received[] = [];
let flakyFailuresLeft = 2;
const SIGNING_KEY = Buffer.alloc(32, 7); // appHost's PIM_WEBHOOK_KEYS "hooks"
const POLICY = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.helpdesk}`;

/** A loopback receiver: /ok and /teams accept, /flaky fails twice then accepts, /down always fails. */
function answerFor(path: string): number {
  if (path === '/down') return 500;
  if (path === '/flaky' && flakyFailuresLeft > 0) {
    flakyFailuresLeft--;
    return 503;
  }
  return 200;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const answered = answerFor(req.url ?? '');
      received.push({ path: req.url ?? '', headers: req.headers, body, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
  await new Promise((r) => receiver?.close(r));
});

const json = (r: Received) => JSON.parse(r.body) as DomainEvent;
const at = (path: string) => received.filter((r) => r.path === path);

describe('webhooks', () => {
  it('refuses bad targets with every problem named, and changes nothing', async () => {
    const bad = await app.api('admin', 'PATCH', POLICY, {
      pimWebhooks: [
        { id: 'a', url: 'http://example.com/hook', format: 'json', signingKeyName: 'hooks' },
        { id: 'b', url: `${base}/ok`, format: 'json', signingKeyName: 'nope' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('pimWebhooks[0].url');
    expect(bad.body.error?.message).toContain('pimWebhooks[1]');
    expect((await app.api('alice', 'PATCH', POLICY, { pimWebhooks: [] })).status).toBe(403);
    expect((await app.api('admin', 'PATCH', POLICY, { displayName: 'x' })).status).toBe(400);
    expect((await app.api('admin', 'GET', POLICY)).body.pimWebhooks).toEqual([]);
  });

  it('delivers signed JSON, Teams cards and retries a flaky receiver; a dead receiver is dead-lettered after the last attempt', async () => {
    const targets = [
      { id: 'audit', url: `${base}/ok`, format: 'json', signingKeyName: 'hooks' },
      { id: 'teams', url: `${base}/teams`, format: 'teams', events: ['assignment.activated'] },
      { id: 'flaky', url: `${base}/flaky`, format: 'json', signingKeyName: 'hooks', events: ['eligibility.assigned'] },
      { id: 'down', url: `${base}/down`, format: 'json', signingKeyName: 'hooks', events: ['eligibility.assigned'] },
    ];
    expect((await app.api('admin', 'PATCH', POLICY, { pimWebhooks: targets })).status).toBe(204);
    expect(((await app.api('admin', 'GET', POLICY)).body.pimWebhooks as unknown[]).length).toBe(4);

    const assigned = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(assigned.status).toBe(201);
    const eligibility = await eventually(async () => at('/ok').map(json).find((e) => e.type === 'eligibility.assigned'));
    const delivery = at('/ok').find((r) => json(r).id === eligibility.id);
    expect(verifyWebhookSignature(String(delivery?.headers['x-pim-signature']), delivery?.body ?? '', hmacSigner([{ kid: 'hooks', key: SIGNING_KEY }]), new Date())).toBe(true);
    expect(delivery?.headers['x-pim-event']).toBe('eligibility.assigned');
    expect(eligibility.schemaVersion).toBe(2);
    expect(eligibility.subject).toMatchObject({ principalId: USERS.alice, target: { kind: 'directoryRole', roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/' }, targetDisplayName: 'Helpdesk Administrator' });

    // Flaky: two failures, then the third attempt (after backoff) gets through.
    await eventually(async () => (at('/flaky').some((r) => r.answered === 200) ? true : undefined));
    expect(at('/flaky').map((r) => r.answered)).toEqual([503, 503, 200]);
    expect(new Set(at('/flaky').map((r) => json(r).id))).toEqual(new Set([eligibility.id]));

    // Down: 3 attempts (PIM_WEBHOOK_MAX_ATTEMPTS), then one dead letter naming the last error.
    const dead = await eventually(async () => (await deps().webhookDeadLetters.list()).find((d) => d.eventId === eligibility.id && d.targetId === 'down'));
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toContain('500');
    expect(at('/down')).toHaveLength(3);

    const activation = await app.api('alice', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
      action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'webhook test',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(activation.status).toBe(201);
    const card = await eventually(async () => at('/teams')[0]);
    const message = JSON.parse(card.body) as { type: string; attachments: Array<{ contentType: string; content: { type: string } }> };
    expect(message.type).toBe('message');
    expect(message.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(message.attachments[0]?.content.type).toBe('AdaptiveCard');
    expect(card.body).toContain('Helpdesk Administrator');
  });
});
