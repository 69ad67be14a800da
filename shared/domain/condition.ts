import { badRequest, type DomainError } from './errors';
import type { TargetKind } from './target';

/**
 * An ABAC condition on a grant (Azure attribute-based access control): an expression that
 * narrows what a role assignment allows (e.g. only one storage container), and the version of
 * its syntax. It belongs to the grant, not to the target: the same role at the same scope may be
 * held with or without one. Only Azure role assignments can carry a condition; every other kind
 * of target refuses one (see ConditionNotSupported).
 */
export interface GrantCondition {
  condition: string;
  conditionVersion: string;
}

/**
 * The versions PIM requests may name. ARM's PIM spec (2020-10-01) says "Currently accepted
 * value is '2.0'", while its own examples (PutRoleEligibilityScheduleRequest.json,
 * PutRoleAssignmentScheduleRequest.json) send "1.0" with the same expression the role
 * assignments spec documents as a 2.0 condition; both are taken, and a request shows the
 * version it was sent with.
 */
export const CONDITION_VERSIONS = ['1.0', '2.0'] as const;

/** The version ARM's role assignments take (2022-04-01: "the only accepted value is '2.0'"). */
export const ROLE_ASSIGNMENT_CONDITION_VERSION = '2.0';

const blank = (v: string | null | undefined) => v === undefined || v === null || v.trim() === '';

/**
 * A condition as a body gives it: undefined when the body says nothing (both absent or null),
 * null when it clears one (both empty strings, ARM's way of deleting a condition), else the
 * condition. One without the other, or a version not in CONDITION_VERSIONS, is a 400 that says
 * what to send.
 */
export function readCondition(condition: string | null | undefined, conditionVersion: string | null | undefined): GrantCondition | null | undefined {
  if (blank(condition) && blank(conditionVersion)) {
    return condition === '' || conditionVersion === '' ? null : undefined;
  }
  if (blank(condition)) {
    throw badRequest(`conditionVersion '${conditionVersion}' was given without a condition: send both condition and conditionVersion, or neither.`, 'InvalidCondition');
  }
  if (blank(conditionVersion)) {
    throw badRequest(`A condition needs its conditionVersion: send conditionVersion "2.0" with the condition.`, 'InvalidCondition');
  }
  const version = (conditionVersion ?? '').trim();
  if (!(CONDITION_VERSIONS as readonly string[]).includes(version)) {
    throw badRequest(`conditionVersion '${conditionVersion}' is not supported: use "2.0".`, 'InvalidConditionVersion');
  }
  return { condition: condition ?? '', conditionVersion: version };
}

/**
 * Whether two conditions are the same restriction. The expression decides, not the version:
 * ARM keeps every role assignment condition as 2.0, whatever version the PIM request named.
 */
export function sameCondition(a: GrantCondition | null | undefined, b: GrantCondition | null | undefined): boolean {
  return (a?.condition.trim() ?? null) === (b?.condition.trim() ?? null);
}

/**
 * Whether a grant that exists (`held`) gives at least what `wanted` asks: one without a
 * condition gives everything the role allows, one with the same condition gives the same.
 * Any other pair cannot be compared, so it counts as not enough.
 */
export function grantsAtLeast(held: GrantCondition | null | undefined, wanted: GrantCondition | null | undefined): boolean {
  return !held || sameCondition(held, wanted);
}

/**
 * The condition an activation's grant carries. An eligibility with a condition passes it to
 * every activation made through it: PIM's conditions are set on eligible assignments ("Azure
 * ABAC conditions with PIM"), so the holder cannot activate more than that. The request may
 * repeat it (ARM's example does) but not change or drop it. An eligibility without one lets the
 * request narrow its own activation.
 */
export function activationCondition(eligibility: GrantCondition | null | undefined, asked: GrantCondition | null | undefined): GrantCondition | null {
  if (!eligibility) return asked ?? null;
  // Why: an activation that dropped or changed the eligibility's condition would grant more than the eligibility allows.
  if (asked && !sameCondition(eligibility, asked)) throw conditionMismatch();
  return eligibility;
}

/**
 * How well an eligibility fits an activation's condition, best first: the same condition, then
 * none (the request's own applies), then another (refused). Without a condition asked, one
 * without a condition comes first (the eligibility's would narrow the activation).
 */
export function eligibilityFit(eligibility: GrantCondition | null | undefined, asked: GrantCondition | null | undefined): number {
  if (!asked) return eligibility ? 1 : 0;
  if (eligibility && sameCondition(eligibility, asked)) return 0;
  return eligibility ? 2 : 1;
}

/**
 * The 400 for a condition on a grant that cannot carry one: a kind of target other than Azure
 * roles, or (with `message`) an Azure role that takes no condition.
 */
export function conditionNotSupported(kind: TargetKind, message?: string): DomainError {
  const what = kind === 'group' ? 'a group membership or ownership' : kind === 'directoryRole' ? 'a directory role assignment' : 'this grant';
  return badRequest(message ?? `Conditions (ABAC) apply to Azure role assignments only; ${what} cannot carry one. Send the request without a condition.`, 'ConditionNotSupported');
}

function conditionMismatch(): DomainError {
  return badRequest(
    "The eligible assignment carries a condition, and every activation of it carries the same one: repeat the eligibility's condition or leave condition and conditionVersion out.",
    'ConditionDoesNotMatchEligibility',
  );
}

/**
 * The actions a role assignment condition can constrain (Azure ABAC): blob and queue data
 * actions of Azure Storage, and role assignment writes and deletes (conditions that constrain
 * delegation, e.g. on Role Based Access Control Administrator). Concrete actions, matched
 * against a role's (possibly wildcard) permissions.
 */
const CONDITIONABLE = {
  actions: ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete'],
  dataActions: [
    'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
    'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
    'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
    'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action',
    'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/read',
    'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write',
    'Microsoft.Storage/storageAccounts/queueServices/queues/messages/read',
    'Microsoft.Storage/storageAccounts/queueServices/queues/messages/write',
    'Microsoft.Storage/storageAccounts/queueServices/queues/messages/delete',
    'Microsoft.Storage/storageAccounts/queueServices/queues/messages/add/action',
    'Microsoft.Storage/storageAccounts/queueServices/queues/messages/process/action',
  ],
};

/** A role definition's permissions, as ARM lists them. */
export interface RolePermissions {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

/** ARM's action patterns: `*` stands for any text (slashes included), compared case-insensitively. */
function matches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i');
  return regex.test(action);
}

function allows(granted: string[], denied: string[], action: string): boolean {
  return granted.some((p) => matches(p, action)) && !denied.some((p) => matches(p, action));
}

/**
 * Whether assignments of a role may carry a condition: Azure takes one only on a role that
 * allows an action conditions can constrain ("Can you add conditions to custom role
 * assignments? Yes, as long as the custom role includes actions that support conditions").
 * Storage Blob Data Owner, Role Based Access Control Administrator, User Access Administrator
 * and Owner may; Contributor (role assignment writes are among its notActions) and Reader may not.
 */
export function supportsConditions(permissions: readonly RolePermissions[]): boolean {
  return permissions.some(
    (p) => CONDITIONABLE.actions.some((a) => allows(p.actions, p.notActions, a)) || CONDITIONABLE.dataActions.some((a) => allows(p.dataActions, p.notDataActions, a)),
  );
}
