import { badRequest } from './errors';

/** Where in Azure's hierarchy a scope sits. */
export type AzureScopeLevel = 'managementGroup' | 'subscription' | 'resourceGroup' | 'resource';

export interface AzureScope {
  level: AzureScopeLevel;
  /** The scope in one canonical spelling (ARM's casing of keywords, lower-case GUIDs, no trailing slash). */
  path: string;
  managementGroupId?: string;
  subscriptionId?: string;
  resourceGroup?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ARM's rules for names: management group ids and resource group names (letters, digits, - _ . ( ), up to 90). */
const NAME = /^[-\w.()]{1,90}$/;
const SEGMENT = /^[^/?#\s]{1,260}$/;

const invalid = (scope: string, why: string) =>
  badRequest(
    `The scope '${scope}' is not valid: ${why}. Use /providers/Microsoft.Management/managementGroups/{id}, /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name} or /subscriptions/{id}/resourceGroups/{name}/providers/{namespace}/{type}/{name}.`,
    'InvalidScope',
  );

/**
 * Parses and validates an ARM scope, case-insensitively where ARM is (keywords and GUIDs),
 * keeping the case of names. Accepts the `providers/Microsoft.Subscription/subscriptions/{id}`
 * alias ARM's own examples use, and a missing leading slash.
 */
export function parseAzureScope(text: string): AzureScope {
  const trimmed = text.trim().replace(/\/+$/, '');
  const parts = trimmed.replace(/^\/+/, '').split('/');
  if (parts.length === 0 || parts.some((p) => !SEGMENT.test(p))) throw invalid(text, 'it is empty or has an empty or malformed segment');
  const lower = parts.map((p) => p.toLowerCase());
  if (lower[0] === 'providers' && lower[1] === 'microsoft.subscription' && lower[2] === 'subscriptions') return parseAzureScope(`/${parts.slice(2).join('/')}`);
  if (lower[0] === 'providers' && lower[1] === 'microsoft.management' && lower[2] === 'managementgroups') {
    const id = parts[3];
    if (parts.length !== 4 || !id || !NAME.test(id)) throw invalid(text, 'a management group scope is /providers/Microsoft.Management/managementGroups/{id}');
    return { level: 'managementGroup', path: `/providers/Microsoft.Management/managementGroups/${id}`, managementGroupId: id };
  }
  if (lower[0] !== 'subscriptions') throw invalid(text, 'it starts with neither /subscriptions nor /providers/Microsoft.Management/managementGroups');
  const sub = parts[1];
  if (!sub || !GUID.test(sub)) throw invalid(text, 'the subscription id must be a GUID');
  const subscriptionId = sub.toLowerCase();
  const subPath = `/subscriptions/${subscriptionId}`;
  if (parts.length === 2) return { level: 'subscription', path: subPath, subscriptionId };
  const rg = parts[3];
  if (lower[2] !== 'resourcegroups' || !rg || !NAME.test(rg) || rg.endsWith('.')) throw invalid(text, 'below a subscription comes resourceGroups/{name}');
  const rgPath = `${subPath}/resourceGroups/${rg}`;
  if (parts.length === 4) return { level: 'resourceGroup', path: rgPath, subscriptionId, resourceGroup: rg };
  // providers/{namespace}/{type}/{name}[/{childType}/{childName}...]
  if (lower[4] !== 'providers' || parts.length < 8 || (parts.length - 6) % 2 !== 0) {
    throw invalid(text, 'a resource scope is .../resourceGroups/{name}/providers/{namespace}/{type}/{name}');
  }
  return { level: 'resource', path: `${rgPath}/providers/${parts.slice(5).join('/')}`, subscriptionId, resourceGroup: rg };
}

/** The canonical spelling of a scope (see parseAzureScope). */
export function canonicalAzureScope(text: string): string {
  return parseAzureScope(text).path;
}

/**
 * The scopes above this one that its own path names, nearest first: a resource's resource
 * group and subscription, a resource group's subscription. Management groups above a
 * subscription are known only to Azure (see the AzureResources port).
 */
export function pathAncestors(scope: AzureScope): string[] {
  if (!scope.subscriptionId) return [];
  const sub = `/subscriptions/${scope.subscriptionId}`;
  switch (scope.level) {
    case 'resource':
      return [`${sub}/resourceGroups/${scope.resourceGroup ?? ''}`, sub];
    case 'resourceGroup':
      return [sub];
    default:
      return [];
  }
}

/** Whether two scopes are the same, as ARM compares them (case-insensitively). */
export function sameAzureScope(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/** A role definition id in any of ARM's spellings (full id at any scope, or the bare GUID) as its GUID, lower-case. */
export function roleDefinitionGuid(id: string): string {
  const guid = id.trim().split('/').filter(Boolean).pop() ?? '';
  if (!GUID.test(guid)) {
    throw badRequest(`The role definition id '${id}' is not valid: use /subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid} or the role's GUID.`, 'InvalidRoleDefinitionId');
  }
  return guid.toLowerCase();
}

/** ARM's full id of a role definition as seen at a scope (subscription-scoped below a subscription). */
export function roleDefinitionIdAt(scope: AzureScope, guid: string): string {
  return scope.subscriptionId
    ? `/subscriptions/${scope.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`
    : `/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}
