import { describe, expect, it } from 'vitest';
import { hmacSigner } from '../../../shared/adapters/crypto/hmacSigner';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const k1 = { kid: 'k1', key: Buffer.alloc(32, 1) };
const k2 = { kid: 'k2', key: Buffer.alloc(32, 2) };

describe('hmacSigner (the Signer port over node:crypto)', () => {
  it('computes HMAC-SHA256 (RFC 4231 test case 2)', () => {
    const signer = hmacSigner([{ kid: 'jefe', key: Buffer.from('Jefe') }]);
    expect(hex(signer.sign('what do ya want for nothing?'))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('signs with the first key unless told which, and verifies under any configured key', () => {
    const signer = hmacSigner([k2, k1]);
    expect(signer.signingKeyId).toBe('k2');
    expect(hex(signer.sign('data'))).toBe(hex(signer.sign('data', 'k2')));
    const byOld = hmacSigner([k1]).sign('data');
    expect(signer.verify('data', byOld, 'k1')).toBe(true);
    expect(signer.verify('data', byOld)).toBe(false);
    expect(signer.verify('data', byOld, 'k2')).toBe(false);
  });

  it('refuses changed data, a changed or shortened MAC, and keys it does not hold', () => {
    const signer = hmacSigner([k1]);
    const mac = signer.sign('data');
    expect(signer.verify('data', mac)).toBe(true);
    expect(signer.verify('datA', mac)).toBe(false);
    const flipped = Uint8Array.from(mac);
    flipped[31] = (flipped[31] ?? 0) ^ 1;
    expect(signer.verify('data', flipped)).toBe(false);
    expect(signer.verify('data', mac.subarray(0, 16))).toBe(false);
    expect(signer.verify('data', mac, 'k9')).toBe(false);
    expect(signer.hasKey('k1')).toBe(true);
    expect(signer.hasKey('k9')).toBe(false);
    expect(() => signer.sign('data', 'k9')).toThrow(/"k9" is not configured/);
  });

  it('with no keys: nothing signs and nothing verifies', () => {
    const signer = hmacSigner([]);
    expect(signer.signingKeyId).toBeUndefined();
    expect(() => signer.sign('data')).toThrow(/No signing key/);
    expect(signer.verify('data', new Uint8Array(32))).toBe(false);
  });
});
