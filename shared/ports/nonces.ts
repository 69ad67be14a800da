/** Single-use tokens: a nonce can be consumed once. */
export interface NonceStore {
  /** True the first time; false when the nonce was used before. */
  consume(nonce: string, expiresAt: Date): Promise<boolean>;
}
