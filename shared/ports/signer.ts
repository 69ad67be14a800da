/**
 * Message authentication under named keys (HMAC-SHA256 in the adapter). The keys stay behind
 * this port: the app names a key by its id, and never sees or compares key material or MACs
 * itself. Several keys may be configured so they rotate: the first signs by default, and any
 * configured key verifies what it signed.
 */
export interface Signer {
  /** The id of the key that signs when none is named (the first configured); undefined when there is none. */
  readonly signingKeyId: string | undefined;
  /** Whether a key with this id is configured. */
  hasKey(kid: string): boolean;
  /** The MAC of `data` (UTF-8) under key `kid`, by default the signing key. Throws when that key is not configured. */
  sign(data: string, kid?: string): Uint8Array;
  /**
   * Whether `mac` is the MAC of `data` under key `kid` (by default the signing key), compared in
   * constant time. False for a key that is not configured, or a MAC of the wrong length.
   */
  verify(data: string, mac: Uint8Array, kid?: string): boolean;
}
