import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';
import { FaultInjector, type Fault, parseFault } from '../graph/faults';
import { AssignmentStore, type StoredAssignment } from './assignmentStore';
import { routeAuthorization } from './authorizationRoutes';
import { type AzureTree, loadDemoAzure } from './demoAzure';
import { graphStandInDirectory, type PrincipalDirectory } from './directory';
import { routeManagement } from './managementRoutes';
import { ARM_DEFAULT_LIMITS, type RateLimitOptions, RateLimits } from './rateLimits';
import { routeSubscriptions } from './resourceRoutes';
import { armError, json } from './responses';

const PREFIX = '/.devhost/arm';

export interface ArmStandInOptions {
  tree?: AzureTree;
  /** Items per page of a list before a nextLink (ARM pages long lists; tests make pages short). */
  pageSize?: number;
  /** Requests per hour and bucket before ARM's 429 (ARM's old defaults: 12,000 reads and 1,200 writes). */
  limits?: RateLimitOptions;
  /** Who ARM asks about principals; by default the Graph stand-in of the same host. */
  directory?: PrincipalDirectory;
}

/**
 * A local Azure Resource Manager for exactly the calls PIM for Azure resources makes: the
 * management group tree, subscriptions, resource groups and resources (a demo tree from
 * demo-azure.json), role definitions (the built-in roles with their real ids, and a custom
 * one), and role assignments kept in Table Storage. It answers as ARM does: api-version
 * required, ARM's error bodies and codes, x-ms-request-id and the x-ms-ratelimit-remaining-*
 * headers, and failures (429 with Retry-After, 503, latency, lost answers) injectable through
 * /.devhost/arm/faults.
 */
export class ArmStandInExtension implements HostExtension {
  readonly name = 'arm';
  readonly faults = new FaultInjector();
  readonly tree: AzureTree;
  private readonly limits: RateLimits;
  private readonly directory: PrincipalDirectory;
  private store?: AssignmentStore;
  private baseUrl?: string;

  constructor(private readonly options: ArmStandInOptions = {}) {
    this.tree = options.tree ?? loadDemoAzure();
    this.limits = new RateLimits(options.limits ?? ARM_DEFAULT_LIMITS);
    this.directory = options.directory ?? graphStandInDirectory(() => (this.baseUrl ? `${this.baseUrl}/.devhost/graph/v1.0` : undefined));
  }

  async start(host: HostContext): Promise<void> {
    this.baseUrl = host.baseUrl;
    const table = TableClient.fromConnectionString(host.storageConnectionString, `${host.tablePrefix}ArmRoleAssignments`, { allowInsecureConnection: true });
    await table.createTable();
    this.store = new AssignmentStore(table);
  }

  async stop(): Promise<void> {}

  describe(): Record<string, string> {
    const { managementGroups, subscriptions, roleDefinitions } = this.tree.demo;
    return { arm: `devhost ARM stand-in (${managementGroups.length} management groups, ${subscriptions.length} subscriptions, ${roleDefinitions.length} role definitions)` };
  }

  /** The role assignments now (what PIM granted and anything made outside PIM). */
  async listAssignments(): Promise<StoredAssignment[]> {
    return this.requireStore().list();
  }

  async handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    const path = req.url.pathname;
    if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return undefined;
    if (path === `${PREFIX}/faults`) return this.faultApi(req);
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': firstHeader(req.headers['x-ms-correlation-request-id']) ?? requestId,
    };
    const answer = await this.answer(req, path, headers);
    return { ...answer, headers: { ...answer.headers, ...headers } };
  }

  private async answer(req: RawRequest, path: string, headers: Record<string, string>): Promise<RawResponse> {
    const before = this.faults.take(req.method, path);
    if (before?.latencyMs) await new Promise((r) => setTimeout(r, before.latencyMs));
    if (before && before.status > 0) return injected(before);
    let segs: string[];
    try {
      // Clients that put the scope after a slash of their own send "//subscriptions/...": ARM reads one slash.
      segs = path.slice(PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return armError(400, 'InvalidRequestUri', 'The request URI is not valid.');
    }
    const taken = this.limits.take({ subscriptionId: subscriptionOf(segs) }, req.method === 'GET' || isQuery(segs) ? 'reads' : 'writes');
    if ('retryAfterSeconds' in taken) {
      const level = taken.header.includes('-subscription-') ? 'subscription' : 'tenant';
      return armError(429, level === 'subscription' ? 'SubscriptionRequestsThrottled' : 'TenantRequestsThrottled', `Number of requests exceeded the limit. Please try again after '${taken.retryAfterSeconds}' seconds.`, {
        'Retry-After': String(taken.retryAfterSeconds),
        [taken.header]: '0',
      });
    }
    headers[taken.header] = String(taken.remaining);
    const answer = await this.route(req, segs);
    // A lost answer: what the request did stays done; the client sees a failure instead.
    const after = this.faults.take(req.method, path, 'after');
    if (after?.latencyMs) await new Promise((r) => setTimeout(r, after.latencyMs));
    return after ? injected(after) : answer;
  }

  private async route(req: RawRequest, segs: string[]): Promise<RawResponse> {
    const lower = segs.map((s) => s.toLowerCase());
    const deps = { tree: this.tree, pageSize: this.options.pageSize ?? 100 };
    // The last Microsoft.Authorization provider segment: what comes before it is the scope.
    const auth = lower.map((s, i) => (s === 'providers' && lower[i + 1] === 'microsoft.authorization' ? i : -1)).reduce((last, i) => Math.max(last, i), -1);
    if (auth >= 0) {
      const scope = `/${segs.slice(0, auth).join('/')}`;
      return routeAuthorization(req, scope, segs.slice(auth + 2), { ...deps, store: this.requireStore(), directory: this.directory });
    }
    if (lower[0] === 'providers' && lower[1] === 'microsoft.management') return routeManagement(req, segs.slice(2), deps);
    if (lower[0] === 'subscriptions') return routeSubscriptions(req, segs.slice(1), deps);
    return armError(404, 'NotFound', `devhost's ARM stand-in has no route for ${req.method} /${segs.join('/')}.`);
  }

  private faultApi(req: RawRequest): RawResponse {
    if (req.method === 'GET') return json(200, { pending: this.faults.list(), injected: this.faults.injected });
    if (req.method === 'DELETE') {
      this.faults.clear();
      return { status: 204 };
    }
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        return armError(400, 'InvalidRequestContent', 'Send a JSON object.');
      }
      const fault = parseFault(body, { afterHandling: true });
      if (typeof fault === 'string') return armError(400, 'InvalidRequestContent', fault);
      this.faults.add(fault);
      return json(201, fault);
    }
    return armError(405, 'MethodNotAllowed', 'Use GET, POST or DELETE.');
  }

  private requireStore(): AssignmentStore {
    if (!this.store) throw new Error('The ARM stand-in is not started.');
    return this.store;
  }
}

/** An injected failure in ARM's words: 429 and 503 as ARM throttles and sheds load. */
function injected(fault: Fault): RawResponse {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
  const code = fault.status === 429 ? 'SubscriptionRequestsThrottled' : fault.status === 503 ? 'ServiceUnavailable' : fault.status >= 500 ? 'InternalServerError' : 'InjectedFault';
  const message =
    fault.status === 429
      ? `Number of requests exceeded the limit (injected). Please try again after '${fault.retryAfterSeconds ?? 1}' seconds.`
      : `Injected fault ${fault.status}.`;
  return armError(fault.status, code, message, headers);
}

/** The subscription a request is counted against; undefined above any subscription (the tenant's bucket). */
function subscriptionOf(segs: string[]): string | undefined {
  const at = segs.findIndex((s) => s.toLowerCase() === 'subscriptions');
  const id = at >= 0 ? segs[at + 1] : undefined;
  return id && /^[0-9a-f-]{36}$/i.test(id) ? id : undefined;
}

/** POSTs that only read (getEntities) count as reads, as ARM counts them. */
function isQuery(segs: string[]): boolean {
  return segs.at(-1)?.toLowerCase() === 'getentities';
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
