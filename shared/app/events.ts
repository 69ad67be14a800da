import { randomUUID } from 'node:crypto';
import { type DomainEvent, type EventActor, type EventRequest, type EventType, newEvent, SYSTEM_ACTOR } from '../domain/events';
import type { Schedule, ScheduleRequest, Slot } from '../domain/schedules';
import type { Caller } from '../domain/caller';
import type { Clock } from '../ports/clock';
import type { Directory } from '../ports/directory';
import { type Target, targetKey } from '../domain/target';
import { targetName, type TargetDeps } from './targets';

export interface EventDeps extends TargetDeps {
  directory: Directory;
  clock: Clock;
}

export interface EventInput {
  slot: Slot;
  request?: ScheduleRequest | null;
  /** The schedule as changed, when the event is about one (its window wins over the request's). */
  schedule?: Schedule;
  /** The user who caused it; PIM itself when absent. */
  actor?: Caller | EventActor | null;
  data?: Record<string, unknown>;
}

/** Target names change rarely; a short cache keeps one directory read per target, not per event. */
const targetNames = new Map<string, { name: string | null; until: number }>();
const NAME_TTL_MS = 10 * 60_000;

async function cachedTargetName(deps: TargetDeps, target: Target): Promise<string | null> {
  const key = targetKey(target);
  const cached = targetNames.get(key);
  if (cached && cached.until > Date.now()) return cached.name;
  const name = await targetName(deps, target);
  if (targetNames.size > 10_000) targetNames.clear();
  targetNames.set(key, { name, until: Date.now() + NAME_TTL_MS });
  return name;
}

function actorOf(actor: EventInput['actor']): EventActor {
  if (!actor) return SYSTEM_ACTOR;
  if ('oid' in actor) return { id: actor.oid, displayName: actor.name ?? null };
  return actor;
}

export function requestSummary(request: ScheduleRequest, schedule?: Schedule): EventRequest {
  return {
    id: request.id,
    action: request.action,
    status: request.status,
    justification: request.justification,
    ticketNumber: request.ticketInfo.ticketNumber,
    ticketSystem: request.ticketInfo.ticketSystem,
    startDateTime: schedule?.startDateTime ?? request.scheduleInfo.startDateTime,
    endDateTime: schedule ? schedule.endDateTime : request.scheduleInfo.expiration.endDateTime,
  };
}

/** Builds the event a state change causes, stamped with the domain clock. */
export async function domainEvent(deps: EventDeps, type: EventType, input: EventInput): Promise<DomainEvent> {
  return newEvent(type, {
    id: randomUUID(),
    occurredAt: deps.clock.now().toISOString(),
    actor: actorOf(input.actor),
    subject: {
      principalId: input.slot.principalId || null,
      target: input.slot.target,
      targetDisplayName: await cachedTargetName(deps, input.slot.target),
    },
    request: input.request ? requestSummary(input.request, input.schedule) : null,
    data: input.data ?? {},
  });
}
