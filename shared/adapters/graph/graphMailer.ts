import { Client, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { Mailer } from '../../ports/mailer';

export interface GraphMailerOptions {
  baseUrl: string;
  getToken: () => Promise<string>;
  /** The mailbox mail is sent from (PIM_MAIL_SENDER). */
  sender: string;
  retry?: { delaySeconds: number; maxRetries: number };
}

/** Mailer over Graph `POST /users/{sender}/sendMail` (202), retrying throttling like the directory adapter. */
export function graphMailer(options: GraphMailerOptions): Mailer {
  const client = Client.init({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(options.baseUrl).hostname]),
    authProvider: (done) => {
      options.getToken().then((token) => done(null, token), (error: unknown) => done(error as Error, null));
    },
  });
  const retry = new RetryHandlerOptions(options.retry?.delaySeconds ?? 3, options.retry?.maxRetries ?? 3);
  return {
    async send(message) {
      await client
        .api(`/users/${encodeURIComponent(options.sender)}/sendMail`)
        .middlewareOptions([retry])
        .post({
          message: {
            subject: message.subject,
            body: { contentType: 'HTML', content: message.html },
            toRecipients: message.to.map((address) => ({ emailAddress: { address } })),
          },
          saveToSentItems: false,
        });
    },
  };
}
