import type { TargetBody } from '../../app/requestBody';
import type { ScheduleKind } from '../../domain/schedules';
import type { Target, TargetKind } from '../../domain/target';

/** The three entities a surface serves for each kind of schedule. */
export type ScheduleEntity = 'request' | 'schedule' | 'instance';

/**
 * The relationships Graph documents on schedule requests, schedules and instances, which
 * `$expand` (and a GET of `{id}/{relationship}`) may name. Which of them an entity has depends
 * on the surface: see `ScheduleSurface.relations`.
 */
export type Relation = 'principal' | 'roleDefinition' | 'group' | 'targetSchedule' | 'activatedUsing' | 'directoryScope' | 'appScope';

/** The three entity sets one kind of schedule has on a surface. */
export interface EntitySets {
  requests: string;
  schedules: string;
  instances: string;
  /** Graph's name of an instance's link to its schedule, e.g. roleEligibilityScheduleId or eligibilityScheduleId. */
  scheduleIdField: string;
}

/**
 * One Graph API surface over the shared schedule model: where it lives, how its bodies name a
 * target, and how its JSON shows one. Directory roles (roleManagement/directory) and PIM for
 * Groups (identityGovernance/privilegedAccess/group) are two surfaces; the middle is the same.
 */
export interface ScheduleSurface {
  /** Unique among surfaces; prefixes the function names registered for it. */
  name: string;
  targetKind: TargetKind;
  /** The path under /{version}/ its entity sets sit in. */
  base: string;
  sets(kind: ScheduleKind): EntitySets;
  body: TargetBody<never>;
  /** The target as the surface's JSON names it (e.g. roleDefinitionId and directoryScopeId). */
  targetJson(target: Target): Record<string, unknown>;
  /** Properties of the target a $filter may name. */
  targetFilters: readonly string[];
  /** Graph refuses to list this surface's requests, schedules and instances without an `eq` filter on one of these. */
  requiredFilter?: readonly string[];
  /** The `on` values filterByCurrentUser takes on requests (instances and schedules take 'principal'). */
  requestViews: readonly ('principal' | 'createdBy' | 'approver')[];
  /** The OData type of its items, by entity (for @odata.type on expanded and listed items). */
  odataType(entity: ScheduleEntity, kind: ScheduleKind): string;
  /** The relationships its reference pages list for the entity (what `$expand` may name), in Graph's order. */
  relations(entity: ScheduleEntity, kind: ScheduleKind): readonly Relation[];
}

/**
 * Graph's relationships on both surfaces: requests name the schedule they made
 * (targetSchedule), and active assignments that are activations name the eligibility used
 * (activatedUsing: on requests and schedules the eligibility schedule, on instances its instance).
 */
export function relationsOf(own: readonly Relation[], entity: ScheduleEntity, kind: ScheduleKind): readonly Relation[] {
  return [...(kind === 'assignment' ? (['activatedUsing'] as const) : []), ...own, ...(entity === 'request' ? (['targetSchedule'] as const) : [])];
}
