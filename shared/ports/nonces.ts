/**
 * Single-use tokens (an approval link's nonce). A nonce is held while one attempt runs, then
 * spent once the attempt's effect is recorded, or released when it was not, so a transient
 * failure does not use the token up and a recorded one cannot be replayed.
 */
export interface NonceStore {
  /**
   * Holds the nonce for one attempt. 'used': it was spent before. 'busy': another attempt
   * holds it right now.
   */
  hold(nonce: string, expiresAt: Date): Promise<NonceHold | 'used' | 'busy'>;
}

export interface NonceHold {
  /** The attempt's effect is recorded: the nonce is used up for good. */
  spend(): Promise<void>;
  /** Nothing was recorded: the nonce may be used again. */
  release(): Promise<void>;
}
