import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AzureScope } from '../../shared/domain/azureScope';

export interface DemoManagementGroup {
  /** The group's id (ARM's `name`); the tenant root group's is the tenant id. */
  name: string;
  displayName: string;
  /** The parent group's name; null for the tenant root group. */
  parent: string | null;
}

export interface DemoResource {
  /** "{namespace}/{type}", e.g. Microsoft.Storage/storageAccounts. */
  type: string;
  name: string;
  location: string;
}

export interface DemoResourceGroup {
  name: string;
  location: string;
  resources: DemoResource[];
}

export interface DemoSubscription {
  subscriptionId: string;
  displayName: string;
  /** The management group the subscription sits in. */
  managementGroup: string;
  resourceGroups: DemoResourceGroup[];
}

export interface DemoProvider {
  namespace: string;
  resourceTypes: Array<{ resourceType: string; apiVersions: string[] }>;
}

export interface DemoRoleDefinition {
  /** The role's GUID (ARM's `name`). */
  name: string;
  roleName: string;
  description: string;
  type: 'BuiltInRole' | 'CustomRole';
  assignableScopes: string[];
  permissions: Array<{ actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }>;
}

export interface DemoAzure {
  tenantId: string;
  managementGroups: DemoManagementGroup[];
  subscriptions: DemoSubscription[];
  providers: DemoProvider[];
  roleDefinitions: DemoRoleDefinition[];
}

/** Why a scope is not there, in ARM's words. */
export interface Missing {
  code: 'SubscriptionNotFound' | 'ResourceGroupNotFound' | 'ResourceNotFound' | 'ManagementGroupNotFound';
  message: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
export const managementGroupId = (name: string) => `/providers/Microsoft.Management/managementGroups/${name}`;

/** The seeded Azure tree (devhost/arm/demo-azure.json), checked once: every parent and management group named exists. */
export function loadDemoAzure(path = join(__dirname, 'demo-azure.json')): AzureTree {
  return new AzureTree(JSON.parse(readFileSync(path, 'utf8')) as DemoAzure);
}

/**
 * The demo tree and its questions: what exists, and what lies above a scope. ARM compares
 * names and ids case-insensitively, so does this.
 */
export class AzureTree {
  constructor(readonly demo: DemoAzure) {
    const roots = demo.managementGroups.filter((g) => g.parent === null);
    if (roots.length !== 1 || !same(roots[0]?.name ?? '', demo.tenantId)) throw new Error('The demo Azure tree needs one root management group, named by the tenant id.');
    for (const g of demo.managementGroups) if (g.parent !== null && !this.managementGroup(g.parent)) throw new Error(`Management group '${g.name}' names an unknown parent '${g.parent}'.`);
    for (const s of demo.subscriptions) if (!this.managementGroup(s.managementGroup)) throw new Error(`Subscription '${s.displayName}' names an unknown management group '${s.managementGroup}'.`);
  }

  get root(): DemoManagementGroup {
    const root = this.demo.managementGroups.find((g) => g.parent === null);
    if (!root) throw new Error('The demo Azure tree has no root management group.');
    return root;
  }

  managementGroup(name: string): DemoManagementGroup | undefined {
    return this.demo.managementGroups.find((g) => same(g.name, name));
  }

  subscription(id: string): DemoSubscription | undefined {
    return this.demo.subscriptions.find((s) => same(s.subscriptionId, id));
  }

  resourceGroup(subscriptionId: string, name: string): DemoResourceGroup | undefined {
    return this.subscription(subscriptionId)?.resourceGroups.find((g) => same(g.name, name));
  }

  provider(namespace: string): DemoProvider | undefined {
    return this.demo.providers.find((p) => same(p.namespace, namespace));
  }

  /** The management groups above a group or subscription, root first (getEntities' parentNameChain). */
  parentChain(parent: string | null): DemoManagementGroup[] {
    const chain: DemoManagementGroup[] = [];
    for (let name = parent; name !== null; ) {
      const group = this.managementGroup(name);
      if (!group) break;
      chain.unshift(group);
      name = group.parent;
    }
    return chain;
  }

  /** The management groups below a group, and the subscriptions in it, each with its parent. */
  children(name: string): { groups: DemoManagementGroup[]; subscriptions: DemoSubscription[] } {
    return {
      groups: this.demo.managementGroups.filter((g) => g.parent !== null && same(g.parent, name)),
      subscriptions: this.demo.subscriptions.filter((s) => same(s.managementGroup, name)),
    };
  }

  /** Why a parsed scope does not exist, or undefined when it does. */
  missing(scope: AzureScope): Missing | undefined {
    if (scope.level === 'managementGroup') {
      const name = scope.managementGroupId ?? '';
      return this.managementGroup(name) ? undefined : { code: 'ManagementGroupNotFound', message: `The management group '${name}' could not be found.` };
    }
    const sub = scope.subscriptionId ?? '';
    if (!this.subscription(sub)) return { code: 'SubscriptionNotFound', message: `The subscription '${sub}' could not be found.` };
    if (scope.level === 'subscription') return undefined;
    const rg = scope.resourceGroup ?? '';
    const group = this.resourceGroup(sub, rg);
    if (!group) return { code: 'ResourceGroupNotFound', message: `Resource group '${rg}' could not be found.` };
    if (scope.level === 'resourceGroup') return undefined;
    const [namespace = '', type = '', name = '', ...deeper] = scope.path.slice(scope.path.indexOf('/providers/') + '/providers/'.length).split('/');
    const found = deeper.length === 0 && group.resources.some((r) => same(r.type, `${namespace}/${type}`) && same(r.name, name));
    const what = [namespace, type, name, ...deeper].join('/');
    return found
      ? undefined
      : { code: 'ResourceNotFound', message: `The Resource '${what}' under resource group '${group.name}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix` };
  }

  /**
   * The scopes above an existing scope, nearest first, up to the root management group: its
   * resource group, its subscription, the subscription's management groups.
   */
  ancestors(scope: AzureScope): string[] {
    if (scope.level === 'managementGroup') {
      return this.parentChain(this.managementGroup(scope.managementGroupId ?? '')?.parent ?? null)
        .reverse()
        .map((g) => managementGroupId(g.name));
    }
    const sub = this.subscription(scope.subscriptionId ?? '');
    const subPath = `/subscriptions/${scope.subscriptionId ?? ''}`;
    const groups = this.parentChain(sub?.managementGroup ?? null)
      .reverse()
      .map((g) => managementGroupId(g.name));
    const rg = `${subPath}/resourceGroups/${scope.resourceGroup ?? ''}`;
    if (scope.level === 'resource') return [rg, subPath, ...groups];
    if (scope.level === 'resourceGroup') return [subPath, ...groups];
    return groups;
  }
}
