import { parseAzureScope, sameAzureScope } from '../domain/azureScope';
import type { Caller } from '../domain/caller';
import { DomainError, notFound } from '../domain/errors';
import { isInEffect, type Schedule, type ScheduleKind, type ScheduleRequest } from '../domain/schedules';
import { type AzureRoleTarget, notServed, type Target } from '../domain/target';
import type { AzureResources } from '../ports/azure';
import { requestsAwaitingMe } from './approvals';
import type { ScheduleDeps } from './requestContext';
import { getInstance, getRequest, getSchedule, listInstances, listRequests, listSchedules, type ListScope } from './scheduleQueries';

/**
 * Requests, schedules and instances of Azure roles as ARM lists them at a scope: Azure's
 * hierarchy makes an eligibility or assignment at a scope apply to every scope below it, so a
 * listing at a scope holds what is at it, what is above it (held there, and Inherited here),
 * and, unless only `atScope()` is asked for, what is below it.
 */

export interface AzureQueryDeps extends ScheduleDeps {
  azure?: AzureResources;
}

/** Where an item's scope is, seen from the scope a listing is made at. */
export type ScopeRelation = 'at' | 'above' | 'below';

export interface AzureListing {
  /** The scope listed at, canonical. */
  scope: string;
  /** atScope(): only what is at the scope or above it. */
  atOrAbove: boolean;
  /** Only this principal's: asTarget() (the caller) or `principalId eq`. */
  principalId?: string;
  /** assignedTo('{id}'): the principal's own and those of the groups it belongs to now. */
  assignedTo?: string;
  /** asRequestor(): only requests this user made. */
  createdBy?: string;
}

export interface Listed<T> {
  item: T;
  target: AzureRoleTarget;
  relation: ScopeRelation;
  /** Held by a group the assignedTo principal belongs to. */
  throughGroup: boolean;
}

function requireAzure(deps: AzureQueryDeps): AzureResources {
  if (!deps.azure) throw notServed('azureRole');
  return deps.azure;
}

/** ARM's 404 for a scope Azure does not have, named by its level. */
export function scopeNotFound(scope: string): DomainError {
  const parsed = parseAzureScope(scope);
  switch (parsed.level) {
    case 'subscription':
      return new DomainError('SubscriptionNotFound', `The subscription '${parsed.subscriptionId}' could not be found.`, 404);
    case 'resourceGroup':
      return new DomainError('ResourceGroupNotFound', `Resource group '${parsed.resourceGroup}' could not be found.`, 404);
    case 'managementGroup':
      return new DomainError('ManagementGroupNotFound', `The management group '${parsed.managementGroupId}' could not be found.`, 404);
    case 'resource':
      return new DomainError('ResourceNotFound', `The resource '${parsed.path}' could not be found.`, 404);
  }
}

/**
 * How each scope relates to `asked`: at it, above it (its ancestors in Azure, management groups
 * included), below it (under its path, or, below a management group, having it among its own
 * ancestors), or unrelated (undefined). Each scope's ancestors are asked of Azure once.
 */
export async function scopeRelations(azure: AzureResources, asked: string): Promise<(scope: string) => Promise<ScopeRelation | undefined>> {
  const ancestors = await azure.ancestorsOf(asked);
  if (!ancestors) throw scopeNotFound(asked);
  const askedLower = asked.toLowerCase();
  const above = new Set(ancestors.map((a) => a.toLowerCase()));
  const isManagementGroup = parseAzureScope(asked).level === 'managementGroup';
  const ancestorsOf = new Map<string, Promise<string[] | undefined>>();
  return async (scope) => {
    const lower = scope.toLowerCase();
    if (lower === askedLower) return 'at';
    if (above.has(lower)) return 'above';
    if (lower.startsWith(`${askedLower}/`)) return 'below';
    if (!isManagementGroup) return undefined;
    let found = ancestorsOf.get(lower);
    if (!found) {
      found = azure.ancestorsOf(scope).catch(() => undefined);
      ancestorsOf.set(lower, found);
    }
    return (await found)?.some((a) => a.toLowerCase() === askedLower) ? 'below' : undefined;
  };
}

const isAzure = (t: Target): t is AzureRoleTarget => t.kind === 'azureRole';

/** Keeps what the listing's scope covers, with how it relates to that scope. */
async function placed<T extends { target: Target }>(deps: AzureQueryDeps, listing: AzureListing, found: Array<{ item: T; throughGroup: boolean }>): Promise<Array<Listed<T>>> {
  const relationOf = await scopeRelations(requireAzure(deps), listing.scope);
  const out: Array<Listed<T>> = [];
  for (const { item, throughGroup } of found) {
    const target = item.target;
    if (!isAzure(target)) continue;
    const relation = await relationOf(target.scope);
    if (!relation || (listing.atOrAbove && relation === 'below')) continue;
    out.push({ item, target, relation, throughGroup });
  }
  return out;
}

/**
 * The principals whose items a listing reads: one (a partition read each), or everyone's.
 * assignedTo adds the groups the principal belongs to; a caller who may not see others' items
 * asking for someone else's gets nothing, as a `principalId` filter gives them nothing.
 */
async function whose(deps: AzureQueryDeps, caller: Caller, listing: AzureListing): Promise<Array<{ principalId: string | undefined; throughGroup: boolean }>> {
  if (listing.assignedTo === undefined) return [{ principalId: listing.principalId, throughGroup: false }];
  if (listing.principalId !== undefined && listing.principalId !== listing.assignedTo) return [];
  if (!caller.isAdmin && !caller.isAuditor && listing.assignedTo !== caller.oid) return [];
  const groups = await deps.directory.groupsOf(listing.assignedTo);
  return [{ principalId: listing.assignedTo, throughGroup: false }, ...groups.map((g) => ({ principalId: g, throughGroup: true }))];
}

export async function listAzureRequests(deps: AzureQueryDeps, kind: ScheduleKind, caller: Caller, listing: AzureListing): Promise<Array<Listed<ScheduleRequest>>> {
  const found: Array<{ item: ScheduleRequest; throughGroup: boolean }> = [];
  for (const { principalId, throughGroup } of await whose(deps, caller, listing)) {
    const scope: ListScope = { targetKind: 'azureRole', principalId, createdBy: listing.createdBy };
    // Why: a member sees the requests of the groups they belong to (ARM's assignedTo), which the
    // middle's visibility rule (one's own) would hide; whose() already decided they may.
    const items = throughGroup ? (await deps.schedules.requestsOf(kind, principalId ?? '')).filter((r) => listing.createdBy === undefined || r.createdBy.user.id === listing.createdBy) : await listRequests(deps, kind, caller, scope);
    found.push(...items.map((item) => ({ item, throughGroup })));
  }
  return placed(deps, listing, found);
}

/** asApprover(): the activations of Azure roles waiting for the caller's decision, within the listing's scope. */
export async function listAzureRequestsAwaitingMe(deps: AzureQueryDeps, kind: ScheduleKind, caller: Caller, listing: AzureListing): Promise<Array<Listed<ScheduleRequest>>> {
  if (kind === 'eligibility') return [];
  const waiting = (await requestsAwaitingMe(deps, caller)).filter((r) => listing.principalId === undefined || r.principalId === listing.principalId);
  return placed(deps, listing, waiting.map((item) => ({ item, throughGroup: false })));
}

const held = (kind: ScheduleKind, now: Date, instances: boolean) => (s: Schedule) =>
  (s.status === 'Provisioned' || s.status === 'PendingProvisioning') && (!instances || (isInEffect(s, now) && (kind === 'eligibility' || s.roleAssignmentOriginId !== null)));

/** Schedules (or, with `instances`, the schedules in effect now) of Azure roles a listing covers. */
export async function listAzureSchedules(
  deps: AzureQueryDeps,
  kind: ScheduleKind,
  caller: Caller,
  listing: AzureListing,
  instances: boolean,
): Promise<Array<Listed<Schedule>>> {
  const found: Array<{ item: Schedule; throughGroup: boolean }> = [];
  for (const { principalId, throughGroup } of await whose(deps, caller, listing)) {
    const scope: ListScope = { targetKind: 'azureRole', principalId };
    const items = throughGroup
      ? (await deps.schedules.schedulesOf(kind, principalId ?? '')).filter(held(kind, deps.clock.now(), instances))
      : instances
        ? await listInstances(deps, kind, caller, scope)
        : await listSchedules(deps, kind, caller, scope);
    found.push(...items.map((item) => ({ item, throughGroup })));
  }
  return placed(deps, listing, found);
}

/** One item by name at the scope it lives at; the same 404 when it is elsewhere, of another surface or not the caller's to see. */
async function atItsScope<T extends { target: Target }>(load: () => Promise<T>, scope: string, what: string, name: string): Promise<{ item: T; target: AzureRoleTarget }> {
  const item = await load();
  if (!isAzure(item.target) || !sameAzureScope(item.target.scope, scope)) throw notFound(what, name);
  return { item, target: item.target };
}

export function getAzureRequest(deps: AzureQueryDeps, kind: ScheduleKind, caller: Caller, scope: string, name: string) {
  return atItsScope(() => getRequest(deps, kind, caller, name, 'azureRole'), scope, 'schedule request', name);
}

export function getAzureSchedule(deps: AzureQueryDeps, kind: ScheduleKind, caller: Caller, scope: string, name: string) {
  return atItsScope(() => getSchedule(deps, kind, caller, name, 'azureRole'), scope, 'schedule', name);
}

export function getAzureInstance(deps: AzureQueryDeps, kind: ScheduleKind, caller: Caller, scope: string, name: string) {
  return atItsScope(() => getInstance(deps, kind, caller, name, 'azureRole'), scope, 'schedule instance', name);
}
