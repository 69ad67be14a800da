/**
 * Reads a MIME message (RFC 5322 / 2045-2047) as Graph's sendMail receives it in MIME form:
 * enough for what the app's buildMime writes and for ordinary mail from other senders
 * (folded headers, encoded-word subjects, nested multiparts, base64, quoted-printable,
 * 7bit/8bit). Attachments and other part types are skipped.
 */

/** What the dev mailbox keeps of a MIME message. */
export interface ParsedMime {
  /** Every recipient: To, Cc and Bcc (who would receive it). */
  to: string[];
  subject: string;
  /** The first text/html part, '' when there is none. */
  html: string;
  /** The first text/plain part, '' when there is none. */
  text: string;
  /** X- headers with their names as sent, decoded. */
  headers: Record<string, string>;
}

/** The message is not valid MIME; the stand-in answers Graph's 400 ErrorMimeContentInvalid. */
export class MimeContentError extends Error {
  readonly code = 'ErrorMimeContentInvalid';
}

interface Entity {
  headers: Array<[name: string, value: string]>;
  /** The body as a binary string: one char per byte, so boundaries can be found with string search. */
  body: string;
}

interface ContentType {
  type: string;
  params: Record<string, string>;
}

const MAX_DEPTH = 8;

/** Decodes Graph's text/plain request body (the base64 of the MIME message) and parses it. */
export function parseMimeBase64(body: string): ParsedMime {
  const base64 = body.replace(/\s+/g, '');
  if (!base64 || !isBase64(base64)) throw new MimeContentError('Invalid base64 string for MIME content.');
  return parseMime(Buffer.from(base64, 'base64'));
}

export function parseMime(message: Buffer): ParsedMime {
  const entity = splitEntity(message.toString('latin1'));
  if (entity.headers.length === 0) throw new MimeContentError('The MIME content has no headers.');
  const bodies = { html: '', text: '' };
  collectBodies(entity, bodies, 0);
  return {
    to: ['to', 'cc', 'bcc'].flatMap((name) => all(entity, name).flatMap(addresses)),
    subject: decodeWords(first(entity, 'subject') ?? ''),
    ...bodies,
    headers: Object.fromEntries(entity.headers.filter(([name]) => /^x-/i.test(name)).map(([name, value]) => [name, decodeWords(value)])),
  };
}

/** Headers and body of one entity (the message or a part); a part may have no headers. */
function splitEntity(raw: string): Entity {
  const blank = /\r?\n\r?\n/.exec(raw);
  const startsBlank = /^\r?\n/.exec(raw);
  if (startsBlank) return { headers: [], body: raw.slice(startsBlank[0].length) };
  const head = blank ? raw.slice(0, blank.index) : raw;
  const body = blank ? raw.slice(blank.index + blank[0].length) : '';
  return { headers: parseHeaders(head), body };
}

/** Unfolds continuation lines (RFC 5322 §2.2.3) and splits "Name: value". */
function parseHeaders(head: string): Array<[string, string]> {
  // Header bytes are ASCII, or UTF-8 where the sender uses RFC 6532.
  const lines = Buffer.from(head, 'latin1').toString('utf8').split(/\r?\n/);
  const fields: string[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  return fields.map((field) => {
    const colon = field.indexOf(':');
    const name = field.slice(0, colon).trim();
    if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw new MimeContentError(`Not a header line: '${field.slice(0, 40)}'.`);
    return [name, field.slice(colon + 1).trim()];
  });
}

function all(entity: Entity, name: string): string[] {
  return entity.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

function first(entity: Entity, name: string): string | undefined {
  return all(entity, name)[0];
}

/** Fills `into` with the first plain-text and HTML bodies found, depth first. */
function collectBodies(entity: Entity, into: { html: string; text: string }, depth: number): void {
  if (depth > MAX_DEPTH) throw new MimeContentError('Multiparts are nested too deeply.');
  const type = contentType(first(entity, 'content-type'));
  if (type.type.startsWith('multipart/')) {
    for (const part of multipartParts(entity.body, type)) collectBodies(splitEntity(part), into, depth + 1);
    return;
  }
  if (/^attachment/i.test(first(entity, 'content-disposition') ?? '')) return;
  const key = type.type === 'text/html' ? 'html' : type.type === 'text/plain' ? 'text' : undefined;
  if (!key || into[key]) return;
  into[key] = decodeCharset(transferDecode(entity.body, first(entity, 'content-transfer-encoding')), type.params.charset ?? 'us-ascii');
}

/** The parts between boundary delimiter lines (RFC 2046 §5.1.1); preamble and epilogue dropped. */
function multipartParts(body: string, type: ContentType): string[] {
  const boundary = type.params.boundary;
  if (!boundary || boundary.length > 70) throw new MimeContentError(`${type.type} needs a boundary of 1-70 characters.`);
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escapeRegExp(boundary)}(--)?[ \\t]*(?:\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let start: number | undefined;
  for (const match of body.matchAll(delimiter)) {
    if (start !== undefined) parts.push(body.slice(start, match.index));
    if (match[1]) return parts;
    start = match.index + match[0].length;
  }
  // Why: a missing close delimiter is common in hand-written mail; the last part runs to the end.
  if (start !== undefined) parts.push(body.slice(start));
  if (parts.length === 0) throw new MimeContentError(`No part delimited by '--${boundary}' was found.`);
  return parts;
}

/** `type/subtype; name=value; name="quoted"` (RFC 2045 §5.1); missing means text/plain. */
function contentType(header: string | undefined): ContentType {
  if (!header) return { type: 'text/plain', params: {} };
  const [type = '', ...rest] = splitParams(header);
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    const value = param.slice(eq + 1).trim();
    params[param.slice(0, eq).trim().toLowerCase()] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Splits on semicolons outside quoted strings. */
function splitParams(header: string): string[] {
  return header.match(/(?:[^;"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
}

/** The part's bytes as a binary string, from its Content-Transfer-Encoding. */
function transferDecode(body: string, encoding: string | undefined): Buffer {
  switch ((encoding ?? '7bit').trim().toLowerCase()) {
    case 'base64': {
      const base64 = body.replace(/\s+/g, '');
      if (!isBase64(base64)) throw new MimeContentError('A body part has invalid base64.');
      return Buffer.from(base64, 'base64');
    }
    case 'quoted-printable':
      return Buffer.from(quotedPrintable(body), 'latin1');
    case '7bit':
    case '8bit':
    case 'binary':
      return Buffer.from(body, 'latin1');
    default:
      throw new MimeContentError(`Unknown Content-Transfer-Encoding '${encoding ?? ''}'.`);
  }
}

/** RFC 2045 §6.7: trailing blanks dropped, soft line breaks joined, =XX to bytes; a stray "=" stays. */
function quotedPrintable(body: string): string {
  return body
    .replace(/[ \t]+(?=\r?\n|$)/g, '')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    // ignoreBOM keeps a leading U+FEFF that belongs to the text.
    return new TextDecoder(charset.toLowerCase() === 'us-ascii' ? 'utf-8' : charset, { ignoreBOM: true }).decode(bytes);
  } catch {
    throw new MimeContentError(`Unknown charset '${charset}'.`);
  }
}

/**
 * Decodes RFC 2047 encoded-words in an unstructured value. Blanks between two encoded-words
 * are dropped (§6.2), and adjacent words in one charset are joined as bytes first, since some
 * senders split a character across words.
 */
function decodeWords(value: string): string {
  const word = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;
  let out = '';
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  let last = 0;
  const flush = () => {
    if (pending) out += decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    pending = undefined;
  };
  for (const match of value.matchAll(word)) {
    const between = value.slice(last, match.index);
    if (!pending || !/^[ \t]*$/.test(between)) {
      flush();
      out += between;
    }
    const [, charset = 'utf-8', encoding = 'B', text = ''] = match;
    const bytes = wordBytes(encoding, text);
    if (pending && pending.charset.toLowerCase() !== charset.toLowerCase()) flush();
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    last = match.index + match[0].length;
  }
  flush();
  return out + value.slice(last);
}

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding.toUpperCase() === 'B') {
    if (!isBase64(text)) throw new MimeContentError('An encoded-word has invalid base64.');
    return Buffer.from(text, 'base64');
  }
  return Buffer.from(quotedPrintable(text.replace(/_/g, ' ')), 'latin1');
}

/** Addresses in an address list: `a@b`, `Name <a@b>`, `"Last, First" <a@b>`, groups `team: a@b, c@d;`. */
function addresses(list: string): string[] {
  const items = list.match(/(?:[^,"<]|"(?:[^"\\]|\\.)*"|<[^>]*>)+/g) ?? [];
  return items
    .map((item) => {
      const angle = /<([^>]*)>/.exec(item);
      if (angle) return (angle[1] ?? '').trim();
      return item.replace(/\([^)]*\)/g, '').replace(/^[^@"]*:/, '').replace(/;\s*$/, '').trim();
    })
    .filter((address) => address.includes('@'));
}

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
