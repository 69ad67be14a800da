import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevHost } from '../../devhost/core/host';
import { GraphStandInExtension } from '../../devhost/graph';
import { graphMailer } from '../../shared/adapters/graph/graphMailer';
import type { Mailer } from '../../shared/ports/mailer';
import { startTestHost } from '../devhost/helpers';

let host: DevHost;
let mailer: Mailer;

beforeAll(async () => {
  host = await startTestHost([new GraphStandInExtension()]);
  mailer = graphMailer({ baseUrl: `${host.url}/.devhost/graph`, getToken: async () => 'devhost', sender: 'pim@contoso.test', retry: { delaySeconds: 0, maxRetries: 3 } });
});

afterAll(async () => {
  await host?.stop();
});

describe('mail through Graph sendMail and the dev mailbox', () => {
  it('sends through the stand-in, which keeps the mail and its links for /.devhost/mail', async () => {
    await mailer.send({
      to: ['bob@contoso.test'],
      subject: 'Approval needed: Security Administrator for Alice Anders',
      html: '<p>Alice asks.</p><a href="http://localhost:7071/approvals/v1.k.p.m">Review</a>',
    });
    const res = await fetch(`${host.url}/.devhost/mail?to=bob@contoso.test`);
    const { value } = (await res.json()) as { value: Array<{ from: string; subject: string; links: string[] }> };
    expect(value[0]).toMatchObject({ from: 'pim@contoso.test', subject: 'Approval needed: Security Administrator for Alice Anders', links: ['http://localhost:7071/approvals/v1.k.p.m'] });
    const others = await fetch(`${host.url}/.devhost/mail?to=carol@contoso.test`);
    expect(((await others.json()) as { value: unknown[] }).value).toEqual([]);
  });

  it('retries a throttled send and refuses a message without recipients with Graph\'s 400', async () => {
    await fetch(`${host.url}/.devhost/graph/faults`, { method: 'POST', body: JSON.stringify({ status: 429, count: 2, retryAfterSeconds: 0, pathContains: 'sendMail' }) });
    await mailer.send({ to: ['carol@contoso.test'], subject: 'after throttling', html: '<p>x</p>' });
    const res = await fetch(`${host.url}/.devhost/mail?to=carol@contoso.test`);
    expect(((await res.json()) as { value: Array<{ subject: string }> }).value.map((m) => m.subject)).toEqual(['after throttling']);
    await expect(mailer.send({ to: [], subject: 'nobody', html: '' })).rejects.toMatchObject({ statusCode: 400 });
  });
});
