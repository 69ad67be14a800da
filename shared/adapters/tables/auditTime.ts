/**
 * The audit chain's time columns (see auditReads.ts for why): each record row's `atMs`, the
 * latest activityDateTime up to it, and the head's `lagMs`, the most a record's own time has
 * lagged its row's atMs. Written by the appends (auditLog.ts, auditChain.ts), read by the reads.
 */
export interface ChainTime {
  atMs: number;
  lagMs: number;
}

/** The chain's time columns after one more record whose activityDateTime is `timeMs`. */
export function timeAfter(previous: Partial<ChainTime> | undefined, timeMs: number): ChainTime {
  const before = previous?.atMs ?? Number.NEGATIVE_INFINITY;
  const own = Number.isFinite(timeMs) ? timeMs : before;
  const atMs = Math.max(before, own);
  return { atMs: Number.isFinite(atMs) ? atMs : 0, lagMs: Math.max(previous?.lagMs ?? 0, atMs - own) };
}
