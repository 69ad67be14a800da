import { type AzureScope, parseAzureScope, pathAncestors } from '../../domain/azureScope';
import { type ArmClient, armError } from './armClient';
import { TtlCache } from './ttlCache';

/** API versions of the ARM APIs this module reads (each one's own; ARM has no global version). */
const API = {
  subscriptions: '2022-12-01',
  resources: '2021-04-01',
  management: '2021-04-01',
} as const;

/** An entity of Microsoft.Management/getEntities: a management group or a subscription in the tenant's tree. */
interface Entity {
  name?: string;
  type?: string;
  properties?: { parentNameChain?: string[] | null } | null;
}

interface Provider {
  resourceTypes?: Array<{ resourceType?: string; apiVersions?: string[] }>;
}

const MANAGEMENT_GROUP_TYPE = 'microsoft.management/managementgroups';
const managementGroupScope = (name: string) => `/providers/Microsoft.Management/managementGroups/${name}`;
const segment = encodeURIComponent;

/**
 * Where a scope sits in Azure: the scopes above it up to the tenant root management group, and
 * whether it exists at all. The path names the resource group and subscription; the management
 * groups above a subscription come from Microsoft.Management's getEntities (each entity's
 * `parentNameChain`, root first). Answers are kept for `ttlMs`: the tree changes rarely, and
 * every activation asks.
 */
export class ArmHierarchy {
  private readonly ancestors: TtlCache<string[]>;
  /** By management group or subscription: the resource groups and resources of a subscription share its chain. */
  private readonly groupChains: TtlCache<string[]>;
  private readonly apiVersions: TtlCache<string>;

  constructor(
    private readonly arm: ArmClient,
    private readonly options: { ttlMs: number; timeoutMs: number; now?: () => number },
  ) {
    this.ancestors = new TtlCache(options.ttlMs, options.now);
    this.groupChains = new TtlCache(options.ttlMs, options.now);
    this.apiVersions = new TtlCache(options.ttlMs, options.now);
  }

  /** The scopes above this one, nearest first; undefined when Azure has no such scope (or shows it to nobody here). */
  ancestorsOf(scope: string): Promise<string[] | undefined> {
    const parsed = parseAzureScope(scope);
    return this.ancestors.get(parsed.path.toLowerCase(), () => this.load(parsed));
  }

  private async load(scope: AzureScope): Promise<string[] | undefined> {
    // Why: a cached answer is shared by every caller, so its requests keep to their own deadline, not the first caller's.
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    if (scope.level === 'managementGroup') return this.managementGroupsAbove(scope.managementGroupId ?? '', MANAGEMENT_GROUP_TYPE, signal);
    if (!(await this.exists(scope, signal))) return undefined;
    const subscriptionId = scope.subscriptionId ?? '';
    // A subscription the tree does not show (management groups never set up, or not readable here) has only its path above it.
    const groups = (await this.managementGroupsAbove(subscriptionId, 'subscriptions', signal)) ?? [];
    return [...pathAncestors(scope), ...groups];
  }

  /** The management groups above an entity, nearest first; undefined when the tree has no such entity. */
  private managementGroupsAbove(name: string, type: string, signal: AbortSignal): Promise<string[] | undefined> {
    return this.groupChains.get(`${type}|${name}`.toLowerCase(), () => this.readManagementGroupsAbove(name, type, signal));
  }

  private async readManagementGroupsAbove(name: string, type: string, signal: AbortSignal): Promise<string[] | undefined> {
    const filter = encodeURIComponent(`name eq '${name.replace(/'/g, "''")}'`);
    let next: string | undefined = `/providers/Microsoft.Management/getEntities?api-version=${API.management}&$filter=${filter}`;
    while (next) {
      const answer = await this.arm.send('POST', next, signal);
      if (answer.status !== 200) throw armError(answer, `Listing the management group tree for '${name}'`);
      const page = answer.body as { value?: Entity[]; nextLink?: string | null };
      const found = (page.value ?? []).find((e) => e.name?.toLowerCase() === name.toLowerCase() && isType(e.type, type));
      if (found) return [...(found.properties?.parentNameChain ?? [])].reverse().map(managementGroupScope);
      next = page.nextLink ?? undefined;
    }
    return undefined;
  }

  private async exists(scope: AzureScope, signal: AbortSignal): Promise<boolean> {
    const sub = `/subscriptions/${segment(scope.subscriptionId ?? '')}`;
    const group = `${sub}/resourcegroups/${segment(scope.resourceGroup ?? '')}`;
    switch (scope.level) {
      case 'subscription':
        return this.found(`${sub}?api-version=${API.subscriptions}`, signal);
      case 'resourceGroup':
        return this.found(`${group}?api-version=${API.resources}`, signal);
      case 'resource': {
        const version = await this.apiVersionFor(scope, signal);
        return version !== undefined && this.found(`${pathOf(scope)}?api-version=${encodeURIComponent(version)}`, signal);
      }
      default:
        return false;
    }
  }

  /**
   * The API version to read a resource with: each resource provider has its own, listed by
   * the provider itself (the newest stable one, else the newest). Undefined when the
   * subscription has no such provider or type, so no such resource can exist.
   */
  private apiVersionFor(scope: AzureScope, signal: AbortSignal): Promise<string | undefined> {
    // .../providers/{namespace}/{type}/{name}[/{childType}/{childName}...]
    const [namespace = '', ...typesAndNames] = scope.path.slice(scope.path.indexOf('/providers/') + '/providers/'.length).split('/');
    const resourceType = typesAndNames.filter((_, i) => i % 2 === 0).join('/');
    const key = `${scope.subscriptionId}|${namespace}|${resourceType}`.toLowerCase();
    return this.apiVersions.get(key, async () => {
      const answer = await this.arm.send('GET', `/subscriptions/${segment(scope.subscriptionId ?? '')}/providers/${segment(namespace)}?api-version=${API.resources}`, signal);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw armError(answer, `Reading the resource provider ${namespace}`);
      const type = ((answer.body as Provider).resourceTypes ?? []).find((t) => t.resourceType?.toLowerCase() === resourceType.toLowerCase());
      const versions = type?.apiVersions ?? [];
      return versions.find((v) => !v.toLowerCase().includes('preview')) ?? versions[0];
    });
  }

  private async found(pathAndQuery: string, signal: AbortSignal): Promise<boolean> {
    const answer = await this.arm.send('GET', pathAndQuery, signal);
    if (answer.status === 200) return true;
    if (answer.status === 404) return false;
    throw armError(answer, `Reading ${pathAndQuery.split('?')[0]}`);
  }
}

/** The scope's path with each segment encoded for a URL. */
export function pathOf(scope: AzureScope | string): string {
  const path = typeof scope === 'string' ? parseAzureScope(scope).path : scope.path;
  return path.split('/').map(segment).join('/');
}

/** getEntities calls a subscription's type "/subscriptions" and a management group's "Microsoft.Management/managementGroups". */
function isType(actual: string | undefined, wanted: string): boolean {
  const type = (actual ?? '').toLowerCase().replace(/^\/+/, '');
  return type === wanted;
}
