/** Sends mail from the service's mailbox (Microsoft Graph sendMail in production). */
export interface Mailer {
  send(message: OutgoingMail): Promise<void>;
}

export interface OutgoingMail {
  to: string[];
  subject: string;
  /** The HTML body; links in it must be absolute. */
  html: string;
  /** The same content as plain text. */
  text: string;
  /** Extra X- internet message headers, e.g. X-PIM-Event-Id. */
  headers?: Record<string, string>;
}
