import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HmacKey as LinkKey, hmacSigner } from '../../../shared/adapters/crypto/hmacSigner';
import * as links from '../../../shared/app/approvalLinks';
import { type LinkClaims, newNonce } from '../../../shared/app/approvalLinks';

// The tests name raw keys; the app signs and verifies through the Signer port, here its node:crypto adapter.
const signLink = (keys: LinkKey[], c: LinkClaims) => links.signLink(hmacSigner(keys), c);
const verifyLink = (keys: LinkKey[], token: string, now: Date) => links.verifyLink(hmacSigner(keys), token, now);

const key = (kid: string, fill: number): LinkKey => ({ kid, key: Buffer.alloc(32, fill) });
const k1 = key('k1', 1);
const k2 = key('k2', 2);
const now = new Date('2026-11-23T10:00:00Z');
const claims = (): LinkClaims => ({
  requestId: '5f0c2c1e-1111-4c4c-9999-000000000001',
  stage: 0,
  approverId: '375306f3-8c15-476d-9f9d-01dc542d1672',
  expiresAt: new Date(now.getTime() + 3_600_000),
  nonce: newNonce(),
});

describe('approval link tokens', () => {
  it('verify with their claims', () => {
    const c = claims();
    expect(verifyLink([k1], signLink([k1], c), now)).toEqual({ ok: true, claims: { ...c, expiresAt: new Date(Math.floor(c.expiresAt.getTime() / 1000) * 1000) } });
  });

  it('refuse every single-byte change, wherever it is', () => {
    const token = signLink([k1], claims());
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(...alphabet), (at, replacement) => {
        fc.pre(token[at] !== replacement);
        const tampered = token.slice(0, at) + replacement + token.slice(at + 1);
        expect(verifyLink([k1, k2], tampered, now).ok).toBe(false);
      }),
      { numRuns: 2_000 },
    );
    for (let at = 0; at < token.length; at++) {
      expect(verifyLink([k1], token.slice(0, at) + token.slice(at + 1), now).ok).toBe(false);
    }
  });

  it('expire', () => {
    const token = signLink([k1], { ...claims(), expiresAt: new Date(now.getTime() + 1_000) });
    expect(verifyLink([k1], token, new Date(now.getTime() + 2_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('rotate: the old key verifies until it is removed, the first key signs', () => {
    const old = signLink([k1], claims());
    expect(verifyLink([k2, k1], old, now).ok).toBe(true);
    expect(verifyLink([k2], old, now)).toEqual({ ok: false, reason: 'unknownKey' });
    const fresh = signLink([k2, k1], claims());
    expect(fresh.split('.')[1]).toBe('k2');
  });

  it('do not verify under another key with the same id', () => {
    expect(verifyLink([key('k1', 9)], signLink([k1], claims()), now)).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('carry a fresh nonce each time (links are single-use by nonce)', () => {
    const nonces = new Set(Array.from({ length: 1_000 }, () => newNonce()));
    expect(nonces.size).toBe(1_000);
  });
});
