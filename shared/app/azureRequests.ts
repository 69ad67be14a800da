import { sameAzureScope } from '../domain/azureScope';
import type { Caller } from '../domain/caller';
import { badRequest, conflict } from '../domain/errors';
import type { ScheduleKind } from '../domain/schedules';
import type { AzureRoleTarget } from '../domain/target';
import { cancelRequest } from './cancelRequest';
import { type AzureQueryDeps, getAzureRequest } from './azureQueries';

/**
 * What ARM's request body names besides the slot (principal, role, scope), checked against
 * what is stored before the request goes to the middle: the middle finds the schedule to act on
 * from the slot, so a named schedule that is not that one is a mistake to report, not to ignore.
 */
export interface NamedSchedules {
  principalId: string;
  target: AzureRoleTarget;
  /** linkedRoleEligibilityScheduleId of an activation (its GUID). */
  linkedEligibilityId: string | null;
  /** targetRole{Eligibility|Assignment}ScheduleId of an update, extension or removal (its GUID). */
  targetScheduleId: string | null;
}

export async function checkNamedSchedules(deps: AzureQueryDeps, kind: ScheduleKind, named: NamedSchedules): Promise<void> {
  const sameRole = (t: { kind: string; roleDefinitionId?: string }) => t.kind === 'azureRole' && t.roleDefinitionId?.toLowerCase() === named.target.roleDefinitionId;
  if (named.linkedEligibilityId) {
    const eligibility = await deps.schedules.getSchedule('eligibility', named.linkedEligibilityId);
    const scopes = [named.target.scope, ...((await deps.azure?.ancestorsOf(named.target.scope)) ?? [])];
    const covers =
      eligibility !== undefined &&
      eligibility.principalId === named.principalId &&
      eligibility.target.kind === 'azureRole' &&
      sameRole(eligibility.target) &&
      scopes.some((s) => sameAzureScope(s, (eligibility.target as AzureRoleTarget).scope));
    // Why: the same answer whether the id exists or belongs to someone else.
    if (!covers) {
      throw badRequest(
        `linkedRoleEligibilityScheduleId '${named.linkedEligibilityId}' names no eligibility of principal '${named.principalId}' for this role at scope '${named.target.scope}' or above it. Leave it out to use the eligibility that covers the scope.`,
        'InvalidLinkedRoleEligibilityScheduleId',
      );
    }
  }
  if (named.targetScheduleId) {
    const schedule = await deps.schedules.getSchedule(kind, named.targetScheduleId);
    const same = schedule !== undefined && schedule.principalId === named.principalId && sameRole(schedule.target) && sameAzureScope((schedule.target as AzureRoleTarget).scope, named.target.scope);
    if (!same) {
      throw badRequest(
        `The target schedule '${named.targetScheduleId}' is not principal '${named.principalId}''s ${kind === 'eligibility' ? 'eligibility' : 'assignment'} of this role at scope '${named.target.scope}'.`,
        'InvalidTargetScheduleId',
      );
    }
  }
}

/**
 * ARM's client names each request (the `{name}` of its PUT), and a request, once made, is never
 * changed: a PUT of a name in use is refused before anything is decided.
 */
export async function requireNewRequestName(deps: AzureQueryDeps, kind: ScheduleKind, name: string): Promise<void> {
  if (!(await deps.schedules.getRequest(kind, name))) return;
  throw conflict(`A request named '${name}' exists already, and requests are not changed once made: PUT a new request under a new GUID.`, 'RequestNameInUse');
}

/**
 * POST …/{name}/cancel: withdraws a request that has not taken effect yet (the middle decides
 * which), once it is found at the scope the path names: elsewhere it is the same 404 as none.
 */
export async function cancelAzureRequest(deps: AzureQueryDeps, kind: ScheduleKind, caller: Caller, scope: string, name: string, correlationId: string): Promise<void> {
  const { item } = await getAzureRequest(deps, kind, caller, scope, name);
  await cancelRequest(deps, kind, caller, item.id, 'azureRole', correlationId);
}
