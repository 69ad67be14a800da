import type { MessageSource } from './entities';
import { deadLetter, type DeliveryDeps, deliver, lockMessage } from './delivery';
import type { StoredMessage } from './rows';
import type { Consumer } from './triggers';

/** After a storage error, the next look at the entity. */
const RETRY_SCAN_MS = 1_000;

/**
 * Feeds one queue or subscription to its functions: messages start in enqueue order, at most
 * `concurrency` at a time; messages not yet due (scheduled, or backing off after a failure)
 * are picked up by a timer at the earliest due time.
 */
export class SourcePump {
  private readonly running = new Map<number, Promise<void>>();
  private scanning?: Promise<void>;
  private rescan = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private turn = 0;

  constructor(
    readonly source: MessageSource,
    private readonly consumers: readonly Consumer[],
    private readonly deps: DeliveryDeps,
  ) {}

  consumerNames(): string[] {
    return this.consumers.map((c) => c.fn.metadata.name);
  }

  /** Looks for deliverable messages now (again after the current look, if one is running). */
  kick(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.scan()
      .catch((error) => {
        this.deps.host.logger.error(`Service Bus: reading ${this.source.path} failed: ${String(error)}`);
        this.wakeAt(Date.now() + RETRY_SCAN_MS);
      })
      .finally(() => {
        this.scanning = undefined;
        if (this.rescan) {
          this.rescan = false;
          this.kick();
        }
      });
  }

  /** Starts no more deliveries and drops the timer; running ones finish (see idle). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when no look and no delivery is running. */
  async idle(): Promise<void> {
    while (this.scanning || this.running.size > 0) {
      await Promise.allSettled([this.scanning, ...this.running.values()]);
    }
  }

  private async scan(): Promise<void> {
    const now = Date.now();
    let next: number | undefined;
    for (const m of await this.deps.store.list(this.source.key, 'active')) {
      if (this.stopped || this.running.size >= this.deps.settings.concurrency) break;
      if (this.running.has(m.sequenceNumber)) continue;
      const due = this.dueAt(m);
      if (due > now) next = Math.min(next ?? due, due);
      else await this.begin(m);
    }
    // Finished deliveries look again by themselves; the timer is only for what is not due yet.
    if (next !== undefined) this.wakeAt(next);
  }

  private dueAt(m: StoredMessage): number {
    const scheduled = m.scheduledEnqueueTimeUtc ? Date.parse(m.scheduledEnqueueTimeUtc) : 0;
    // Why: one devhost owns its tables, so a lock written by another instance is from one that
    // is gone (crashed, or stopped mid-delivery): the message is deliverable again at once.
    const ours = m.lockOwner === undefined || m.lockOwner === this.deps.runId;
    const lockedUntil = ours && m.lockedUntil ? Date.parse(m.lockedUntil) : 0;
    return Math.max(scheduled, lockedUntil);
  }

  private async begin(m: StoredMessage): Promise<void> {
    const { settings } = this.deps;
    // A message whose attempts were all used (the last one cut short by a stop or crash).
    if (m.deliveryCount >= settings.maxDeliveryCount) {
      await deadLetter(m, m.lastError ?? 'The last delivery did not finish (devhost stopped while it ran).', this.deps);
      return;
    }
    const consumer = this.consumers[this.turn++ % this.consumers.length];
    if (!consumer) return;
    const locked = await lockMessage(m, this.deps);
    if (!locked) return;
    const run = deliver(locked, consumer, this.deps)
      .catch((error) =>
        this.deps.host.logger.error(`Service Bus: settling ${m.messageId} on ${this.source.path} failed: ${String(error)}`),
      )
      .finally(() => {
        this.running.delete(m.sequenceNumber);
        this.kick();
      });
    this.running.set(m.sequenceNumber, run);
  }

  private wakeAt(at: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.kick();
      },
      Math.max(0, at - Date.now()),
    );
  }
}
