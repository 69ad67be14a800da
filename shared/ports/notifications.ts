/**
 * Which mails went out, one row per (event, recipient): the consumer claims the row before
 * sending, so a redelivered event never mails anyone twice.
 */
export interface NotificationLog {
  /** True the first time for this event and recipient; false when already claimed. */
  claim(eventId: string, recipient: string, summary: string): Promise<boolean>;
  /** Gives the claim back after a send that certainly failed, so a redelivery can retry. */
  release(eventId: string, recipient: string): Promise<void>;
  list(eventId?: string): Promise<Array<{ eventId: string; recipient: string; summary: string }>>;
}
