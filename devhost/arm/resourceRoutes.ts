import type { RawRequest, RawResponse } from '../core/extension';
import type { AzureTree, DemoResource, DemoResourceGroup, DemoSubscription } from './demoAzure';
import { armError, checkApiVersion, json, page } from './responses';

/** The Microsoft.Resources API versions the stand-in answers (subscriptions, resource groups, providers). */
export const RESOURCES_API_VERSIONS = ['2016-06-01', '2019-10-01', '2020-01-01', '2021-01-01', '2021-04-01', '2022-09-01', '2022-12-01', '2023-07-01', '2024-03-01'] as const;

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Under /subscriptions: the subscriptions, their resource groups and resources, and the
 * resource providers (whose API versions a client needs to read a resource by its id).
 * `segs` are the path's segments after "subscriptions".
 */
export function routeSubscriptions(req: RawRequest, segs: string[], deps: { tree: AzureTree; pageSize: number }): RawResponse {
  if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', `The stand-in answers GET only under /subscriptions, not ${req.method}.`);
  const [subId, collection, name, ...rest] = segs;
  const { tree } = deps;
  const resourceRead = collection?.toLowerCase() === 'resourcegroups' && rest[0]?.toLowerCase() === 'providers';
  // A resource is read with its provider's API version, checked against the provider's list below.
  if (!resourceRead) {
    const refused = checkApiVersion(req.url, RESOURCES_API_VERSIONS);
    if (refused) return refused;
  }
  if (subId === undefined) return page(tree.demo.subscriptions.map((s) => subscriptionJson(s, tree)), req.url, deps.pageSize);
  const sub = tree.subscription(subId);
  if (!sub) return armError(404, 'SubscriptionNotFound', `The subscription '${subId}' could not be found.`);
  if (collection === undefined) return json(200, subscriptionJson(sub, tree));
  switch (collection.toLowerCase()) {
    case 'resourcegroups': {
      if (name === undefined) return page(sub.resourceGroups.map((g) => groupJson(sub, g)), req.url, deps.pageSize);
      const group = tree.resourceGroup(sub.subscriptionId, name);
      if (!group) return armError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
      if (rest.length === 0) return json(200, groupJson(sub, group));
      if (rest.length === 1 && rest[0]?.toLowerCase() === 'resources') {
        return page(group.resources.map((r) => resourceJson(sub, group, r)), req.url, deps.pageSize);
      }
      if (resourceRead) return readResource(req, sub, group, rest.slice(1), tree);
      return armError(404, 'NotFound', `No such path under resource group '${group.name}'.`);
    }
    case 'providers': {
      if (name === undefined) return page(tree.demo.providers.map((p) => providerJson(sub, p.namespace, tree)), req.url, deps.pageSize);
      if (rest.length > 0 || !tree.provider(name)) return armError(404, 'InvalidResourceNamespace', `The resource namespace '${name}' is invalid.`);
      return json(200, providerJson(sub, name, tree));
    }
    default:
      return armError(404, 'NotFound', `The stand-in serves resourceGroups and providers under a subscription, not '${collection}'.`);
  }
}

/** GET /subscriptions/{id}/resourceGroups/{rg}/providers/{ns}/{type}/{name}: the api-version must be one the provider lists for the type. */
function readResource(req: RawRequest, sub: DemoSubscription, group: DemoResourceGroup, path: string[], tree: AzureTree): RawResponse {
  const [namespace = '', ...typesAndNames] = path;
  const resourceType = typesAndNames.filter((_, i) => i % 2 === 0).join('/');
  const version = req.url.searchParams.get('api-version');
  if (version === null || version === '') return armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  const versions = tree.provider(namespace)?.resourceTypes.find((t) => same(t.resourceType, resourceType))?.apiVersions;
  if (!versions) return armError(400, 'InvalidResourceType', `The resource type '${resourceType}' could not be found in the namespace '${namespace}' for api version '${version}'.`);
  if (!versions.includes(version)) {
    return armError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${group.location}' and API version '${version}' for type '${resourceType}'. The supported api-versions are '${versions.join(', ')}'.`,
    );
  }
  const [type = '', name = '', ...deeper] = typesAndNames;
  const resource = deeper.length === 0 ? group.resources.find((r) => same(r.type, `${namespace}/${type}`) && same(r.name, name)) : undefined;
  if (!resource) {
    return armError(404, 'ResourceNotFound', `The Resource '${[namespace, ...typesAndNames].join('/')}' under resource group '${group.name}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  }
  return json(200, resourceJson(sub, group, resource));
}

function subscriptionJson(s: DemoSubscription, tree: AzureTree) {
  return {
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId: tree.demo.tenantId,
    displayName: s.displayName,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'EnterpriseAgreement_2014-09-01', spendingLimit: 'Off' },
  };
}

function groupJson(s: DemoSubscription, g: DemoResourceGroup) {
  return {
    id: `/subscriptions/${s.subscriptionId}/resourceGroups/${g.name}`,
    name: g.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: g.location,
    properties: { provisioningState: 'Succeeded' },
  };
}

function resourceJson(s: DemoSubscription, g: DemoResourceGroup, r: DemoResource) {
  return {
    id: `/subscriptions/${s.subscriptionId}/resourceGroups/${g.name}/providers/${r.type}/${r.name}`,
    name: r.name,
    type: r.type,
    location: r.location,
    properties: { provisioningState: 'Succeeded' },
  };
}

function providerJson(s: DemoSubscription, namespace: string, tree: AzureTree) {
  const provider = tree.provider(namespace);
  return {
    id: `/subscriptions/${s.subscriptionId}/providers/${provider?.namespace ?? namespace}`,
    namespace: provider?.namespace ?? namespace,
    registrationState: 'Registered',
    registrationPolicy: 'RegistrationRequired',
    resourceTypes: (provider?.resourceTypes ?? []).map((t) => ({ resourceType: t.resourceType, locations: ['West Europe', 'North Europe'], apiVersions: t.apiVersions })),
  };
}
