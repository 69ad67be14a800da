/**
 * Answers kept for a while, by key. Keeps the promise, so callers asking for the same key at
 * the same time share one load; a load that fails or finds nothing is not kept (the next call
 * asks again: a scope created a moment ago must not stay unknown for minutes).
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: Promise<T | undefined>; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    const value = load();
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    const forget = () => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    };
    value.then((v) => v === undefined && forget(), forget);
    return value;
  }
}
