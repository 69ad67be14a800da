import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';

/** A mail the Graph stand-in "sent", kept so people and tests can read it (GET /.devhost/mail). */
export interface SentMail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  /** 'HTML' when the mail has an HTML body, else 'Text' (as Graph's itemBody). */
  contentType: string;
  /** The HTML body, or the text when there is no HTML (the shape before `html` and `text`). */
  body: string;
  html: string;
  text: string;
  /** X- internet message headers, e.g. X-PIM-Event-Id. */
  headers: Record<string, string>;
  sentDateTime: string;
  /** Every http(s) link in the HTML (or in the text when there is no HTML), e.g. approval links. */
  links: string[];
}

/** A mail as either form of sendMail delivers it, before the mailbox adds id, time and links. */
export interface IncomingMail {
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/**
 * What the table keeps: `body` and `contentType` are derived on reading, so HTML is stored once;
 * mail stored before `html`, `text` and `headers` existed has only `body` and `contentType`.
 */
type Derived = 'body' | 'contentType' | 'html' | 'text' | 'headers';
type StoredMail = Omit<SentMail, Derived> & Partial<Pick<SentMail, Derived>>;

// Why: a Table Storage string property holds at most 32K UTF-16 characters, so a long mail is
// spread over json, json1, json2, ... rather than failing to store.
const CHUNK = 30_000;

export class DevMailbox {
  constructor(private readonly table: TableClient) {}

  /** Stores a mail; returns a problem description when it names no recipient. */
  async store(incoming: IncomingMail): Promise<SentMail | string> {
    if (incoming.to.length === 0) return 'At least one recipient is required (toRecipients, or To/Cc/Bcc in MIME).';
    const stored: StoredMail = {
      id: randomUUID(),
      ...incoming,
      sentDateTime: new Date().toISOString(),
      links: linksIn(incoming.html || incoming.text),
    };
    const json = JSON.stringify(stored);
    const chunks: Record<string, string> = {};
    for (let i = 0; i * CHUNK < json.length; i++) chunks[i === 0 ? 'json' : `json${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
    await this.table.createEntity({ partitionKey: 'mail', rowKey: `${stored.sentDateTime}_${stored.id}`, ...chunks });
    return withBody(stored);
  }

  /** Mail to `recipient` (To, Cc or Bcc; any case), or all mail, newest first. */
  async list(recipient?: string): Promise<SentMail[]> {
    const out: SentMail[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${'mail'}` } })) {
      const mail = withBody(JSON.parse(joinChunks(e)) as StoredMail);
      if (!recipient || mail.to.some((t) => t.toLowerCase() === recipient.toLowerCase())) out.push(mail);
    }
    return out.sort((a, b) => b.sentDateTime.localeCompare(a.sentDateTime));
  }
}

/** Graph's JSON sendMail `message` as a mail; returns a problem description when it is not one. */
export function fromGraphJson(from: string, raw: Record<string, unknown>): IncomingMail | string {
  const message = raw as { subject?: unknown; body?: { contentType?: unknown; content?: unknown }; toRecipients?: unknown; internetMessageHeaders?: unknown };
  if (typeof message.subject !== 'string') return 'message.subject is required.';
  const content = typeof message.body?.content === 'string' ? message.body.content : '';
  const isHtml = typeof message.body?.contentType === 'string' && message.body.contentType.toLowerCase() === 'html';
  return {
    from,
    to: recipientsOf(message.toRecipients),
    subject: message.subject,
    html: isHtml ? content : '',
    text: isHtml ? '' : content,
    headers: headersOf(message.internetMessageHeaders),
  };
}

function recipientsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((r) => (r as { emailAddress?: { address?: unknown } }).emailAddress?.address).filter((a): a is string => typeof a === 'string');
}

function headersOf(list: unknown): Record<string, string> {
  if (!Array.isArray(list)) return {};
  const pairs = list.map((h) => h as { name?: unknown; value?: unknown }).filter((h) => typeof h.name === 'string' && typeof h.value === 'string');
  return Object.fromEntries(pairs.map((h) => [String(h.name), String(h.value)]));
}

function linksIn(body: string): string[] {
  return [...body.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0].replace(/&amp;/g, '&'));
}

/** The mail with both the MIME-era fields and the earlier `body`/`contentType`. */
function withBody(stored: StoredMail): SentMail {
  const legacyHtml = stored.contentType?.toLowerCase() === 'html';
  const html = stored.html ?? (legacyHtml ? (stored.body ?? '') : '');
  const text = stored.text ?? (legacyHtml ? '' : (stored.body ?? ''));
  const { body: _body, contentType: _contentType, ...rest } = stored;
  return { ...rest, html, text, headers: stored.headers ?? {}, contentType: html ? 'HTML' : 'Text', body: html || text };
}

function joinChunks(entity: Record<string, unknown>): string {
  let json = typeof entity.json === 'string' ? entity.json : '';
  for (let i = 1; typeof entity[`json${i}`] === 'string'; i++) json += String(entity[`json${i}`]);
  return json;
}
