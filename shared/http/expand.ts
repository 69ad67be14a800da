import { isInEffect, type Schedule, type ScheduleKind, type ScheduleRequest } from '../domain/schedules';
import { asDirectoryRole, asGroup } from '../domain/target';
import type { Clock } from '../ports/clock';
import type { Directory, DirectoryPrincipal } from '../ports/directory';
import type { ScheduleRepository } from '../ports/schedules';
import { HttpError } from './graphErrors';
import { project } from './odata/collection';
import type { ODataQuery } from './odata/query';
import { roleDefinitionJson } from './roleDefinitionJson';
import { instanceJson, scheduleJson } from './scheduleJson';
import type { Relation, ScheduleEntity, ScheduleSurface } from './surfaces/surface';

/** What expansions read: the directory and the stored schedules. */
export interface ExpandDeps {
  directory: Directory;
  schedules: ScheduleRepository;
  clock: Clock;
}

/** One relationship to expand, with the `$select` nested in it, if any. */
export interface Expansion {
  relation: Relation;
  select?: string[];
}

type Shown = ScheduleRequest | Schedule;
type Json = Record<string, unknown>;

/**
 * The expansions a query asks for on an entity, checked before anything is read (parseQuery
 * has refused names the entity lacks): the relationships in Graph's spelling, nothing expanded
 * inside them.
 */
export function expansionsOf(query: ODataQuery, relations: readonly Relation[]): Expansion[] {
  return query.expand.map((item) => {
    const relation = relations.find((r) => r.toLowerCase() === item.property.toLowerCase());
    if (!relation) throw new HttpError('BadRequest', `Property '${item.property}' cannot be expanded here; expandable: ${relations.join(', ')}.`, 400);
    if (item.expand.length > 0) throw new HttpError('BadRequest', `Nothing can be expanded inside ${relation}; remove the nested $expand.`, 400);
    return item.select ? { relation, select: item.select } : { relation };
  });
}

/** `$select` keeps the expanded relationships too, as Graph does. */
export function selectKeeping(select: string[] | undefined, expansions: Expansion[]): string[] | undefined {
  return select ? [...select, ...expansions.map((e) => e.relation)] : undefined;
}

/**
 * Expands the relationships of one response's schedule requests, schedules or instances.
 * Items are shown first (`show`), then filtered and paged as JSON, and only the page is
 * expanded. Each related object is read once per response however many items share it (a
 * page of one principal's requests reads that principal once), and lookups of the same object
 * in flight are shared.
 */
export class Expander {
  private readonly sources = new WeakMap<object, Shown>();
  private readonly reads = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: ExpandDeps,
    private readonly surface: ScheduleSurface,
    private readonly entity: ScheduleEntity,
    private readonly kind: ScheduleKind,
  ) {}

  /** Remembers what a JSON item shows, so it can be expanded after paging. */
  show(json: Json, source: Shown): Json {
    this.sources.set(json, source);
    return json;
  }

  /** Sets each expanded relationship on each item (null where Graph has null). */
  async expand(items: Json[], expansions: Expansion[]): Promise<void> {
    if (expansions.length === 0) return;
    await Promise.all(
      items.flatMap((json) =>
        expansions.map(async ({ relation, select }) => {
          const related = await this.related(relation, this.sourceOf(json));
          json[relation] = related === null ? null : project(related, select);
        }),
      ),
    );
  }

  /** One relationship of one item: the related object as Graph shows it, or null. */
  async related(relation: Relation, source: Shown): Promise<Json | null> {
    switch (relation) {
      case 'principal':
        return this.principal(source.principalId);
      case 'roleDefinition':
        return this.roleDefinition(asDirectoryRole(source.target).roleDefinitionId);
      case 'group':
        return this.group(asGroup(source.target).groupId);
      case 'directoryScope':
        return directoryScopeJson(asDirectoryRole(source.target).directoryScopeId);
      case 'appScope':
        // This service grants at directory scopes only: appScopeId is always null, and so is its scope.
        return null;
      case 'targetSchedule':
        return this.targetSchedule(source);
      case 'activatedUsing':
        return this.activatedUsing(source);
      default: {
        const never: never = relation;
        throw new Error(`Unknown relationship ${String(never)}`);
      }
    }
  }

  private sourceOf(json: object): Shown {
    const source = this.sources.get(json);
    if (!source) throw new Error('An item was expanded that this expander did not show.');
    return source;
  }

  /** Reads `key` once per response; concurrent asks share the read. */
  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let found = this.reads.get(key) as Promise<T> | undefined;
    if (!found) {
      found = read();
      this.reads.set(key, found);
    }
    return found;
  }

  private async principal(id: string): Promise<Json | null> {
    const principal = await this.once(`principal:${id}`, () => this.deps.directory.getPrincipal(id));
    return principal ? principalJson(principal) : null;
  }

  private async roleDefinition(id: string): Promise<Json | null> {
    const role = await this.once(`role:${id}`, () => this.deps.directory.getRoleDefinition(id));
    return role ? roleDefinitionJson(role) : null;
  }

  private async group(id: string): Promise<Json | null> {
    const [group, principal] = await this.once(`group:${id}`, () => Promise.all([this.deps.directory.getGroup(id), this.deps.directory.getPrincipal(id)]));
    if (!group) return null;
    return {
      id: group.id,
      displayName: group.displayName,
      mail: principal?.mail ?? null,
      groupTypes: group.isDynamic ? ['DynamicMembership'] : [],
      isAssignableToRole: group.isAssignableToRole,
      onPremisesSyncEnabled: group.onPremisesSyncEnabled ? true : null,
    };
  }

  private schedule(kind: ScheduleKind, id: string | null | undefined): Promise<Schedule | undefined> {
    if (!id) return Promise.resolve(undefined);
    return this.once(`schedule:${kind}:${id}`, () => this.deps.schedules.getSchedule(kind, id));
  }

  /** A request's schedule: the one it created or changed. */
  private async targetSchedule(source: Shown): Promise<Json | null> {
    if (!('action' in source)) return null;
    const schedule = await this.schedule(source.kind, source.targetScheduleId);
    return schedule && schedule.target.kind === source.target.kind ? scheduleJson(this.surface, schedule) : null;
  }

  /**
   * The eligibility an activation was made through: for requests and schedules the eligibility
   * schedule, for instances its instance (while it is in effect). Null for what is not an
   * activation, and for activations made before the eligibility was recorded.
   */
  private async activatedUsing(source: Shown): Promise<Json | null> {
    const activation = 'action' in source ? (source.action === 'selfActivate' ? await this.schedule('assignment', source.targetScheduleId) : undefined) : source;
    if (!activation || activation.assignmentType !== 'Activated') return null;
    const eligibility = await this.schedule('eligibility', activation.linkedEligibilityScheduleId);
    if (!eligibility) return null;
    // An eligibility held through a group is shown as the member's, as the member's instances show it.
    const seen: Schedule = eligibility.principalId === activation.principalId ? eligibility : { ...eligibility, principalId: activation.principalId, memberType: 'Group' };
    if (this.entity !== 'instance') return scheduleJson(this.surface, seen);
    return isInEffect(seen, this.deps.clock.now()) ? instanceJson(this.surface, seen) : null;
  }
}

/** A user or group as Graph's directoryObject relationships show it: typed, with its names. */
export function principalJson(p: DirectoryPrincipal): Json {
  const json: Json = { '@odata.type': `#microsoft.graph.${p.kind}`, id: p.id, displayName: p.displayName };
  if (p.kind === 'user') json.userPrincipalName = p.userPrincipalName ?? null;
  json.mail = p.mail ?? null;
  return json;
}

/**
 * The directory object a directory scope names: none for the tenant ("/", as Graph answers
 * null), an administrative unit, or an application. Shown by id and type only: this service
 * reads neither from the directory.
 */
function directoryScopeJson(scope: string): Json | null {
  if (scope === '/') return null;
  const unit = /^\/administrativeUnits\/(.+)$/.exec(scope);
  if (unit?.[1]) return { '@odata.type': '#microsoft.graph.administrativeUnit', id: unit[1] };
  return { '@odata.type': '#microsoft.graph.application', id: scope.slice(1) };
}
