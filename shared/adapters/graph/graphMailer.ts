import { randomUUID } from 'node:crypto';
import { RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { Mailer } from '../../ports/mailer';
import { buildMime } from './mime';
import { graphClient } from './graphClient';

export interface GraphMailerOptions {
  baseUrl: string;
  getToken: () => Promise<string>;
  /** The mailbox mail is sent from (PIM_MAIL_SENDER). */
  sender: string;
  retry?: { delaySeconds: number; maxRetries: number };
}

/**
 * Mailer over Graph `POST /users/{sender}/sendMail` (202) in its MIME form: the body is the
 * base64 of an RFC 5322 message, sent as text/plain. The JSON form has one body only; MIME
 * carries both the HTML and the plain-text alternative. Throttling is retried like the
 * directory adapter does.
 */
export function graphMailer(options: GraphMailerOptions): Mailer {
  const client = graphClient(options);
  const retry = new RetryHandlerOptions(options.retry?.delaySeconds ?? 3, options.retry?.maxRetries ?? 3);
  return {
    async send(message) {
      // Built before the request, so a refused header (MailHeaderError) sends nothing.
      const mime = buildMime(message, { from: options.sender, date: new Date(), id: randomUUID() });
      await client
        .api(`/users/${encodeURIComponent(options.sender)}/sendMail`)
        .middlewareOptions([retry])
        // A string body is sent as is; without this header the client would label it JSON.
        .header('Content-Type', 'text/plain')
        .post(Buffer.from(mime, 'utf8').toString('base64'));
    },
  };
}
