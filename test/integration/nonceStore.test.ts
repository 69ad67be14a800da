import { describe, expect, it } from 'vitest';
import { HOLD_MS, tableNonceStore } from '../../shared/adapters/tables/nonceStore';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import type { NonceHold } from '../../shared/ports/nonces';
import { testStorage, uniquePrefix } from '../devhost/helpers';

const EXPIRES = new Date(Date.now() + 3_600_000);

function store() {
  const tables = new TableAccess(testStorage(), uniquePrefix('Nonce'));
  let clock = Date.now();
  return { tables, nonces: tableNonceStore(tables, () => new Date(clock)), advance: (ms: number) => (clock += ms) };
}

function held(result: NonceHold | 'used' | 'busy'): NonceHold {
  if (typeof result === 'string') throw new Error(`expected a hold, got ${result}`);
  return result;
}

describe('approval-link nonces (Table Storage)', () => {
  it('one attempt at a time; a released nonce can be held again; a spent one never', async () => {
    const { nonces } = store();
    const first = held(await nonces.hold('n1', EXPIRES));
    expect(await nonces.hold('n1', EXPIRES)).toBe('busy');
    await first.release();
    const second = held(await nonces.hold('n1', EXPIRES));
    await second.spend();
    expect(await nonces.hold('n1', EXPIRES)).toBe('used');
  });

  it('takes over a hold whose attempt died, and the dead attempt\'s late release frees nothing', async () => {
    const { nonces, advance } = store();
    const dead = held(await nonces.hold('n2', EXPIRES));
    advance(HOLD_MS + 1_000);
    const live = held(await nonces.hold('n2', EXPIRES));
    await dead.release();
    expect(await nonces.hold('n2', EXPIRES)).toBe('busy');
    await live.spend();
    expect(await nonces.hold('n2', EXPIRES)).toBe('used');
  });

  it('counts a nonce consumed before holds existed (a row without state) as used', async () => {
    const { tables, nonces } = store();
    await (await tables.table('UsedNonces')).createEntity({ partitionKey: 'approvalLink', rowKey: 'n3', expiresAt: EXPIRES.toISOString() });
    expect(await nonces.hold('n3', EXPIRES)).toBe('used');
  });
});
