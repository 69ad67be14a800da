import type { OutgoingMail } from '../../ports/mailer';

/** What the MIME message needs beyond the mail itself; passed in so buildMime stays pure. */
export interface MimeEnvelope {
  /** The sending mailbox (PIM_MAIL_SENDER), used for From and the Message-ID's domain. */
  from: string;
  date: Date;
  /** A unique token (e.g. a UUID) for the Message-ID and the multipart boundary. */
  id: string;
}

/** A mail that cannot be put into headers safely; thrown before anything is sent. */
export class MailHeaderError extends Error {
  readonly code = 'MailHeaderInvalid';
  constructor(message: string) {
    super(message);
    this.name = 'MailHeaderError';
  }
}

const CRLF = '\r\n';
const LINE = 76;
/** Bytes of UTF-8 per encoded-word: 36 bytes are 48 base64 chars, a 60-char word, so folded lines stay under 78. */
const WORD_BYTES = 36;
const X_HEADER = /^X-[A-Za-z0-9][A-Za-z0-9-]{0,60}$/i;
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
const TOKEN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The mail as an RFC 5322 / RFC 2045 message: multipart/alternative with a text/plain part
 * then a text/html part (clients show the last part they understand), both UTF-8 and base64.
 * Lines are CRLF-terminated and at most 78 characters.
 */
export function buildMime(mail: OutgoingMail, envelope: MimeEnvelope): string {
  checkAddress(envelope.from);
  mail.to.forEach(checkAddress);
  if (!TOKEN.test(envelope.id)) throw new MailHeaderError('The envelope id must be 1-64 letters, digits, ".", "_" or "-".');
  if (Number.isNaN(envelope.date.getTime())) throw new MailHeaderError('The envelope date is not a valid date.');
  // Why: base64 lines never contain "=_", so this boundary cannot occur inside a part.
  const boundary = `=_pim_${envelope.id}`;
  const headers = [
    `From: ${envelope.from}`,
    ...(mail.to.length ? [foldList('To', mail.to)] : []),
    unstructured('Subject', mail.subject),
    `Date: ${rfc5322Date(envelope.date)}`,
    `Message-ID: <${envelope.id}@${domainOf(envelope.from)}>`,
    'MIME-Version: 1.0',
    ...extraHeaders(mail.headers ?? {}),
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
  ];
  return [
    ...headers,
    '',
    'This is a multi-part message in MIME format.',
    `--${boundary}`,
    ...textPart('text/plain', mail.text),
    `--${boundary}`,
    ...textPart('text/html', mail.html),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

function textPart(type: string, content: string): string[] {
  return [`Content-Type: ${type}; charset=utf-8`, 'Content-Transfer-Encoding: base64', '', ...wrap(Buffer.from(content, 'utf8').toString('base64'))];
}

/** Base64 in lines of 76 (RFC 2045 §6.8); at least one line so an empty part is still well formed. */
function wrap(base64: string): string[] {
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += LINE) lines.push(base64.slice(at, at + LINE));
  return lines.length ? lines : [''];
}

// Why: a name or value with CR/LF would start a new header (e.g. Bcc) or end the header
// section; only X- names are accepted so From, To or Content-Type cannot be overridden.
function extraHeaders(headers: Record<string, string>): string[] {
  return Object.entries(headers).map(([name, value]) => {
    if (!X_HEADER.test(name)) throw new MailHeaderError(`Header name '${printable(name)}' is not an X- header of letters, digits and "-".`);
    if (hasControl(value)) throw new MailHeaderError(`Header '${name}' has a line break or control character in its value.`);
    return unstructured(name, value);
  });
}

/** C0 controls other than tab, and DEL: CR and LF above all. */
function hasControl(value: string): boolean {
  return [...value].some((c) => (c < ' ' && c !== '\t') || c === '\x7f');
}

/**
 * An unstructured header (RFC 5322 §3.2.5): as is when it is short printable ASCII with single
 * spaces, otherwise as RFC 2047 encoded-words folded onto continuation lines. Encoding also
 * covers CR/LF in a subject, so the value round-trips exactly and can never break the header.
 */
function unstructured(name: string, value: string): string {
  const plain = value === '' || (/^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(value) && !value.includes('=?'));
  if (plain && name.length + 2 + value.length <= 78) return value === '' ? `${name}:` : `${name}: ${value}`;
  return `${name}: ${encodedWords(value).join(`${CRLF} `)}`;
}

/** `=?utf-8?B?…?=` words, each holding whole characters (RFC 2047 §5 forbids splitting one). */
function encodedWords(value: string): string[] {
  const words: string[] = [];
  let chunk = '';
  for (const char of value) {
    if (Buffer.byteLength(chunk + char, 'utf8') > WORD_BYTES) {
      words.push(encodedWord(chunk));
      chunk = '';
    }
    chunk += char;
  }
  if (chunk || words.length === 0) words.push(encodedWord(chunk));
  return words;
}

function encodedWord(text: string): string {
  return `=?utf-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/** An address list, folded after commas so long recipient lists keep lines short. */
function foldList(name: string, addresses: string[]): string {
  return `${name}: ${addresses.join(`,${CRLF} `)}`;
}

// Why: addresses go into headers unencoded, so anything beyond a plain addr-spec is refused.
function checkAddress(address: string): void {
  if (!ADDRESS.test(address)) throw new MailHeaderError(`'${printable(address)}' is not a plain e-mail address.`);
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** RFC 5322 §3.3 date-time in UTC, e.g. "Mon, 23 Nov 2026 10:00:00 +0000". */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** For error messages: control characters shown as escapes, not written raw into logs. */
function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
