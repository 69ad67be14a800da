import type { NonceStore } from '../../ports/nonces';
import { escapeKey } from './keys';
import { statusCodeOf, type TableAccess } from './tableAccess';

/** Used nonces, create-only: the first consume wins, every later one is refused. */
export function tableNonceStore(tables: TableAccess): NonceStore {
  return {
    async consume(nonce, expiresAt) {
      const table = await tables.table('UsedNonces');
      try {
        await table.createEntity({ partitionKey: 'approvalLink', rowKey: escapeKey(nonce), expiresAt: expiresAt.toISOString() });
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 409) return false;
        throw error;
      }
    },
  };
}
