import type { RawRequest, RawResponse } from '../core/extension';
import { type AzureTree, type DemoManagementGroup, type DemoSubscription, managementGroupId } from './demoAzure';
import { armError, checkApiVersion, json, page } from './responses';

/** The Microsoft.Management API versions the stand-in answers. */
export const MANAGEMENT_API_VERSIONS = ['2020-02-01', '2020-05-01', '2020-10-01', '2021-04-01', '2023-04-01'] as const;

const GROUP_TYPE = 'Microsoft.Management/managementGroups';
const subscriptionId = (s: DemoSubscription) => `/subscriptions/${s.subscriptionId}`;

/**
 * Under /providers/Microsoft.Management: the management group tree. `segs` are the path's
 * segments after the namespace: managementGroups[/{id}[/descendants|/subscriptions[/{id}]]],
 * or getEntities (POST), which gives every entity's chain of parents.
 */
export function routeManagement(req: RawRequest, segs: string[], deps: { tree: AzureTree; pageSize: number }): RawResponse {
  const refused = checkApiVersion(req.url, MANAGEMENT_API_VERSIONS);
  if (refused) return refused;
  const { tree } = deps;
  const [collection = '', name, child, childName, ...more] = segs;
  if (collection.toLowerCase() === 'getentities' && name === undefined) {
    return req.method === 'POST' ? entities(req, deps) : armError(405, 'MethodNotAllowed', 'getEntities is a POST.');
  }
  if (collection.toLowerCase() !== 'managementgroups' || more.length > 0) return armError(404, 'NotFound', `No such Microsoft.Management path: ${segs.join('/')}.`);
  if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', `The stand-in's management groups are read-only (${req.method}).`);
  if (name === undefined) return page(tree.demo.managementGroups.map((g) => ({ id: managementGroupId(g.name), type: GROUP_TYPE, name: g.name, properties: { tenantId: tree.demo.tenantId, displayName: g.displayName } })), req.url, deps.pageSize);
  const group = tree.managementGroup(name);
  if (!group) return armError(404, 'ManagementGroupNotFound', `The management group '${name}' could not be found.`);
  if (child === undefined) return json(200, groupJson(group, req.url, tree));
  switch (child.toLowerCase()) {
    case 'descendants':
      return childName === undefined ? page(descendants(group, tree), req.url, deps.pageSize) : armError(404, 'NotFound', 'descendants has no items by name.');
    case 'subscriptions': {
      const subs = tree.children(group.name).subscriptions;
      if (childName === undefined) return page(subs.map((s) => subscriptionUnder(group, s, tree)), req.url, deps.pageSize);
      const sub = subs.find((s) => s.subscriptionId.toLowerCase() === childName.toLowerCase());
      return sub ? json(200, subscriptionUnder(group, sub, tree)) : armError(404, 'SubscriptionNotFound', `The subscription '${childName}' is not in the management group '${group.name}'.`);
    }
    default:
      return armError(404, 'NotFound', `The stand-in serves descendants and subscriptions of a management group, not '${child}'.`);
  }
}

/** A management group with what `$expand` asks for: children (all the way down with `$recurse=true`), path (root first), ancestors (nearest first). */
function groupJson(group: DemoManagementGroup, url: URL, tree: AzureTree) {
  const expand = (url.searchParams.get('$expand') ?? '').toLowerCase().split(',').map((e) => e.trim());
  const recurse = url.searchParams.get('$recurse') === 'true';
  const parents = tree.parentChain(group.parent);
  const parent = parents.at(-1);
  const element = (g: DemoManagementGroup) => ({ name: g.name, displayName: g.displayName });
  const ancestors = [...parents].reverse();
  return {
    id: managementGroupId(group.name),
    type: GROUP_TYPE,
    name: group.name,
    properties: {
      tenantId: tree.demo.tenantId,
      displayName: group.displayName,
      details: {
        version: 1,
        updatedTime: '2026-01-01T00:00:00Z',
        updatedBy: tree.demo.tenantId,
        parent: parent ? { id: managementGroupId(parent.name), name: parent.name, displayName: parent.displayName } : null,
        ...(expand.includes('path') ? { path: [...parents, group].map(element) } : {}),
        ...(expand.includes('ancestors') ? { managementGroupAncestors: ancestors.map((g) => g.name), managementGroupAncestorsChain: ancestors.map(element) } : {}),
      },
      ...(expand.includes('children') ? { children: childrenOf(group, tree, recurse) } : {}),
    },
  };
}

interface ChildInfo {
  type: string;
  id: string;
  name: string;
  displayName: string;
  children: ChildInfo[] | null;
}

function childrenOf(group: DemoManagementGroup, tree: AzureTree, recurse: boolean): ChildInfo[] {
  const { groups, subscriptions } = tree.children(group.name);
  return [
    ...groups.map((g) => ({ type: GROUP_TYPE, id: managementGroupId(g.name), name: g.name, displayName: g.displayName, children: recurse ? childrenOf(g, tree, true) : null })),
    ...subscriptions.map((s) => ({ type: '/subscriptions', id: subscriptionId(s), name: s.subscriptionId, displayName: s.displayName, children: null })),
  ];
}

/** Everything below a group, each with its parent. */
function descendants(group: DemoManagementGroup, tree: AzureTree): unknown[] {
  const { groups, subscriptions } = tree.children(group.name);
  const parent = { id: managementGroupId(group.name) };
  return [
    ...groups.flatMap((g) => [{ id: managementGroupId(g.name), type: GROUP_TYPE, name: g.name, properties: { displayName: g.displayName, parent } }, ...descendants(g, tree)]),
    ...subscriptions.map((s) => ({ id: subscriptionId(s), type: '/subscriptions', name: s.subscriptionId, properties: { displayName: s.displayName, parent } })),
  ];
}

function subscriptionUnder(group: DemoManagementGroup, s: DemoSubscription, tree: AzureTree) {
  return {
    id: `${managementGroupId(group.name)}/subscriptions/${s.subscriptionId}`,
    type: 'Microsoft.Management/managementGroups/subscriptions',
    name: s.subscriptionId,
    properties: { displayName: s.displayName, parent: { id: managementGroupId(group.name) }, state: 'Active', tenant: tree.demo.tenantId },
  };
}

/** POST getEntities: every management group and subscription, or those named by `$filter=name eq '{name}'` (case-insensitively). */
function entities(req: RawRequest, deps: { tree: AzureTree; pageSize: number }): RawResponse {
  const { tree } = deps;
  const filter = req.url.searchParams.get('$filter');
  let wanted: string | undefined;
  if (filter) {
    const byName = /^name\s+eq\s+'((?:[^']|'')*)'$/i.exec(filter.trim());
    if (!byName) return armError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported by the stand-in; use name eq '{name}'.`);
    wanted = (byName[1] ?? '').replace(/''/g, "'").toLowerCase();
  }
  const chainOf = (parent: string | null) => tree.parentChain(parent);
  const all = [
    ...tree.demo.managementGroups.map((g) => {
      const { groups, subscriptions } = tree.children(g.name);
      return entity(managementGroupId(g.name), GROUP_TYPE, g.name, g.displayName, g.parent, chainOf(g.parent), {
        numberOfDescendants: descendants(g, tree).length,
        numberOfChildren: groups.length + subscriptions.length,
        numberOfChildGroups: groups.length,
      });
    }),
    ...tree.demo.subscriptions.map((s) => entity(subscriptionId(s), '/subscriptions', s.subscriptionId, s.displayName, s.managementGroup, chainOf(s.managementGroup), {})),
  ];
  const value = wanted === undefined ? all : all.filter((e) => e.name.toLowerCase() === wanted);
  const answer = page(value, req.url, deps.pageSize);
  if (answer.status !== 200 || typeof answer.body !== 'string') return answer;
  return json(200, { ...(JSON.parse(answer.body) as object), count: value.length });

  function entity(id: string, type: string, name: string, displayName: string, parent: string | null, chain: DemoManagementGroup[], counts: Record<string, number>) {
    return {
      id,
      type,
      name,
      properties: {
        tenantId: tree.demo.tenantId,
        displayName,
        parent: parent ? { id: managementGroupId(parent) } : null,
        permissions: 'view',
        inheritedPermissions: 'view',
        ...counts,
        parentDisplayNameChain: chain.map((g) => g.displayName),
        parentNameChain: chain.map((g) => g.name),
      },
    };
  }
}
