import { parseAzureScope, pathAncestors } from './azureScope';
import { badRequest, type DomainError } from './errors';

/**
 * What PIM governs, one union for every kind: a directory role at a directory scope, a group's
 * membership or ownership, or an Azure role at an ARM scope. Schedules, requests, approvals,
 * policies, events and audit records carry a target; only the adapters and the API surfaces
 * of each kind look inside it.
 */
export interface DirectoryRoleTarget {
  kind: 'directoryRole';
  roleDefinitionId: string;
  /** "/" (the tenant), "/administrativeUnits/{id}" or "/{applicationObjectId}". */
  directoryScopeId: string;
}

export interface GroupTarget {
  kind: 'group';
  groupId: string;
  accessId: 'member' | 'owner';
}

export interface AzureRoleTarget {
  kind: 'azureRole';
  /** An ARM scope: management group, subscription, resource group or resource. */
  scope: string;
  /**
   * The role definition's GUID, lower-case: ARM spells one role's id differently at each scope
   * (/subscriptions/{id}/providers/...), so the domain keeps what is the same everywhere.
   */
  roleDefinitionId: string;
}

export type Target = DirectoryRoleTarget | GroupTarget | AzureRoleTarget;
export type TargetKind = Target['kind'];

/** The kinds this service grants today; the others are refused cleanly until their adapters land. */
export const SERVED_KINDS: readonly TargetKind[] = ['directoryRole', 'group', 'azureRole'];

/** A stable text form of the target, for keys and comparisons (case-insensitive where the source is). */
export function targetKey(t: Target): string {
  switch (t.kind) {
    case 'directoryRole':
      return `directoryRole|${t.roleDefinitionId}|${t.directoryScopeId}`;
    case 'group':
      return `group|${t.groupId.toLowerCase()}|${t.accessId}`;
    case 'azureRole':
      return `azureRole|${t.scope.toLowerCase()}|${t.roleDefinitionId.toLowerCase()}`;
    default: {
      const never: never = t;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

export function sameTarget(a: Target, b: Target): boolean {
  return targetKey(a) === targetKey(b);
}

/** The scope a target sits at, in its kind's hierarchy. */
export function scopeOf(t: Target): string {
  switch (t.kind) {
    case 'directoryRole':
      return t.directoryScopeId;
    case 'group':
      return `/groups/${t.groupId}`;
    case 'azureRole':
      return t.scope;
    default: {
      const never: never = t;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

/** What is granted, whatever the scope: the role (or group access) a policy is kept for. */
export function grantedThing(t: Target): string {
  switch (t.kind) {
    case 'directoryRole':
    case 'azureRole':
      return t.roleDefinitionId;
    case 'group':
      return t.accessId;
    default: {
      const never: never = t;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The scope and every scope above it, nearest first. Directory roles: an administrative unit
 * or application sits under the tenant "/". Azure: resource < resource group < subscription
 * (management groups above a subscription are not known from its id, so they are not listed).
 */
export function scopeAndAncestors(t: Target): string[] {
  switch (t.kind) {
    case 'directoryRole':
      return t.directoryScopeId === '/' ? ['/'] : [t.directoryScopeId, '/'];
    case 'group':
      return [scopeOf(t)];
    case 'azureRole': {
      const scope = parseAzureScope(t.scope);
      return [scope.path, ...pathAncestors(scope)];
    }
    default: {
      const never: never = t;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

/** The same target at another scope of its hierarchy (a group has no other scope). */
export function atScope(t: Target, scope: string): Target {
  switch (t.kind) {
    case 'directoryRole':
      return { ...t, directoryScopeId: scope };
    case 'azureRole':
      return { ...t, scope };
    case 'group':
      return t;
    default: {
      const never: never = t;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Whether an eligibility for `eligible` covers an activation of `wanted`: the same role (or
 * group access) at the same scope or one of its ancestors (`scopes`: the wanted scope and
 * those above it, when more are known than its own path names, e.g. Azure management groups).
 */
export function covers(eligible: Target, wanted: Target, scopes: readonly string[] = scopeAndAncestors(wanted)): boolean {
  if (eligible.kind !== wanted.kind || grantedThing(eligible).toLowerCase() !== grantedThing(wanted).toLowerCase()) return false;
  if (eligible.kind === 'group' && wanted.kind === 'group') return eligible.groupId.toLowerCase() === wanted.groupId.toLowerCase();
  const scope = scopeOf(eligible).toLowerCase();
  return scopes.some((s) => s.toLowerCase() === scope);
}

/** The Graph-shaped 400 for a kind this service does not grant yet. */
export function notServed(kind: TargetKind): DomainError {
  return badRequest(`Targets of kind '${kind}' are not served by this deployment yet; only directory roles (roleManagement/directory) are.`, 'TargetKindNotSupported');
}

/** What a policy is kept for: a kind of target, a scope, and the role (or group access) granted there. */
export interface PolicyScope {
  kind: TargetKind;
  scope: string;
  /** The role definition id, or the group access ('member' | 'owner'). */
  thing: string;
}

/**
 * The policy that governs a target. Entra keeps one policy per directory role for the whole
 * tenant (an activation at an administrative unit follows the role's policy), one per group
 * and access, and one per Azure role at each scope.
 */
export function policyScopeOf(t: Target): PolicyScope {
  switch (t.kind) {
    case 'directoryRole':
      return { kind: t.kind, scope: '/', thing: t.roleDefinitionId };
    case 'group':
      return { kind: t.kind, scope: t.groupId.toLowerCase(), thing: t.accessId };
    case 'azureRole':
      return { kind: t.kind, scope: t.scope.toLowerCase(), thing: t.roleDefinitionId.toLowerCase() };
    default: {
      const never: never = t;
      throw new Error(`Unknown target ${JSON.stringify(never)}`);
    }
  }
}

/** Refuses a kind this service does not grant yet, in Graph's error shape (400). */
export function requireServed(t: Target): void {
  if (!SERVED_KINDS.includes(t.kind)) throw notServed(t.kind);
}

/** The directory role of a target that must be one (the directory-role API surface and adapter). */
export function asDirectoryRole(t: Target): DirectoryRoleTarget {
  if (t.kind !== 'directoryRole') throw badRequest(`Expected a directory role target, got '${t.kind}'.`, 'TargetKindNotSupported');
  return t;
}

/** The group access of a target that must be one (the group API surface and adapter). */
export function asGroup(t: Target): GroupTarget {
  if (t.kind !== 'group') throw badRequest(`Expected a group target, got '${t.kind}'.`, 'TargetKindNotSupported');
  return t;
}

export function directoryRole(roleDefinitionId: string, directoryScopeId: string): DirectoryRoleTarget {
  return { kind: 'directoryRole', roleDefinitionId, directoryScopeId };
}

/**
 * How people read a target in mail, chat and pages: the role's name, or "membership of" /
 * "ownership of" the group (whose name alone would not say which access is meant).
 */
export function describeTarget(t: Target, displayName: string | null): string {
  const name = displayName ?? grantedThing(t);
  if (t.kind !== 'group') return name;
  return `${t.accessId === 'owner' ? 'ownership' : 'membership'} of ${displayName ?? t.groupId}`;
}

/** The heading a target's name goes under in a table of facts. */
export function targetHeading(t: Target): 'Role' | 'Group access' {
  return t.kind === 'group' ? 'Group access' : 'Role';
}
