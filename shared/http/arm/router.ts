import { DomainError } from '../../domain/errors';

/**
 * ARM puts the scope first (`/{scope}/providers/Microsoft.Authorization/{type}/{name}`), and a
 * Functions route may hold only one catch-all, as its last segment. So the app registers a
 * catch-all under each root an ARM scope can start with, and this module splits what arrives
 * into the scope and the Microsoft.Authorization resource path, case-insensitively as ARM does.
 */

/** The literal starts of ARM paths this service answers; each is registered as `{root}/{*rest}`. */
export const ARM_ROUTE_ROOTS = [
  { name: 'Subscriptions', route: 'subscriptions' },
  { name: 'ManagementGroups', route: 'providers/Microsoft.Management/managementGroups' },
  // The alias ARM's own PIM examples use for a subscription scope.
  { name: 'SubscriptionAlias', route: 'providers/Microsoft.Subscription/subscriptions' },
  // Scope-less resources (approvals) and the tenant root.
  { name: 'Tenant', route: 'providers/Microsoft.Authorization' },
] as const;

export type ArmRouteRoot = (typeof ARM_ROUTE_ROOTS)[number];

/** One ARM request path, split. */
export interface ArmPath {
  /** The scope as written, with a leading slash; '' for scope-less paths (/providers/Microsoft.Authorization/...). */
  scope: string;
  /** The resource type as written in the URL (see resolveResourceType). */
  resourceType: string;
  /** What follows the type: [] for the collection, [name], [name, action], [name, child, childName]... */
  segments: string[];
}

const NAMESPACE = 'microsoft.authorization';

/** The full path of a request that matched `{root}/{*rest}`, whatever the host's route prefix. */
export function armPathOf(root: ArmRouteRoot, rest: string | undefined): string {
  return `/${root.route}${rest ? `/${rest}` : ''}`;
}

/**
 * Splits an ARM path at its last `/providers/Microsoft.Authorization/` that has a resource type
 * after it: a resource scope may itself contain providers segments (even of this namespace, such
 * as a lock), but the PIM resource always comes last. Undefined when the path names no
 * Microsoft.Authorization resource at all.
 */
export function splitArmPath(path: string): ArmPath | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  for (let i = parts.length - 3; i >= 0; i--) {
    if (parts[i]?.toLowerCase() !== 'providers' || parts[i + 1]?.toLowerCase() !== NAMESPACE) continue;
    const scopeParts = parts.slice(0, i);
    return {
      scope: scopeParts.length > 0 ? `/${scopeParts.join('/')}` : '',
      resourceType: parts[i + 2] ?? '',
      segments: parts.slice(i + 3),
    };
  }
  return undefined;
}

/** A resource type as this service spells it, matched case-insensitively; undefined when it serves no such type. */
export function resolveResourceType<T extends string>(typed: string, known: readonly T[]): T | undefined {
  const lower = typed.toLowerCase();
  return known.find((k) => k.toLowerCase() === lower);
}

/** ARM's answer to a type its namespace does not have. */
export function unknownResourceType(typed: string, apiVersion: string | undefined): DomainError {
  return new DomainError(
    'InvalidResourceType',
    `The resource type '${typed}' could not be found in the namespace 'Microsoft.Authorization' for api version '${apiVersion ?? ''}'.`,
    400,
  );
}

/** ARM's answer to a path that names no resource this service has. */
export function noSuchPath(method: string, path: string): DomainError {
  return new DomainError(
    'NotFound',
    `No resource at ${method} ${path}. This service answers /{scope}/providers/Microsoft.Authorization/{resourceType}[/{name}] for Azure resource roles.`,
    404,
  );
}
