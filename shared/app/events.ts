import { randomUUID } from 'node:crypto';
import { type DomainEvent, type EventActor, type EventRequest, type EventType, newEvent, SYSTEM_ACTOR } from '../domain/events';
import type { Schedule, ScheduleRequest, Slot } from '../domain/schedules';
import type { Caller } from '../domain/caller';
import type { Clock } from '../ports/clock';
import type { Directory } from '../ports/directory';

export interface EventDeps {
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

/** Role names change rarely; a short cache keeps one Graph read per role, not per event. */
const roleNames = new Map<string, { name: string | null; until: number }>();
const ROLE_NAME_TTL_MS = 10 * 60_000;

async function roleName(directory: Directory, roleDefinitionId: string): Promise<string | null> {
  const cached = roleNames.get(roleDefinitionId);
  if (cached && cached.until > Date.now()) return cached.name;
  const name = (await directory.getRoleDefinition(roleDefinitionId).catch(() => undefined))?.displayName ?? null;
  roleNames.set(roleDefinitionId, { name, until: Date.now() + ROLE_NAME_TTL_MS });
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
      roleDefinitionId: input.slot.roleDefinitionId,
      roleDisplayName: await roleName(deps.directory, input.slot.roleDefinitionId),
      directoryScopeId: input.slot.directoryScopeId,
    },
    request: input.request ? requestSummary(input.request, input.schedule) : null,
    data: input.data ?? {},
  });
}
