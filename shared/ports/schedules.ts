import type { DomainEvent } from '../domain/events';
import type { Schedule, ScheduleKind, ScheduleRequest, Slot } from '../domain/schedules';
import type { Versioned } from './repository';

/**
 * Schedules (eligible or active) and the requests that made them. At most one live schedule
 * exists per (kind, principal, role, scope); every change claims that slot first, so two
 * admins acting on the same slot at once cannot both succeed. Every write takes the domain
 * events it causes and stores them in the same transaction (the outbox), then publishes them.
 */
export interface ScheduleRepository {
  /** The live schedule in the slot, if any, with the version to update it at. */
  liveInSlot(kind: ScheduleKind, slot: Slot): Promise<Versioned<Schedule> | undefined>;
  /** Creates a schedule and its request in a free slot; false when the slot holds a live schedule. */
  create(schedule: Schedule, request: ScheduleRequest, events?: DomainEvent[]): Promise<boolean>;
  /**
   * Replaces the slot's live schedule (read at `version`) and records the request. Throws a
   * 409 DomainError when the slot changed since. A schedule that is no longer live frees the slot.
   */
  update(schedule: Schedule, version: string, request?: ScheduleRequest, events?: DomainEvent[]): Promise<void>;
  /** Saves a schedule that is no longer live (it holds no slot), e.g. to note its directory grant is gone. */
  saveEnded(schedule: Schedule, events?: DomainEvent[]): Promise<void>;
  /** Records a request that changed no schedule (e.g. a failed one). */
  saveRequest(request: ScheduleRequest, events?: DomainEvent[]): Promise<void>;
  getRequest(kind: ScheduleKind, id: string): Promise<ScheduleRequest | undefined>;
  listRequests(kind: ScheduleKind): Promise<ScheduleRequest[]>;
  getSchedule(kind: ScheduleKind, id: string): Promise<Schedule | undefined>;
  listSchedules(kind: ScheduleKind): Promise<Schedule[]>;
}
