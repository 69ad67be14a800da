import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMime, parseMimeBase64 } from '../../../devhost/graph/mime';
import { buildMime, MailHeaderError, type MimeEnvelope } from '../../../shared/adapters/graph/mime';
import type { OutgoingMail } from '../../../shared/ports/mailer';

const envelope: MimeEnvelope = { from: 'pim@contoso.test', date: new Date('2026-11-23T10:02:03Z'), id: '0b7e1c52-5f3a-4c1e-9d2b-6a8f0e4d3c21' };
const mail = (over: Partial<OutgoingMail> = {}): OutgoingMail => ({
  to: ['bob@contoso.test'],
  subject: 'Approval needed: User Administrator for Alice Anders',
  html: '<p>Alice asks.</p><a href="https://pim.contoso.test/approvals/v1.k">Review the request</a>',
  text: 'Alice asks.\nReview the request: https://pim.contoso.test/approvals/v1.k',
  ...over,
});
const roundTrip = (m: OutgoingMail) => parseMime(Buffer.from(buildMime(m, envelope), 'utf8'));
const headerLines = (mime: string) => mime.slice(0, mime.indexOf('\r\n\r\n')).split('\r\n');

describe('buildMime', () => {
  it('writes multipart/alternative, text then HTML, with the envelope headers', () => {
    const mime = buildMime(mail({ headers: { 'X-PIM-Event-Id': 'evt-1' } }), envelope);
    const headers = headerLines(mime);
    expect(headers).toEqual(expect.arrayContaining([
      'From: pim@contoso.test',
      'To: bob@contoso.test',
      'Subject: Approval needed: User Administrator for Alice Anders',
      'Date: Mon, 23 Nov 2026 10:02:03 +0000',
      `Message-ID: <${envelope.id}@contoso.test>`,
      'MIME-Version: 1.0',
      'X-PIM-Event-Id: evt-1',
      'Content-Type: multipart/alternative;',
      ` boundary="=_pim_${envelope.id}"`,
    ]));
    expect(mime.indexOf('Content-Type: text/plain; charset=utf-8')).toBeLessThan(mime.indexOf('Content-Type: text/html; charset=utf-8'));
    expect(mime.match(/Content-Transfer-Encoding: base64/g)).toHaveLength(2);
  });

  it('keeps every line CRLF-terminated, ASCII and within 78 characters', () => {
    const mime = buildMime(mail({ subject: 'Genehmigung nötig — ' + 'Ü'.repeat(90), text: 'ä'.repeat(500), html: '<p>' + '😀'.repeat(300) + '</p>' }), envelope);
    expect(mime).not.toMatch(/[^\r]\n|\r(?!\n)/);
    expect(mime).toMatch(/^[\x20-\x7e\r\n]*$/);
    for (const line of mime.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('encodes a non-ASCII subject as RFC 2047 encoded-words', () => {
    const mime = buildMime(mail({ subject: 'Rôle activé 🔐' }), envelope);
    expect(headerLines(mime)).toContain(`Subject: =?utf-8?B?${Buffer.from('Rôle activé 🔐').toString('base64')}?=`);
  });

  it('refuses header injection: CR/LF in a value, names that are not X- headers, odd addresses', () => {
    expect(() => buildMime(mail({ headers: { 'X-PIM-Event-Id': 'a\r\nBcc: mallory@evil.test' } }), envelope)).toThrow(MailHeaderError);
    expect(() => buildMime(mail({ headers: { 'X-PIM-Event-Id': 'a\nb' } }), envelope)).toThrow(MailHeaderError);
    expect(() => buildMime(mail({ headers: { Bcc: 'mallory@evil.test' } }), envelope)).toThrow(MailHeaderError);
    expect(() => buildMime(mail({ headers: { 'X-A\r\nBcc': 'x' } }), envelope)).toThrow(MailHeaderError);
    expect(() => buildMime(mail({ to: ['bob@contoso.test\r\nBcc: mallory@evil.test'] }), envelope)).toThrow(MailHeaderError);
    expect(() => buildMime(mail({ to: ['Bob <bob@contoso.test>'] }), envelope)).toThrow(MailHeaderError);
  });

  it('keeps a subject with line breaks inside one encoded header', () => {
    const mime = buildMime(mail({ subject: 'a\r\nBcc: mallory@evil.test' }), envelope);
    expect(headerLines(mime).some((l) => /^bcc:/i.test(l))).toBe(false);
    expect(roundTrip(mail({ subject: 'a\r\nBcc: mallory@evil.test' })).subject).toBe('a\r\nBcc: mallory@evil.test');
  });
});

describe('buildMime, then the Graph stand-in\'s parser', () => {
  // Any code point, with MIME's own syntax and blanks mixed in more often than chance would.
  const char = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
    fc.constantFrom(' ', '  ', '\t', '\r\n', '\n', '=?', '?=', '=?utf-8?B?', '--', '\ufeff', '😀'),
  );
  const unicode = (maxLength: number) => fc.string({ unit: char, maxLength });

  it('round-trips arbitrary unicode subject, text, HTML and X- header values', () => {
    const name = fc.stringMatching(/^X-[A-Za-z0-9][A-Za-z0-9-]{0,20}$/);
    const value = unicode(60).filter((v) => ![...v].some((c) => (c < ' ' && c !== '\t') || c === '\x7f'));
    const headers = fc.dictionary(name, value, { maxKeys: 3 }).filter((h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length);
    fc.assert(
      fc.property(unicode(120), unicode(400), unicode(400), headers, (subject, text, html, headers) => {
        expect(roundTrip(mail({ subject, text, html, headers }))).toEqual({ to: ['bob@contoso.test'], subject, text, html, headers });
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips subjects that look like MIME syntax', () => {
    for (const subject of ['=?utf-8?B?SGk=?=', '  padded  ', 'two  spaces', '', 'tab\there', '--=_pim_boundary', 'x'.repeat(200)]) {
      expect(roundTrip(mail({ subject })).subject).toBe(subject);
    }
  });

  it('keeps every recipient', () => {
    expect(roundTrip(mail({ to: ['bob@contoso.test', 'carol@contoso.test', 'dave@contoso.test'] })).to).toEqual(['bob@contoso.test', 'carol@contoso.test', 'dave@contoso.test']);
  });
});

describe('the stand-in\'s MIME parser on mail from other senders', () => {
  const parse = (lines: string[]) => parseMime(Buffer.from(lines.join('\r\n'), 'latin1'));

  it('reads a single-part quoted-printable HTML mail with folded, Q-encoded headers', () => {
    const parsed = parse([
      'From: "Ops" <ops@contoso.test>',
      'To: "Baker, Bob" <bob@contoso.test>,',
      '\tcarol@contoso.test (Carol)',
      'Cc: team: dave@contoso.test, erin@contoso.test;',
      'Subject: =?iso-8859-1?Q?R=F4le_activ=E9?=',
      '  =?utf-8?B?IPCflJA=?=',
      'X-Ticket: =?utf-8?Q?INC-981_=E2=9C=93?=',
      'Content-Type: text/html; charset="utf-8"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<p>Caf=C3=A9 =',
      'ol&eacute; <a href=3D"https://x.test/a">go</a></p>   ',
      '',
    ]);
    expect(parsed).toEqual({
      to: ['bob@contoso.test', 'carol@contoso.test', 'dave@contoso.test', 'erin@contoso.test'],
      subject: 'Rôle activé 🔐',
      html: '<p>Café ol&eacute; <a href="https://x.test/a">go</a></p>\r\n',
      text: '',
      headers: { 'X-Ticket': 'INC-981 ✓' },
    });
  });

  it('reads nested multiparts, skips attachments, takes 8bit and defaults to text/plain', () => {
    const parsed = parse([
      'To: bob@contoso.test',
      'Subject: plain',
      'Content-Type: multipart/mixed; boundary=outer',
      '',
      'preamble',
      '--outer',
      'Content-Type: multipart/alternative; boundary="in ner"',
      '',
      '--in ner',
      '',
      Buffer.from('Grüße', 'utf8').toString('latin1'),
      '--in ner',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      Buffer.from('<b>Grüße</b>', 'utf8').toString('latin1'),
      '--in ner--',
      '--outer',
      'Content-Type: text/plain',
      'Content-Disposition: attachment; filename="x.txt"',
      '',
      'not the body',
      '--outer--',
      'epilogue',
    ]);
    expect(parsed).toMatchObject({ subject: 'plain', text: 'Grüße', html: '<b>Grüße</b>' });
  });

  it('refuses what is not MIME: bad base64, no headers, a multipart without its boundary, unknown encodings', () => {
    expect(() => parseMimeBase64('not base64!')).toThrow('Invalid base64 string for MIME content.');
    expect(() => parseMimeBase64('')).toThrow('Invalid base64 string for MIME content.');
    expect(() => parseMimeBase64(Buffer.from('just some words without a colon').toString('base64'))).toThrow(/header/i);
    expect(() => parse(['To: a@b.test', 'Content-Type: multipart/alternative; boundary=x', '', 'no parts'])).toThrow(/--x/);
    expect(() => parse(['To: a@b.test', 'Content-Type: multipart/alternative', '', 'x'])).toThrow(/boundary/);
    expect(() => parse(['To: a@b.test', 'Content-Transfer-Encoding: uuencode', '', 'x'])).toThrow(/uuencode/);
    expect(() => parse(['To: a@b.test', 'Content-Transfer-Encoding: base64', '', 'A=B=='])).toThrow(/base64/);
    expect(() => parse(['To: a@b.test', 'Content-Type: text/plain; charset=klingon', '', 'x'])).toThrow(/charset/);
  });
});
