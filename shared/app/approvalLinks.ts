import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed approval-link tokens: each approver's emailed link carries a token bound to one
 * request, one stage, that approver, an expiry and a nonce (so a used link cannot be replayed).
 * HMAC-SHA256 under a key id, so keys rotate: the first key signs, every listed key verifies.
 *
 * Format: `v1.<kid>.<payload base64url>.<mac base64url>`, the MAC over `v1.<kid>.<payload>`.
 */
export interface LinkKey {
  kid: string;
  key: Buffer;
}

export interface LinkClaims {
  requestId: string;
  stage: number;
  approverId: string;
  expiresAt: Date;
  nonce: string;
}

export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'malformed' | 'unknownKey' | 'badSignature' | 'expired' };

const VERSION = 'v1';

export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function signLink(keys: readonly LinkKey[], claims: LinkClaims): string {
  const signing = keys[0];
  if (!signing) throw new Error('No approval-link key is configured.');
  const payload = Buffer.from(
    JSON.stringify({ rid: claims.requestId, stg: claims.stage, aid: claims.approverId, exp: Math.floor(claims.expiresAt.getTime() / 1000), n: claims.nonce }),
  ).toString('base64url');
  const signed = `${VERSION}.${signing.kid}.${payload}`;
  return `${signed}.${mac(signing.key, signed).toString('base64url')}`;
}

/** Checks a token; constant-time MAC comparison, and only canonical encodings are accepted. */
export function verifyLink(keys: readonly LinkKey[], token: string, now: Date): LinkCheck {
  const parts = token.split('.');
  if (parts.length !== 4) return { ok: false, reason: 'malformed' };
  const [version, kid, payload, signature] = parts as [string, string, string, string];
  if (version !== VERSION || !isCanonicalBase64url(payload) || !isCanonicalBase64url(signature)) return { ok: false, reason: 'malformed' };
  const key = keys.find((k) => k.kid === kid);
  if (!key) return { ok: false, reason: 'unknownKey' };
  const expected = mac(key.key, `${version}.${kid}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  // Why: a timing-safe comparison does not reveal how much of a forged MAC was right.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'badSignature' };
  let raw: { rid?: unknown; stg?: unknown; aid?: unknown; exp?: unknown; n?: unknown };
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof raw;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof raw.rid !== 'string' || typeof raw.stg !== 'number' || typeof raw.aid !== 'string' || typeof raw.exp !== 'number' || typeof raw.n !== 'string') {
    return { ok: false, reason: 'malformed' };
  }
  if (raw.exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { requestId: raw.rid, stage: raw.stg, approverId: raw.aid, expiresAt: new Date(raw.exp * 1000), nonce: raw.n } };
}

function mac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** base64url that decodes and re-encodes to itself (no padding, no stray bits, no other alphabet). */
function isCanonicalBase64url(text: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
}
