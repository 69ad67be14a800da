import { randomUUID } from 'node:crypto';

/**
 * A new id made together with `sibling` (a request and the schedule it creates): a random
 * version-4 GUID sharing the sibling's first two characters, so storage can index both in one
 * write (its id index is partitioned by them).
 */
export function siblingId(sibling: string): string {
  return `${sibling.slice(0, 2)}${randomUUID().slice(2)}`;
}
