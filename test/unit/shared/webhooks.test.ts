import { describe, expect, it } from 'vitest';
import { backoffMs, deliveriesFor } from '../../../shared/app/webhooks/deliver';
import { hmacSigner } from '../../../shared/adapters/crypto/hmacSigner';
import * as render from '../../../shared/app/webhooks/render';
import { escapeSlack, summarize } from '../../../shared/app/webhooks/render';
import { type DomainEvent, EVENT_TYPES, type EventType } from '../../../shared/domain/events';
import { parseWebhookTargets, wantsEvent, type WebhookTarget } from '../../../shared/domain/webhooks';

const now = new Date('2026-11-23T10:00:00Z');
const key = Buffer.alloc(32, 7);
const keys = ['k1', 'k2'];

// The tests name a raw key (as 'k1'); the app signs and verifies through the Signer port, here its node:crypto adapter.
const signerOf = (k: Buffer) => hmacSigner([{ kid: 'k1', key: k }]);
const renderWebhook = (t: WebhookTarget, e: DomainEvent, k: Buffer | undefined, at: Date) => render.renderWebhook(t, e, k && signerOf(k), at);
const verifyWebhookSignature = (header: string, body: string, k: Buffer, at: Date, toleranceSeconds?: number) => render.verifyWebhookSignature(header, body, signerOf(k), at, toleranceSeconds);

function event(type: EventType = 'request.created', overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    schemaVersion: 2,
    id: 'evt-1',
    type,
    occurredAt: now.toISOString(),
    actor: { id: 'alice', displayName: 'Alice Example' },
    subject: { principalId: 'alice', target: { kind: 'directoryRole', roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10', directoryScopeId: '/' }, targetDisplayName: 'Global Administrator' },
    request: {
      id: 'req-1',
      action: 'selfActivate',
      status: 'PendingApproval',
      justification: 'Fix incident <INC-42> & restore mail',
      ticketNumber: 'INC-42',
      ticketSystem: 'ServiceNow',
      startDateTime: '2026-11-23T10:00:00Z',
      endDateTime: '2026-11-23T18:00:00Z',
    },
    data: {},
    ...overrides,
  };
}

const target = (overrides: Partial<WebhookTarget> = {}): WebhookTarget => ({ id: 'ops', url: 'https://hooks.example.com/x', format: 'teams', events: null, signingKeyName: null, ...overrides });

/** The problems for one item placed at index 1 (after a valid item), to check they name the index. */
function problemsOf(item: unknown, knownKeys = keys): string[] {
  return parseWebhookTargets([{ id: 'first', url: 'https://a.example.com', format: 'slack' }, item], knownKeys).problems;
}

describe('parseWebhookTargets', () => {
  it('accepts valid targets of every format and fills in the defaults', () => {
    const { targets, problems } = parseWebhookTargets(
      [
        { id: 'ops-teams', url: 'https://contoso.webhook.office.com/x', format: 'teams' },
        { id: 'sec_slack', url: 'https://hooks.slack.com/services/T/B/C', format: 'slack', events: ['approval.needed', 'approval.needed', 'request.denied'], signingKeyName: null },
        { id: 'siem', url: 'https://siem.contoso.com/pim', format: 'json', events: null, signingKeyName: 'k2' },
      ],
      keys,
    );
    expect(problems).toEqual([]);
    expect(targets).toEqual([
      { id: 'ops-teams', url: 'https://contoso.webhook.office.com/x', format: 'teams', events: null, signingKeyName: null },
      { id: 'sec_slack', url: 'https://hooks.slack.com/services/T/B/C', format: 'slack', events: ['approval.needed', 'request.denied'], signingKeyName: null },
      { id: 'siem', url: 'https://siem.contoso.com/pim', format: 'json', events: null, signingKeyName: 'k2' },
    ]);
  });

  it('treats an absent property as no targets', () => {
    expect(parseWebhookTargets(undefined, keys)).toEqual({ targets: [], problems: [] });
    expect(parseWebhookTargets(null, keys)).toEqual({ targets: [], problems: [] });
    expect(parseWebhookTargets([], keys)).toEqual({ targets: [], problems: [] });
  });

  it('wants an array of at most 10 targets', () => {
    expect(parseWebhookTargets({ id: 'x' }, keys).problems).toEqual([expect.stringMatching(/^pimWebhooks must be an array/)]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ id: `t${i}`, url: 'https://a.example.com', format: 'teams' }));
    expect(parseWebhookTargets(eleven, keys).problems).toEqual([expect.stringMatching(/has 11 targets; at most 10/)]);
    expect(parseWebhookTargets(eleven.slice(0, 10), keys).problems).toEqual([]);
  });

  it('wants each item to be an object', () => {
    expect(problemsOf('https://a.example.com')).toEqual([expect.stringMatching(/^pimWebhooks\[1\] must be an object/)]);
  });

  it('checks the id: 1-64 of [A-Za-z0-9_-], unique', () => {
    for (const id of [undefined, '', 'a'.repeat(65), 'has space', 'ü', 7]) {
      expect(problemsOf({ id, url: 'https://a.example.com', format: 'teams' })).toEqual([expect.stringMatching(/^pimWebhooks\[1\]\.id must be 1-64 characters/)]);
    }
    expect(problemsOf({ id: 'a'.repeat(64), url: 'https://a.example.com', format: 'teams' })).toEqual([]);
    // A duplicate is found even when the repeated item has other problems too.
    expect(problemsOf({ id: 'first', url: 'ftp://x', format: 'teams' })).toEqual([
      expect.stringMatching(/^pimWebhooks\[1\]\.url/),
      'pimWebhooks[1].id "first" is already used by pimWebhooks[0]; give each target its own id.',
    ]);
  });

  it('wants https, allowing http only on loopback hosts', () => {
    const bad = ['http://hooks.example.com/x', 'ftp://hooks.example.com', 'not a url', 'http://10.0.0.1/x', 'http://localhost.evil.com/x', 42];
    for (const url of bad) {
      expect(problemsOf({ id: 'x', url, format: 'teams' })).toEqual([expect.stringMatching(/^pimWebhooks\[1\]\.url must be an https URL/)]);
    }
    for (const url of ['https://hooks.example.com/x', 'http://127.0.0.1:8080/hook', 'http://localhost:3000/', 'http://[::1]:9000/h']) {
      expect(problemsOf({ id: 'x', url, format: 'teams' })).toEqual([]);
    }
  });

  it('wants a known format', () => {
    expect(problemsOf({ id: 'x', url: 'https://a.example.com', format: 'discord' })).toEqual(['pimWebhooks[1].format must be one of "teams", "slack", "json".']);
    expect(problemsOf({ id: 'x', url: 'https://a.example.com' })).toHaveLength(1);
  });

  it('wants events to be null, absent, or a non-empty list of known event types', () => {
    const base = { id: 'x', url: 'https://a.example.com', format: 'teams' };
    expect(problemsOf({ ...base, events: ['request.created', 'request.exploded'] })).toEqual([expect.stringMatching(/^pimWebhooks\[1\]\.events has unknown event types "request.exploded"/)]);
    expect(problemsOf({ ...base, events: [] })).toEqual([expect.stringMatching(/^pimWebhooks\[1\]\.events must be a non-empty array/)]);
    expect(problemsOf({ ...base, events: 'request.created' })).toEqual([expect.stringMatching(/^pimWebhooks\[1\]\.events must be/)]);
    expect(problemsOf({ ...base, events: null })).toEqual([]);
  });

  it('wants a configured signing key for json, and none for teams or slack', () => {
    const json = { id: 'x', url: 'https://a.example.com', format: 'json' };
    expect(problemsOf(json)).toEqual(['pimWebhooks[1].signingKeyName is required for format "json"; use one of "k1", "k2".']);
    expect(problemsOf({ ...json, signingKeyName: 'k9' })).toEqual(['pimWebhooks[1].signingKeyName "k9" is not a configured signing key; use one of "k1", "k2".']);
    expect(problemsOf({ ...json, signingKeyName: 'k1' }, [])).toEqual([expect.stringMatching(/none is configured yet: add one to the PIM_WEBHOOK_KEYS setting/)]);
    expect(problemsOf({ id: 'x', url: 'https://a.example.com', format: 'slack', signingKeyName: 'k1' })).toEqual([
      'pimWebhooks[1].signingKeyName is only used with format "json"; remove it from this slack target.',
    ]);
  });

  it('refuses unknown properties (a misspelt "events" must not mean all events)', () => {
    expect(problemsOf({ id: 'x', url: 'https://a.example.com', format: 'teams', event: ['request.created'] })).toEqual([
      expect.stringMatching(/^pimWebhooks\[1\] has an unknown property "event"/),
    ]);
  });

  it('reports every problem of every item at once', () => {
    const { targets, problems } = parseWebhookTargets([{ id: '', url: 'http://x', format: 'fax' }, { id: 'ok', url: 'https://a.example.com', format: 'json' }], keys);
    expect(problems.filter((p) => p.startsWith('pimWebhooks[0]'))).toHaveLength(3);
    expect(problems.filter((p) => p.startsWith('pimWebhooks[1]'))).toHaveLength(1);
    expect(targets).toEqual([]);
  });
});

describe('which targets get an event', () => {
  it('sends to targets with no filter and to those listing the type', () => {
    const all = target({ id: 'all' });
    const some = target({ id: 'some', events: ['approval.needed'] });
    expect(wantsEvent(all, 'policy.changed')).toBe(true);
    expect(wantsEvent(some, 'policy.changed')).toBe(false);
    expect(deliveriesFor(event('approval.needed'), [all, some]).map((d) => [d.target.id, d.attempt])).toEqual([['all', 1], ['some', 1]]);
    expect(deliveriesFor(event('request.denied'), [all, some]).map((d) => d.target.id)).toEqual(['all']);
  });
});

describe('summarize', () => {
  it('has a non-empty line for every event type', () => {
    for (const type of EVENT_TYPES) {
      const line = summarize(event(type, { data: {} }));
      expect(line.trim().length, type).toBeGreaterThan(0);
      expect(line, type).toContain('Global Administrator');
      expect(line, type).not.toMatch(/undefined|null|\[object/);
    }
  });

  it('says who did what, with the stage and the reviewer where known', () => {
    expect(summarize(event('request.created'))).toBe('Alice Example requested Global Administrator');
    expect(summarize(event('approval.needed', { data: { stage: 0 } }))).toBe('Approval needed: Alice Example requests Global Administrator (stage 1)');
    const decided = event('approval.stageDecided', { actor: { id: 'bob', displayName: 'Bob' }, data: { stage: 1, reviewResult: 'Approved', reviewedBy: { id: 'bob', displayName: 'Bob Approver' } } });
    expect(summarize(decided)).toBe("Approved by Bob Approver: alice's request for Global Administrator (stage 2)");
    expect(summarize(event('assignment.expiringSoon', { data: { minutesLeft: 15 } }))).toContain('ends in 15 minutes');
    // Without a display name the role id stands in.
    expect(summarize(event('policy.changed', { subject: { ...event().subject, targetDisplayName: null } }))).toContain('62e90394-69f5-4237-9190-012177145e10');
  });
});

describe('renderWebhook', () => {
  it('renders a Teams message with one Adaptive Card 1.4 holding the summary and the facts', () => {
    const { body, headers } = renderWebhook(target({ format: 'teams' }), event(), undefined, now);
    expect(headers['content-type']).toBe('application/json');
    const message = JSON.parse(body) as { type: string; attachments: Array<{ contentType: string; contentUrl: null; content: { type: string; version: string; body: Array<{ type: string; text?: string; facts?: Array<{ title: string; value: string }> }> } }> };
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    const attachment = message.attachments[0];
    expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment?.contentUrl).toBeNull();
    expect(attachment?.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(attachment?.content.body[0]).toMatchObject({ type: 'TextBlock', text: 'Alice Example requested Global Administrator' });
    const facts = attachment?.content.body.find((b) => b.type === 'FactSet')?.facts ?? [];
    expect(facts.map((f) => f.title)).toEqual(['Role', 'Scope', 'Principal', 'Actor', 'Justification', 'Ticket', 'Start', 'End', 'Status']);
    expect(Object.fromEntries(facts.map((f) => [f.title, f.value]))).toMatchObject({
      Role: 'Global Administrator',
      Scope: 'Directory',
      Justification: 'Fix incident <INC-42> & restore mail',
      Ticket: 'INC-42 (ServiceNow)',
      Start: '2026-11-23 10:00 UTC',
      End: '2026-11-23 18:00 UTC',
      Status: 'PendingApproval',
    });
  });

  it('renders a Slack message and escapes &, < and > in what users typed', () => {
    const sneaky = event('request.created', { actor: { id: 'alice', displayName: 'Alice <!channel>' } });
    const { body } = renderWebhook(target({ format: 'slack' }), sneaky, undefined, now);
    const message = JSON.parse(body) as { text: string; blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: Array<{ type: string; text: string }> }> };
    expect(message.text).toBe('Alice &lt;!channel&gt; requested Global Administrator');
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Alice &lt;!channel&gt; requested Global Administrator*' } });
    const fields = message.blocks[1]?.fields ?? [];
    expect(fields.length).toBeLessThanOrEqual(10);
    expect(fields).toContainEqual({ type: 'mrkdwn', text: '*Justification*\nFix incident &lt;INC-42&gt; &amp; restore mail' });
    expect(body).not.toContain('<!channel>');
    expect(escapeSlack('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });

  it('cuts long free text so chat messages stay within their size limits', () => {
    const base = event();
    if (!base.request) throw new Error('the fixture has a request');
    const long = event('request.created', { request: { ...base.request, justification: 'x'.repeat(5000) } });
    const { body } = renderWebhook(target({ format: 'slack' }), long, undefined, now);
    expect(body.length).toBeLessThan(3000);
  });

  it('sends the event itself as JSON, with its type, id, time and signature in headers', () => {
    const e = event('approval.needed', { data: { stage: 0, approvers: [{ id: 'bob' }] } });
    const { body, headers } = renderWebhook(target({ format: 'json', signingKeyName: 'k1' }), e, key, now);
    expect(JSON.parse(body)).toEqual(e);
    const t = String(now.getTime() / 1000);
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'x-pim-event': 'approval.needed', 'x-pim-event-id': 'evt-1', 'x-pim-timestamp': t });
    expect(headers['x-pim-signature']).toMatch(new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
  });

  it('refuses to send JSON unsigned', () => {
    expect(() => renderWebhook(target({ format: 'json', signingKeyName: 'k1' }), event(), undefined, now)).toThrow(/signing key/);
  });
});

describe('verifyWebhookSignature', () => {
  const signed = () => {
    const { body, headers } = renderWebhook(target({ format: 'json', signingKeyName: 'k1' }), event(), key, now);
    return { body, header: headers['x-pim-signature'] ?? '' };
  };

  it('accepts the signature it made, within the tolerance either way', () => {
    const { body, header } = signed();
    expect(verifyWebhookSignature(header, body, key, now)).toBe(true);
    expect(verifyWebhookSignature(header, body, key, new Date(now.getTime() + 300_000))).toBe(true);
    expect(verifyWebhookSignature(header, body, key, new Date(now.getTime() - 300_000))).toBe(true);
  });

  it('fails on any change of body, timestamp or key', () => {
    const { body, header } = signed();
    expect(verifyWebhookSignature(header, body.replace('Global', 'Globul'), key, now)).toBe(false);
    expect(verifyWebhookSignature(header, `${body} `, key, now)).toBe(false);
    const t = now.getTime() / 1000;
    expect(verifyWebhookSignature(header.replace(`t=${t}`, `t=${t + 1}`), body, key, now)).toBe(false);
    expect(verifyWebhookSignature(header, body, Buffer.alloc(32, 8), now)).toBe(false);
  });

  it('fails outside the tolerance and on malformed headers', () => {
    const { body, header } = signed();
    expect(verifyWebhookSignature(header, body, key, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifyWebhookSignature(header, body, key, new Date(now.getTime() - 301_000))).toBe(false);
    expect(verifyWebhookSignature(header, body, key, new Date(now.getTime() + 60_000), 30)).toBe(false);
    const v1 = header.split('v1=')[1] ?? '';
    for (const bad of ['', `v1=${v1}`, `t=abc,v1=${v1}`, `t=${now.getTime() / 1000},v1=${v1.slice(2)}`, `t=1,t=${now.getTime() / 1000},v1=${v1}`]) {
      expect(verifyWebhookSignature(bad, body, key, now), bad).toBe(false);
    }
  });

  it('accepts a header listing several v1 signatures when one matches', () => {
    const { body, header } = signed();
    expect(verifyWebhookSignature(`${header.replace(/v1=\w+/, `v1=${'0'.repeat(64)}`)},${header.split(',')[1] ?? ''}`, body, key, now)).toBe(true);
  });
});

describe('backoffMs', () => {
  it('doubles from 30 seconds and stops at one hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 50, 5000].map((n) => backoffMs(n))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000]);
  });
});
