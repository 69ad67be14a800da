/** Requests allowed per hour and bucket, as ARM's long-standing defaults (reads, and writes and deletes). */
export interface RateLimitOptions {
  reads: number;
  writes: number;
}

export const ARM_DEFAULT_LIMITS: RateLimitOptions = { reads: 12_000, writes: 1_200 };

/** What a request used: what remains in its bucket, or, when none remains, how long until some does. */
export type Taken = { header: string; remaining: number } | { header: string; retryAfterSeconds: number };

/**
 * ARM's request counting, simply: each subscription (or the tenant, for calls above any
 * subscription) has so many reads and writes an hour; answers say what remains in
 * `x-ms-ratelimit-remaining-{subscription|tenant}-{reads|writes}`, and a request past the limit
 * is refused with 429 and a Retry-After until the hour turns.
 */
export class RateLimits {
  private readonly used = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly limits: RateLimitOptions = ARM_DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  take(bucket: { subscriptionId?: string }, kind: 'reads' | 'writes'): Taken {
    const level = bucket.subscriptionId ? 'subscription' : 'tenant';
    const header = `x-ms-ratelimit-remaining-${level}-${kind}`;
    const key = `${level}|${bucket.subscriptionId?.toLowerCase() ?? ''}|${kind}`;
    const hour = 3_600_000;
    const window = Math.floor(this.now() / hour);
    const entry = this.used.get(key);
    const count = entry && entry.window === window ? entry.count : 0;
    const limit = this.limits[kind];
    if (count >= limit) return { header, retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * hour - this.now()) / 1000)) };
    this.used.set(key, { window, count: count + 1 });
    return { header, remaining: limit - count - 1 };
  }
}
