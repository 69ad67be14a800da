import { GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { Directory, DirectoryGroup, DirectoryPrincipal, DirectoryRoleAssignment, GroupRelation, RoleDefinition } from '../../ports/directory';
import { graphClient } from './graphClient';

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

interface Ref {
  id: string;
}

/** A group as Graph returns it for the $select below (unset properties come back null). */
interface GraphGroup {
  id: string;
  displayName?: string | null;
  isAssignableToRole?: boolean | null;
  groupTypes?: string[] | null;
  membershipRule?: string | null;
  onPremisesSyncEnabled?: boolean | null;
}

const GROUP_SELECT = 'id,displayName,isAssignableToRole,groupTypes,membershipRule,onPremisesSyncEnabled';

/** The group navigation property each relation is kept in. */
const navigationOf = (relation: GroupRelation) => (relation === 'member' ? 'members' : 'owners');

/** Ids compare case-insensitively: Graph answers with lower-case GUIDs whatever the caller sent. */
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The Directory port over Microsoft Graph. The client's retry middleware retries 429, 503
 * and 504 answers, waiting as long as Graph's Retry-After says.
 */
export function graphDirectory(options: GraphDirectoryOptions): Directory {
  const client = graphClient(options);
  const retry = new RetryHandlerOptions(options.retry?.delaySeconds ?? 3, options.retry?.maxRetries ?? 3);
  const api = (path: string) => client.api(path).middlewareOptions([retry]);
  const noRetry = new RetryHandlerOptions(0, 0);
  /** Where object references (`@odata.id`) point: this Graph's own host, so national clouds work too. */
  const graphRoot = `${options.baseUrl.replace(/\/$/, '')}/v1.0`;

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
      const kind = PRINCIPAL_KINDS[found['@odata.type'] ?? ''] ?? 'user';
      const principal: DirectoryPrincipal = { id: found.id, kind, displayName: found.displayName ?? found.id };
      if (found.userPrincipalName) principal.userPrincipalName = found.userPrincipalName;
      if (found.mail) principal.mail = found.mail;
      return principal;
    },

    async managerOf(userId) {
      if (!isGraphId(userId)) return undefined;
      const found = (await orUndefined(api(`/users/${encodeURIComponent(userId)}/manager?$select=id`).get())) as Ref | undefined;
      return found?.id;
    },

    async groupMemberIds(groupId) {
      if (!isGraphId(groupId)) return [];
      const members = await all<Ref>(`/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id`);
      return members.map((m) => m.id);
    },

    async groupsOf(principalId) {
      if (!isGraphId(principalId)) return [];
      return (await groupsOfPrincipal(principalId, 'transitiveMemberOf')) ?? [];
    },

    async getGroup(id) {
      if (!isGraphId(id)) return undefined;
      const found = (await orUndefined(api(`/groups/${encodeURIComponent(id)}?$select=${GROUP_SELECT}`).get())) as GraphGroup | undefined;
      return found ? toGroup(found) : undefined;
    },

    async listGroupRelation(groupId, relation) {
      if (!isGraphId(groupId)) return [];
      const related = await all<Ref>(`/groups/${encodeURIComponent(groupId)}/${navigationOf(relation)}?$select=id`);
      return related.map((r) => r.id);
    },

    async relationsOf(principalId) {
      if (!isGraphId(principalId)) return [];
      const [memberOf, owned] = await Promise.all([
        groupsOfPrincipal(principalId, 'memberOf'),
        // Only users (and service principals) own groups; a group's id under /users is a 404.
        orUndefined(all<Ref>(`/users/${encodeURIComponent(principalId)}/ownedObjects/microsoft.graph.group?$select=id`)),
      ]);
      return [
        ...(memberOf ?? []).map((groupId) => ({ groupId, relation: 'member' as const })),
        ...(owned ?? []).map((g) => ({ groupId: g.id, relation: 'owner' as const })),
      ];
    },

    async addToGroup(groupId, relation, principalId) {
      const missing = () => new Error(`Cannot add ${principalId} as ${relation} of group ${groupId}: the group or the principal does not exist.`);
      if (!isGraphId(groupId) || !isGraphId(principalId)) throw missing();
      const has = async () => {
        const related = await orUndefined(directory.listGroupRelation(groupId, relation));
        if (!related) throw missing();
        return related.some((id) => sameId(id, principalId));
      };
      // Why: Graph answers an existing reference with a bare 400, like any other refusal; asking
      // first tells "already there" (made outside PIM, so never PIM's to remove) from a real refusal.
      if (await has()) return { created: false };
      try {
        await api(`/groups/${encodeURIComponent(groupId)}/${navigationOf(relation)}/$ref`).post({
          '@odata.id': `${graphRoot}/directoryObjects/${principalId}`,
        });
        return { created: true };
      } catch (error) {
        if (error instanceof GraphError && error.statusCode === 404) throw missing();
        // Added meanwhile by our own earlier, unanswered attempt (or someone else): that is success.
        if (await has()) return { created: true };
        throw error;
      }
    },

    async removeFromGroup(groupId, relation, principalId) {
      if (!isGraphId(groupId) || !isGraphId(principalId)) return;
      // A 404 means it is not there (or the group is gone): what removing wanted. Other refusals,
      // e.g. removing a group's last owner, reach the caller.
      await orUndefined(api(`/groups/${encodeURIComponent(groupId)}/${navigationOf(relation)}/${encodeURIComponent(principalId)}/$ref`).delete());
    },

    async revokeSignInSessions(userId, options) {
      if (!isGraphId(userId)) return;
      const path = `/users/${encodeURIComponent(userId)}/revokeSignInSessions`;
      const request = options?.once ? client.api(path).middlewareOptions([noRetry]) : api(path);
      // Why any 2xx: Graph documents a known issue where this answers with another success code than 200.
      await orUndefined(request.post({}));
    },
  };

  /**
   * The groups a principal is in, directly or transitively; undefined when it is neither a user
   * nor a group. Graph declares memberOf and transitiveMemberOf on each kind of object, not on
   * directoryObject, so a kind-free path is refused: try users (the usual principal), then groups.
   */
  async function groupsOfPrincipal(principalId: string, navigation: 'memberOf' | 'transitiveMemberOf'): Promise<string[] | undefined> {
    for (const set of ['users', 'groups']) {
      const found = await orUndefined(all<Ref>(`/${set}/${encodeURIComponent(principalId)}/${navigation}/microsoft.graph.group?$select=id`));
      if (found) return found.map((g) => g.id);
    }
    return undefined;
  }

  async function findAssignment(principalId: string, roleDefinitionId: string, directoryScopeId: string) {
    const list = await directory.listRoleAssignments({ principalId, roleDefinitionId });
    return list.find((a) => a.directoryScopeId === directoryScopeId);
  }

  return withDeadline(directory, options.timeoutMs ?? 30_000);
}

/** Graph's @odata.type of a directory object, as the kind of principal it is. */
const PRINCIPAL_KINDS: Record<string, DirectoryPrincipal['kind']> = {
  '#microsoft.graph.user': 'user',
  '#microsoft.graph.group': 'group',
  '#microsoft.graph.servicePrincipal': 'servicePrincipal',
};

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
    groupsOf: timed('groupsOf', directory.groupsOf),
    getGroup: timed('getGroup', directory.getGroup),
    listGroupRelation: timed('listGroupRelation', directory.listGroupRelation),
    relationsOf: timed('relationsOf', directory.relationsOf),
    addToGroup: timed('addToGroup', directory.addToGroup),
    removeFromGroup: timed('removeFromGroup', directory.removeFromGroup),
    managerOf: timed('managerOf', directory.managerOf),
    revokeSignInSessions: timed('revokeSignInSessions', directory.revokeSignInSessions),
  };
}

function toAssignment(a: DirectoryRoleAssignment): DirectoryRoleAssignment {
  return { id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId };
}

function toGroup(g: GraphGroup): DirectoryGroup {
  return {
    id: g.id,
    displayName: g.displayName ?? g.id,
    // Graph leaves isAssignableToRole null on groups created without it: not role-assignable.
    isAssignableToRole: g.isAssignableToRole === true,
    isDynamic: (g.groupTypes ?? []).includes('DynamicMembership'),
    // null: never synced from on-premises; false: was, and is cloud-managed now.
    onPremisesSyncEnabled: g.onPremisesSyncEnabled === true,
  };
}
