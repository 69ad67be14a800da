import type { NonceHold, NonceStore } from '../../ports/nonces';
import { escapeKey } from './keys';
import { statusCodeOf, type TableAccess } from './tableAccess';

/**
 * How long a hold keeps other attempts out. Why this long: an attempt cannot outlive the
 * host's functionTimeout (10 minutes, host.json), so a hold older than that belongs to an
 * attempt that died (crash, timeout) and may be taken over.
 */
export const HOLD_MS = 10 * 60 * 1000;

interface NonceEntity {
  partitionKey: string;
  rowKey: string;
  expiresAt: string;
  /** Absent on rows written before holds existed: those were consumed, so count as spent. */
  state?: 'held' | 'spent';
  heldUntil?: string;
}

const PARTITION = 'approvalLink';

/**
 * Nonces in Table Storage, one row each: created (create-only, so one attempt wins) as held,
 * then marked spent or deleted. Every change after the create is conditional on the ETag the
 * hold got, so a late release never frees a nonce another attempt holds or spent.
 */
export function tableNonceStore(tables: TableAccess, now: () => Date = () => new Date()): NonceStore {
  const table = () => tables.table('UsedNonces');
  return {
    async hold(nonce, expiresAt) {
      const client = await table();
      const row: NonceEntity = { partitionKey: PARTITION, rowKey: escapeKey(nonce), expiresAt: expiresAt.toISOString(), state: 'held', heldUntil: new Date(now().getTime() + HOLD_MS).toISOString() };
      try {
        const created = await client.createEntity(row);
        return holdOf(row, created.etag);
      } catch (error) {
        if (statusCodeOf(error) !== 409) throw error;
      }
      const existing = await client.getEntity<NonceEntity>(PARTITION, row.rowKey);
      if (existing.state !== 'held') return 'used';
      if (existing.heldUntil && Date.parse(existing.heldUntil) > now().getTime()) return 'busy';
      // The attempt that held it died; this one takes over, unless a third got there first.
      try {
        const taken = await client.updateEntity(row, 'Replace', { etag: existing.etag });
        return holdOf(row, taken.etag);
      } catch (error) {
        if (statusCodeOf(error) === 412) return 'busy';
        throw error;
      }
    },
  };

  function holdOf(row: NonceEntity, etag: string | undefined): NonceHold {
    return {
      async spend() {
        const client = await table();
        // Unconditional: the effect is recorded, so the nonce is used whoever holds it now.
        await client.upsertEntity({ ...row, state: 'spent', heldUntil: undefined }, 'Replace');
      },
      async release() {
        const client = await table();
        try {
          await client.deleteEntity(row.partitionKey, row.rowKey, etag ? { etag } : {});
        } catch (error) {
          // Gone already, or no longer ours (taken over or spent): nothing of ours to free.
          if (statusCodeOf(error) !== 404 && statusCodeOf(error) !== 412) throw error;
        }
      },
    };
  }
}
