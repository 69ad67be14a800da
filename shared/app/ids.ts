import { randomUUID } from 'node:crypto';

/**
 * A new id made together with `sibling` (a request and the schedule it creates): a random
 * version-4 GUID sharing the sibling's first two characters, so storage can index both in one
 * write (its id index is partitioned by them).
 */
export function siblingId(sibling: string): string {
  return `${sibling.slice(0, 2)}${randomUUID().slice(2)}`;
}

/**
 * The id of the schedule a request creates: new, or, when the client named the request (ARM),
 * a sibling of that name, so the two are still indexed in one write.
 */
export function scheduleIdFor(body: { requestId?: string }): string {
  return body.requestId ? siblingId(body.requestId) : randomUUID();
}
