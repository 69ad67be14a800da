import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevHost } from '../../devhost/core/host';
import { GraphStandInExtension } from '../../devhost/graph';
import type { SentMail } from '../../devhost/graph/mailbox';
import { graphMailer } from '../../shared/adapters/graph/graphMailer';
import { MailHeaderError } from '../../shared/adapters/graph/mime';
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

async function mailTo(address: string): Promise<SentMail[]> {
  const res = await fetch(`${host.url}/.devhost/mail?to=${encodeURIComponent(address)}`);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return ((await res.json()) as { value: SentMail[] }).value;
}

const sendMailUrl = () => `${host.url}/.devhost/graph/v1.0/users/pim@contoso.test/sendMail`;

describe('mail through Graph sendMail (MIME) and the dev mailbox', () => {
  it('sends both parts through the stand-in, which keeps them, the X- headers and the links', async () => {
    await mailer.send({
      to: ['bob@contoso.test'],
      subject: 'Approval needed: Security Administrator for Alice Anders',
      html: '<p>Alice asks.</p><a href="http://localhost:7071/approvals/v1.k.p.m">Review the request</a>',
      text: 'Alice asks.\nReview the request: http://localhost:7071/approvals/v1.k.p.m',
      headers: { 'X-PIM-Event-Id': 'evt-42' },
    });
    const [mail] = await mailTo('bob@contoso.test');
    expect(mail).toMatchObject({
      from: 'pim@contoso.test',
      to: ['bob@contoso.test'],
      subject: 'Approval needed: Security Administrator for Alice Anders',
      html: '<p>Alice asks.</p><a href="http://localhost:7071/approvals/v1.k.p.m">Review the request</a>',
      text: 'Alice asks.\nReview the request: http://localhost:7071/approvals/v1.k.p.m',
      headers: { 'X-PIM-Event-Id': 'evt-42' },
      links: ['http://localhost:7071/approvals/v1.k.p.m'],
      // The shape from before MIME: the HTML as `body`.
      contentType: 'HTML',
      body: '<p>Alice asks.</p><a href="http://localhost:7071/approvals/v1.k.p.m">Review the request</a>',
    });
    expect(await mailTo('carol@contoso.test')).toEqual([]);
  });

  it('round-trips a non-ASCII subject and body', async () => {
    const subject = 'Rôle « Administrateur de la sécurité » activé pour Zoë 🔐 — 承認が必要です';
    await mailer.send({ to: ['dave@contoso.test'], subject, html: '<p>Grüße, Łukasz! 👋</p>', text: 'Grüße, Łukasz! 👋\r\nZweite Zeile' });
    const [mail] = await mailTo('dave@contoso.test');
    expect(mail).toMatchObject({ subject, html: '<p>Grüße, Łukasz! 👋</p>', text: 'Grüße, Łukasz! 👋\r\nZweite Zeile' });
  });

  it('refuses header injection before anything is sent', async () => {
    const before = (await mailTo('erin@contoso.test')).length;
    const attempts: Array<Record<string, string>> = [
      { 'X-PIM-Event-Id': 'evt\r\nBcc: mallory@evil.test' },
      { 'X-PIM-Event-Id': 'evt\nBcc: mallory@evil.test' },
      { Bcc: 'mallory@evil.test' },
    ];
    for (const headers of attempts) {
      await expect(mailer.send({ to: ['erin@contoso.test'], subject: 'injected', html: '<p>x</p>', text: 'x', headers })).rejects.toBeInstanceOf(MailHeaderError);
    }
    await expect(mailer.send({ to: ['erin@contoso.test>\r\nBcc: mallory@evil.test'], subject: 'injected', html: '', text: '' })).rejects.toBeInstanceOf(MailHeaderError);
    expect(await mailTo('erin@contoso.test')).toHaveLength(before);
    expect(await mailTo('mallory@evil.test')).toEqual([]);
  });

  it('retries a throttled send and refuses a message without recipients with Graph\'s 400', async () => {
    await fetch(`${host.url}/.devhost/graph/faults`, { method: 'POST', body: JSON.stringify({ status: 429, count: 2, retryAfterSeconds: 0, pathContains: 'sendMail' }) });
    await mailer.send({ to: ['carol@contoso.test'], subject: 'after throttling', html: '<p>x</p>', text: 'x' });
    expect((await mailTo('carol@contoso.test')).map((m) => m.subject)).toEqual(['after throttling']);
    const faults = (await (await fetch(`${host.url}/.devhost/graph/faults`)).json()) as { pending: unknown[] };
    expect(faults.pending).toEqual([]);
    await expect(mailer.send({ to: [], subject: 'nobody', html: '', text: '' })).rejects.toMatchObject({ statusCode: 400, code: 'ErrorInvalidRecipients' });
  });
});

describe('the Graph stand-in\'s sendMail', () => {
  it('still takes the JSON form, with internetMessageHeaders', async () => {
    const res = await fetch(sendMailUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message: {
          subject: 'json form',
          body: { contentType: 'HTML', content: '<a href="https://x.test/a?b=1&amp;c=2">open</a>' },
          toRecipients: [{ emailAddress: { address: 'json@contoso.test' } }],
          internetMessageHeaders: [{ name: 'X-Custom', value: 'v' }],
        },
      }),
    });
    expect(res.status).toBe(202);
    expect((await mailTo('json@contoso.test'))[0]).toMatchObject({ subject: 'json form', html: '<a href="https://x.test/a?b=1&amp;c=2">open</a>', text: '', headers: { 'X-Custom': 'v' }, links: ['https://x.test/a?b=1&c=2'] });
  });

  it('answers bad MIME with Graph\'s 400 ErrorMimeContentInvalid', async () => {
    for (const body of ['%%% not base64 %%%', Buffer.from('no headers at all').toString('base64'), Buffer.from('To: a@b.test\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@@').toString('base64')]) {
      const res = await fetch(sendMailUrl(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'ErrorMimeContentInvalid', message: expect.any(String) });
    }
  });

  it('takes an ordinary single-part MIME mail', async () => {
    const mime = ['From: someone@contoso.test', 'To: "Frank" <frank@contoso.test>', 'Subject: =?utf-8?Q?caf=C3=A9?=', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'Caf=C3=A9 at https://x.test/menu'].join('\r\n');
    const res = await fetch(sendMailUrl(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from(mime).toString('base64') });
    expect(res.status).toBe(202);
    expect((await mailTo('frank@contoso.test'))[0]).toMatchObject({ from: 'pim@contoso.test', subject: 'café', text: 'Café at https://x.test/menu', html: '', contentType: 'Text', links: ['https://x.test/menu'] });
  });
});

describe('the dev mailbox page (GET /.devhost/mail in a browser)', () => {
  const page = (query: string, accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8') =>
    fetch(`${host.url}/.devhost/mail${query}`, { headers: { accept } });

  it('lists the mail with clickable links named by their text, under a strict CSP', async () => {
    await mailer.send({
      to: ['grace@contoso.test'],
      subject: 'Approval needed: User Administrator',
      html: '<p>Alice asks.</p><p><a class="btn" href="http://localhost:7071/approvals/v1.a.b?x=1&amp;y=2"><b>Review</b> the&nbsp;request</a></p><a href="javascript:alert(1)">evil</a>',
      text: 'Review the request: http://localhost:7071/approvals/v1.a.b?x=1&y=2',
    });
    const res = await page('?to=grace@contoso.test');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-eval/);
    const html = await res.text();
    expect(html).toContain('<a href="http://localhost:7071/approvals/v1.a.b?x=1&#38;y=2" aria-describedby="mail-');
    // Tags dropped and blanks (here &nbsp;) made single spaces: the name a reader and a browser test use.
    expect(html).toContain('>Review the request</a>');
    expect(html).not.toMatch(/<a href="javascript:/i);
    expect(html).toMatch(/<iframe title="HTML body of Approval needed: User Administrator" sandbox="[^"]*" referrerpolicy="no-referrer" srcdoc="[^"<>]*"><\/iframe>/);
    expect(html).not.toMatch(/allow-scripts|allow-same-origin|allow-top-navigation/);
    expect(html).toContain('<label for="to">Recipient address</label>');
    expect(html).toContain('value="grace@contoso.test"');
    expect(html).toContain('<details><summary>Plain text</summary><pre>Review the request: http://localhost:7071/approvals/v1.a.b?x=1&#38;y=2</pre></details>');
  });

  it('shows mail content as text: a <script> subject or body never becomes markup', async () => {
    await mailer.send({ to: ['heidi@contoso.test'], subject: '<script>alert("s")</script>', html: '<p>"><script>alert(1)</script></p>', text: '</pre><script>alert(2)</script>' });
    const html = await (await page('?to=heidi@contoso.test')).text();
    expect(html).not.toContain('<script');
    expect(html).toContain('<h3 id="mail-');
    expect(html).toContain('&#60;script&#62;alert(&#34;s&#34;)&#60;/script&#62;</h3>');
    expect(html).toContain('<pre>&#60;/pre&#62;&#60;script&#62;alert(2)&#60;/script&#62;</pre>');
    expect(html).toContain('srcdoc="&#60;!doctype html&#62;&#60;base target=&#34;_blank&#34;&#62;&#60;p&#62;&#34;&#62;&#60;script&#62;');
  });

  it('escapes the recipient filter and stays JSON for programs', async () => {
    const html = await (await page('?to=%22%3E%3Cscript%3Ex%3C%2Fscript%3E')).text();
    expect(html).not.toContain('<script');
    expect(html).toContain('value="&#34;&#62;&#60;script&#62;x&#60;/script&#62;"');
    for (const accept of ['*/*', 'application/json', 'application/json, text/html;q=0.5', '']) {
      expect((await page('?to=grace@contoso.test', accept)).headers.get('content-type')).toMatch(/^application\/json/);
    }
  });
});
