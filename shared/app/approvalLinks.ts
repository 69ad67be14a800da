import { randomBytes } from 'node:crypto';
import type { Signer } from '../ports/signer';

/**
 * Signed approval-link tokens: each approver's emailed link carries a token bound to one
 * request, one stage, that approver, an expiry and a nonce (so a used link cannot be replayed).
 * MAC'd by the Signer port (HMAC-SHA256) under a key id, so keys rotate: the signing key signs,
 * every configured key verifies.
 *
 * Format: `v1.<kid>.<payload base64url>.<mac base64url>`, the MAC over `v1.<kid>.<payload>`.
 */

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

export function signLink(signer: Signer, claims: LinkClaims): string {
  const kid = signer.signingKeyId;
  if (kid === undefined) throw new Error('No approval-link key is configured.');
  const payload = Buffer.from(
    JSON.stringify({ rid: claims.requestId, stg: claims.stage, aid: claims.approverId, exp: Math.floor(claims.expiresAt.getTime() / 1000), n: claims.nonce }),
  ).toString('base64url');
  const signed = `${VERSION}.${kid}.${payload}`;
  return `${signed}.${Buffer.from(signer.sign(signed, kid)).toString('base64url')}`;
}

/** Checks a token; constant-time MAC comparison, and only canonical encodings are accepted. */
export function verifyLink(signer: Signer, token: string, now: Date): LinkCheck {
  const parts = token.split('.');
  if (parts.length !== 4) return { ok: false, reason: 'malformed' };
  const [version, kid, payload, signature] = parts as [string, string, string, string];
  if (version !== VERSION || !isCanonicalBase64url(payload) || !isCanonicalBase64url(signature)) return { ok: false, reason: 'malformed' };
  if (!signer.hasKey(kid)) return { ok: false, reason: 'unknownKey' };
  // Why: the port compares in constant time, so a forged MAC learns nothing from how long it took.
  if (!signer.verify(`${version}.${kid}.${payload}`, Buffer.from(signature, 'base64url'), kid)) return { ok: false, reason: 'badSignature' };
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

/** base64url that decodes and re-encodes to itself (no padding, no stray bits, no other alphabet). */
function isCanonicalBase64url(text: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
}
