import type { Schedule, ScheduleKind, ScheduleRequest, Slot } from '../domain/schedules';
import type { Changes } from './changes';
import type { Versioned } from './repository';

/** Work the reconcile timer finds due: a schedule to settle or an approval to look at. */
export interface DueWork {
  what: 'settle' | 'approval';
  kind: ScheduleKind;
  /** The schedule's id, or the approval's (= its request's). */
  id: string;
  /** When it falls due (it is listed from the start of that minute). */
  at: string;
  /** Where the work's row is, for `completeDue`. */
  handle: { partitionKey: string; rowKey: string };
}

/** The versions a write left its rows at: the slot's (or the ended schedule's own row's) and the request's. */
export interface WrittenVersions {
  /** The slot row's ETag while the schedule is live; the schedule's own row's once it has ended. */
  version?: string;
  requestVersion?: string;
}

/**
 * What a caller knows about a write beyond its arguments. Why: a workflow that carries the state
 * it wrote from one step to the next (with its versions) writes again without reading first; a
 * stale version fails the write (409), and the caller reads and decides again.
 */
export interface WriteOptions {
  /** The version the request row is at, when the caller carries it (else the repository finds it). */
  requestVersion?: string;
  /** Told the versions the write left, for the caller to carry. */
  onWritten?: (versions: WrittenVersions) => void;
}

/**
 * Schedules (eligible or active) and the requests that made them. At most one live schedule
 * exists per (kind, principal, role, scope); every change claims that slot first, so two
 * admins acting on the same slot at once cannot both succeed. Every write takes the changes
 * it makes (domain events and audit records) and stores them in the same transaction (the
 * outbox), then relays them. Reads by id are point reads, whatever the history.
 */
export interface ScheduleRepository {
  /**
   * The live schedule in the slot, if any, with the version to update it at. `cached`: as this
   * process last wrote or read it, if it holds it live (no read then); only for a caller that
   * writes at that version (a stale one fails the write) and decides again on a fresh read.
   */
  liveInSlot(kind: ScheduleKind, slot: Slot, options?: { cached?: boolean }): Promise<Versioned<Schedule> | undefined>;
  /**
   * The live schedules of a kind that cover the principal's target: the same target at its own
   * scope or at an ancestor scope. Point reads, one per scope of the hierarchy (a few), so the
   * cost does not grow with the principal's history. `scopes` (the target's scope and those
   * above it, nearest first) replaces the ones its own path names, where more are known.
   */
  liveCovering(kind: ScheduleKind, slot: Slot, scopes?: readonly string[]): Promise<Array<Versioned<Schedule>>>;
  /** Creates a schedule and its request in a free slot; false when the slot holds a live schedule. */
  create(schedule: Schedule, request: ScheduleRequest, changes?: Changes, options?: WriteOptions): Promise<boolean>;
  /**
   * Replaces the slot's live schedule (read at `version`) and records the request. Throws a
   * 409 DomainError when the slot changed since. A schedule that is no longer live frees the slot.
   */
  update(schedule: Schedule, version: string, request?: ScheduleRequest, changes?: Changes, options?: WriteOptions): Promise<void>;
  /**
   * Saves a schedule that is no longer live (it holds no slot), e.g. to note its directory grant
   * is gone. Saving the state already stored is a no-op: its changes are not recorded again.
   * `version`: its row's ETag as the caller last wrote it, which saves reading it first.
   */
  saveEnded(schedule: Schedule, changes?: Changes, version?: string): Promise<void>;
  /** Records a request that changed no schedule (e.g. a failed one). */
  saveRequest(request: ScheduleRequest, changes?: Changes): Promise<void>;
  getRequest(kind: ScheduleKind, id: string): Promise<ScheduleRequest | undefined>;
  /**
   * A request with the schedule it targets, usually in one partition read. `version` is the
   * slot's ETag when the schedule is the slot's live one (to update it without reading again).
   */
  getRequestWithSchedule(kind: ScheduleKind, id: string): Promise<{ request: ScheduleRequest; schedule: Schedule | undefined; version?: string } | undefined>;
  /** All requests of a kind (history included): for listings, not for hot paths. */
  listRequests(kind: ScheduleKind): Promise<ScheduleRequest[]>;
  /** One principal's requests of a kind: one partition read. */
  requestsOf(kind: ScheduleKind, principalId: string): Promise<ScheduleRequest[]>;
  getSchedule(kind: ScheduleKind, id: string): Promise<Schedule | undefined>;
  /** All schedules of a kind (history included): for listings, not for hot paths. */
  listSchedules(kind: ScheduleKind): Promise<Schedule[]>;
  /** One principal's schedules of a kind (ended ones included): one partition read. */
  schedulesOf(kind: ScheduleKind, principalId: string): Promise<Schedule[]>;
  /** The latest schedule of every slot of a kind, live or ended: a scan, for the outside-PIM check. */
  listSlots(kind: ScheduleKind): Promise<Schedule[]>;
  /**
   * Files the schedule with the reconcile pass again, at its next moment of attention but not
   * before `notBefore` (writes file it themselves; this is for work looked at and left as it was).
   */
  remind(schedule: Schedule, requestPending: boolean, notBefore: Date): Promise<void>;
  /**
   * Makes sure the reconcile pass looks at the schedule by about `at`, before a step whose
   * failure half way only the pass would notice: files it then, unless a row filed earlier falls
   * due by then (and is not due yet).
   */
  lookAt(schedule: Schedule, at: Date): Promise<void>;
  /** The work due by `now` (at most `limit` items), oldest first. */
  dueWork(now: Date, limit?: number): Promise<DueWork[]>;
  /** Drops handled work. */
  completeDue(work: DueWork[]): Promise<void>;
  /**
   * Runs `work`; the changes its writes commit are relayed together at its end (their audit
   * records in one append to the audit chain), not one write at a time.
   */
  together<T>(work: () => Promise<T>): Promise<T>;
}
