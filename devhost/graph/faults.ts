/** Failures the Graph stand-in answers with on demand, so retries and fault handling are testable. */
export interface Fault {
  /** HTTP status to answer (e.g. 429, 503), or 0 for latency only. */
  status: number;
  /** How many matching requests get it. */
  count: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  method?: string;
  pathContains?: string;
  /** Share of matching requests that meet the fault (0-1, default 1); the rest pass untouched. */
  rate?: number;
  /**
   * A lost answer: the request is carried out, then its answer replaced by the fault (so a
   * client's retry meets what its first attempt did). Only stand-ins that ask for this phase
   * (`take(..., 'after')`) inject it; parseFault refuses it for the others.
   */
  afterHandling?: boolean;
}

/** When a fault strikes: before the request is handled (nothing happens), or after it (the answer is lost). */
export type FaultPhase = 'before' | 'after';

export class FaultInjector {
  private faults: Fault[] = [];
  injected = 0;
  /** Seeded, so a fault run at a set rate can be repeated exactly. */
  private random = seeded(1);

  /** Restarts the sequence that decides which requests a rated fault hits. */
  seed(value: number): void {
    this.random = seeded(value);
  }

  add(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault this request meets in this phase, if any (using one of its count). */
  take(method: string, path: string, phase: FaultPhase = 'before'): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.count > 0 &&
        (f.afterHandling === true) === (phase === 'after') &&
        (!f.method || f.method.toUpperCase() === method.toUpperCase()) &&
        (!f.pathContains || path.includes(f.pathContains)),
    );
    if (!fault) return undefined;
    if (fault.rate !== undefined && this.random() >= fault.rate) return undefined;
    fault.count--;
    this.faults = this.faults.filter((f) => f.count > 0);
    this.injected++;
    return fault;
  }
}

export function parseFault(body: unknown, options: { afterHandling?: boolean } = {}): Fault | string {
  if (typeof body !== 'object' || body === null) return 'Send a JSON object {status, count, retryAfterSeconds?, latencyMs?, method?, pathContains?, rate?}.';
  const f = body as Record<string, unknown>;
  const status = Number(f.status ?? 0);
  const count = Number(f.count ?? 1);
  if (!Number.isInteger(status) || (status !== 0 && (status < 400 || status > 599))) return 'status must be 0 (latency only) or 400-599.';
  if (!Number.isInteger(count) || count < 1) return 'count must be a positive whole number.';
  const fault: Fault = { status, count };
  if (f.retryAfterSeconds !== undefined) fault.retryAfterSeconds = Number(f.retryAfterSeconds);
  if (f.latencyMs !== undefined) fault.latencyMs = Number(f.latencyMs);
  if (typeof f.method === 'string') fault.method = f.method;
  if (typeof f.pathContains === 'string') fault.pathContains = f.pathContains;
  if (f.rate !== undefined) {
    const rate = Number(f.rate);
    if (!(rate > 0 && rate <= 1)) return 'rate must be a share above 0 and at most 1 (e.g. 0.3).';
    fault.rate = rate;
  }
  if (f.afterHandling !== undefined) {
    if (!options.afterHandling) return 'afterHandling (a lost answer) is not supported by this stand-in.';
    if (typeof f.afterHandling !== 'boolean') return 'afterHandling must be true or false.';
    if (f.afterHandling && status === 0) return 'afterHandling needs a status to answer with (the answer that replaces the real one).';
    fault.afterHandling = f.afterHandling;
  }
  return fault;
}

/** mulberry32: a small seeded generator, good enough to spread faults over requests. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
