import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Signer } from '../../ports/signer';

/** One secret and its id (settings such as PIM_APPROVAL_LINK_KEYS give these, first key signs). */
export interface HmacKey {
  kid: string;
  key: Uint8Array;
}

/** The Signer port over node:crypto: HMAC-SHA256, the first key signs, every key verifies. */
export function hmacSigner(keys: readonly HmacKey[]): Signer {
  const byId = new Map<string, Uint8Array>();
  for (const k of keys) if (!byId.has(k.kid)) byId.set(k.kid, k.key);
  const signingKeyId = keys[0]?.kid;
  const mac = (key: Uint8Array, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
  return {
    signingKeyId,
    hasKey: (kid) => byId.has(kid),
    sign(data, kid = signingKeyId) {
      const key = kid === undefined ? undefined : byId.get(kid);
      if (!key) throw new Error(kid === undefined ? 'No signing key is configured.' : `The signing key "${kid}" is not configured.`);
      return mac(key, data);
    },
    verify(data, given, kid = signingKeyId) {
      const key = kid === undefined ? undefined : byId.get(kid);
      if (!key) return false;
      const expected = mac(key, data);
      // Why: a timing-safe comparison does not reveal how much of a forged MAC was right.
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
