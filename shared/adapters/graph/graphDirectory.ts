import { Client, GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { Directory, DirectoryPrincipal, DirectoryRoleAssignment, RoleDefinition } from '../../ports/directory';

export interface GraphDirectoryOptions {
  /** e.g. https://graph.microsoft.com, or devhost's stand-in. */
  baseUrl: string;
  getToken: () => Promise<string>;
  /** Seconds to wait between retries when Graph sends no Retry-After, and how many retries. */
  retry?: { delaySeconds: number; maxRetries: number };
  /** How long one directory call (retries included) may take before it counts as failed; 30 s by default. */
  timeoutMs?: number;
}

/**
 * Directory object ids are GUIDs. Anything else never reaches Graph: '.' or '..' would be
 * resolved away as path segments, a quote would break out of a $filter, and a lone surrogate
 * cannot be URL-encoded. Such an id simply names nothing.
 */
const GRAPH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isGraphId = (id: string) => GRAPH_ID.test(id);

interface Paged<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/**
 * The Directory port over Microsoft Graph. The client's retry middleware retries 429, 503
 * and 504 answers, waiting as long as Graph's Retry-After says.
 */
export function graphDirectory(options: GraphDirectoryOptions): Directory {
  const base = new URL(options.baseUrl);
  const client = Client.init({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    defaultVersion: 'v1.0',
    customHosts: new Set([base.hostname]),
    authProvider: (done) => {
      options.getToken().then((token) => done(null, token), (error: unknown) => done(error as Error, null));
    },
  });
  const retry = new RetryHandlerOptions(options.retry?.delaySeconds ?? 3, options.retry?.maxRetries ?? 3);
  const api = (path: string) => client.api(path).middlewareOptions([retry]);

  async function all<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    let page = (await api(path).get()) as Paged<T>;
    out.push(...page.value);
    while (page['@odata.nextLink']) {
      page = (await api(page['@odata.nextLink']).get()) as Paged<T>;
      out.push(...page.value);
    }
    return out;
  }

  async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof GraphError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  const assignmentsPath = '/roleManagement/directory/roleAssignments';
  const filterOf = (f: { principalId?: string; roleDefinitionId?: string }) => {
    const clauses = [];
    if (f.principalId) clauses.push(`principalId eq '${f.principalId}'`);
    if (f.roleDefinitionId) clauses.push(`roleDefinitionId eq '${f.roleDefinitionId}'`);
    return clauses.length ? `?$filter=${encodeURIComponent(clauses.join(' and '))}` : '';
  };

  const directory: Directory = {
    listRoleDefinitions: () => all<RoleDefinition>('/roleManagement/directory/roleDefinitions'),
    getRoleDefinition: async (id) => (isGraphId(id) ? orUndefined(api(`/roleManagement/directory/roleDefinitions/${encodeURIComponent(id)}`).get()) : undefined),
    listRoleAssignments: async (filter = {}) => {
      if ((filter.principalId !== undefined && !isGraphId(filter.principalId)) || (filter.roleDefinitionId !== undefined && !isGraphId(filter.roleDefinitionId))) return [];
      return (await all<DirectoryRoleAssignment>(`${assignmentsPath}${filterOf(filter)}`)).map(toAssignment);
    },

    async grantRole(principalId, roleDefinitionId, directoryScopeId) {
      const existing = await findAssignment(principalId, roleDefinitionId, directoryScopeId);
      if (existing) return { ...existing, created: false };
      try {
        const created = (await api(assignmentsPath).post({
          '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
          principalId,
          roleDefinitionId,
          directoryScopeId,
        })) as DirectoryRoleAssignment;
        return { ...toAssignment(created), created: true };
      } catch (error) {
        // Created meanwhile by our own earlier, unanswered attempt (or someone else): that is success.
        const raced = await findAssignment(principalId, roleDefinitionId, directoryScopeId);
        if (raced) return { ...raced, created: true };
        throw error;
      }
    },

    async revokeRole(principalId, roleDefinitionId, directoryScopeId) {
      const existing = await findAssignment(principalId, roleDefinitionId, directoryScopeId);
      if (!existing) return;
      await orUndefined(api(`${assignmentsPath}/${encodeURIComponent(existing.id)}`).delete());
    },

    async getPrincipal(id) {
      if (!isGraphId(id)) return undefined;
      const found = (await orUndefined(api(`/directoryObjects/${encodeURIComponent(id)}`).get())) as
        | { '@odata.type'?: string; id: string; displayName?: string; userPrincipalName?: string; mail?: string }
        | undefined;
      if (!found) return undefined;
      const kind = found['@odata.type'] === '#microsoft.graph.group' ? 'group' : 'user';
      const principal: DirectoryPrincipal = { id: found.id, kind, displayName: found.displayName ?? found.id };
      if (found.userPrincipalName) principal.userPrincipalName = found.userPrincipalName;
      if (found.mail) principal.mail = found.mail;
      return principal;
    },

    async groupMemberIds(groupId) {
      if (!isGraphId(groupId)) return [];
      const members = await all<{ id: string }>(`/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id`);
      return members.map((m) => m.id);
    },
  };

  async function findAssignment(principalId: string, roleDefinitionId: string, directoryScopeId: string) {
    const list = await directory.listRoleAssignments({ principalId, roleDefinitionId });
    return list.find((a) => a.directoryScopeId === directoryScopeId);
  }

  return withDeadline(directory, options.timeoutMs ?? 30_000);
}

/**
 * Every call fails after `ms` instead of hanging on a Graph that does not answer, so the
 * workflow's retries and the reconcile pass get their turn. Grants and removals are idempotent,
 * so a call that did land after its deadline is harmless when repeated.
 */
function withDeadline(directory: Directory, ms: number): Directory {
  const timed =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Microsoft Graph did not answer ${name} within ${ms} ms.`)), ms);
      });
      return Promise.race([call(...args), deadline]).finally(() => clearTimeout(timer));
    };
  return {
    listRoleDefinitions: timed('listRoleDefinitions', directory.listRoleDefinitions),
    getRoleDefinition: timed('getRoleDefinition', directory.getRoleDefinition),
    listRoleAssignments: timed('listRoleAssignments', directory.listRoleAssignments),
    grantRole: timed('grantRole', directory.grantRole),
    revokeRole: timed('revokeRole', directory.revokeRole),
    getPrincipal: timed('getPrincipal', directory.getPrincipal),
    groupMemberIds: timed('groupMemberIds', directory.groupMemberIds),
  };
}

function toAssignment(a: DirectoryRoleAssignment): DirectoryRoleAssignment {
  return { id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId };
}
