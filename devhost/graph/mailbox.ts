import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';

/** A mail the Graph stand-in "sent", kept so people and tests can read it (GET /.devhost/mail). */
export interface SentMail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  contentType: string;
  body: string;
  sentDateTime: string;
  /** Every http(s) link in the body, e.g. approval links. */
  links: string[];
}

export class DevMailbox {
  constructor(private readonly table: TableClient) {}

  /** Stores a Graph sendMail message; returns a problem description when it is not one. */
  async store(from: string, raw: Record<string, unknown>): Promise<SentMail | string> {
    const message = raw as { subject?: unknown; body?: { contentType?: unknown; content?: unknown }; toRecipients?: unknown };
    const to = Array.isArray(message.toRecipients)
      ? message.toRecipients.map((r) => (r as { emailAddress?: { address?: unknown } }).emailAddress?.address).filter((a): a is string => typeof a === 'string')
      : [];
    if (to.length === 0) return 'message.toRecipients must name at least one emailAddress.address.';
    if (typeof message.subject !== 'string') return 'message.subject is required.';
    const body = typeof message.body?.content === 'string' ? message.body.content : '';
    const mail: SentMail = {
      id: randomUUID(),
      from,
      to,
      subject: message.subject,
      contentType: typeof message.body?.contentType === 'string' ? message.body.contentType : 'Text',
      body,
      sentDateTime: new Date().toISOString(),
      links: [...body.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0].replace(/&amp;/g, '&')),
    };
    await this.table.createEntity({ partitionKey: 'mail', rowKey: `${mail.sentDateTime}_${mail.id}`, json: JSON.stringify(mail) });
    return mail;
  }

  async list(recipient?: string): Promise<SentMail[]> {
    const out: SentMail[] = [];
    for await (const e of this.table.listEntities<{ json: string }>({ queryOptions: { filter: odata`PartitionKey eq ${'mail'}` } })) {
      const mail = JSON.parse(e.json) as SentMail;
      if (!recipient || mail.to.some((t) => t.toLowerCase() === recipient.toLowerCase())) out.push(mail);
    }
    return out.sort((a, b) => b.sentDateTime.localeCompare(a.sentDateTime));
  }
}
