import type { RawRequest, RawResponse } from '../core/extension';
import { type DemoDirectory, type DemoUser, findUser } from './demoDirectory';
import type { GroupLinks, GroupStore, GroupView, StoredGroup } from './groupStore';
import { collection, filtered, graphError, groupJson, type Json, json, notFound, selected, unknownSegment, userJson } from './responses';

export interface GroupRouteDeps {
  store: GroupStore;
  directory: DemoDirectory;
}

/** The type casts Graph allows on a directoryObject collection, as a path segment. */
const CASTS: Record<string, string> = {
  'microsoft.graph.user': '#microsoft.graph.user',
  'microsoft.graph.group': '#microsoft.graph.group',
};

type DirectoryObject = { kind: 'user'; user: DemoUser } | { kind: 'group'; group: StoredGroup };

/**
 * Graph's groups and the references between them and their members and owners:
 * `/groups[/{id}[/{navigation}[/{cast}]]]`, `$ref` adds and removals, and a user's
 * memberOf, transitiveMemberOf and ownedObjects. Undefined: not a group path.
 */
export async function routeGroups(req: RawRequest, segs: string[], root: string, deps: GroupRouteDeps): Promise<RawResponse | undefined> {
  const [set, id, navigation, ...rest] = segs;
  if (set === 'groups') return groups(req, id, navigation, rest, root, deps);
  if (set === 'users' && id && navigation && req.method === 'GET') return userNavigation(req, id, navigation, rest, root, deps);
  return undefined;
}

async function groups(req: RawRequest, id: string | undefined, navigation: string | undefined, rest: string[], root: string, deps: GroupRouteDeps): Promise<RawResponse> {
  const select = req.url.searchParams.get('$select');
  if (req.method === 'GET') {
    const view = await deps.store.read();
    if (!id) {
      const all = filtered(view.groups.map(groupJson), req.url.searchParams.get('$filter'));
      return collection(root, 'groups', all.map((g) => selected(g, select)));
    }
    const group = view.group(id);
    if (!group) return notFound(id);
    if (!navigation) return json(200, { '@odata.context': `${root}/$metadata#groups/$entity`, ...selected(groupJson(group), select) });
    const objects = groupNavigation(view, group, navigation, deps.directory);
    if (!objects) return unknownSegment(navigation);
    return cast(objects, rest, `groups('${group.id}')/${navigation}`, root, select);
  }
  const links = navigation === 'members' || navigation === 'owners' ? navigation : undefined;
  if (req.method === 'POST' && id && links && rest.length === 1 && rest[0] === '$ref') return addRef(req, id, links, deps);
  if (req.method === 'DELETE' && id && links && rest.length === 2 && rest[0] && rest[1] === '$ref') return removeRef(id, links, rest[0], deps);
  return graphError(405, 'Request_BadRequest', `${req.method} is not supported here.`);
}

/** The objects a group navigation lists; undefined for a navigation groups do not have. */
function groupNavigation(view: GroupView, group: StoredGroup, navigation: string, directory: DemoDirectory): Json[] | undefined {
  const objects = (ids: string[]) => ids.map((id) => objectJson(view, directory, id)).filter((o) => o !== undefined);
  switch (navigation) {
    case 'members':
    case 'owners':
      return objects(view.related(group.id, navigation));
    case 'transitiveMembers':
      return objects(view.transitiveMembers(group.id));
    case 'memberOf':
      return view.memberOf(group.id).map(groupJson);
    case 'transitiveMemberOf':
      return view.transitiveMemberOf(group.id).map(groupJson);
    default:
      return undefined;
  }
}

async function userNavigation(req: RawRequest, id: string, navigation: string, rest: string[], root: string, deps: GroupRouteDeps): Promise<RawResponse> {
  const user = findUser(deps.directory, id);
  if (!user) return notFound(id);
  const view = await deps.store.read();
  const lists: Record<string, () => StoredGroup[]> = {
    memberOf: () => view.memberOf(user.id),
    transitiveMemberOf: () => view.transitiveMemberOf(user.id),
    ownedObjects: () => view.ownedBy(user.id),
  };
  const list = lists[navigation];
  if (!list) return unknownSegment(navigation);
  return cast(list().map(groupJson), rest, `users('${user.id}')/${navigation}`, root, req.url.searchParams.get('$select'));
}

/** A collection answer, narrowed by an optional type-cast segment (`/microsoft.graph.user`). */
function cast(objects: Json[], rest: string[], context: string, root: string, select: string | null): RawResponse {
  const [segment, ...more] = rest;
  if (more.length) return unknownSegment(more[0]);
  const type = segment === undefined ? undefined : CASTS[segment];
  if (segment !== undefined && !type) return unknownSegment(segment);
  const value = type ? objects.filter((o) => o['@odata.type'] === type) : objects;
  return collection(root, segment ? `${context}/${segment}` : context, value.map((o) => selected(o, select)));
}

/**
 * POST /groups/{id}/members|owners/$ref with `{"@odata.id": ".../directoryObjects/{id}"}`, refused
 * as Graph refuses: an unknown group or object (404), a reference already there, a member added
 * to a dynamic or on-premises-synced group, a group nested in a role-assignable one (400).
 */
async function addRef(req: RawRequest, groupId: string, links: GroupLinks, deps: GroupRouteDeps): Promise<RawResponse> {
  const ref = referenceIn(req.body);
  if (typeof ref === 'string') return graphError(400, 'BadRequest', ref);
  const view = await deps.store.read();
  const group = view.group(groupId);
  if (!group) return notFound(groupId);
  const object = resolve(view, deps.directory, ref);
  if (!object) return notFound(ref.id);
  const objectId = object.kind === 'user' ? object.user.id : object.group.id;
  const refused = links === 'members' ? membershipLocked(group) ?? nestingRefused(group, object) : ownerRefused(object);
  if (refused) return refused;
  if (view.has(group.id, links, objectId) || !(await deps.store.add(group.id, links, objectId))) {
    return graphError(400, 'Request_BadRequest', `One or more added object references already exist for the following modified properties: '${links}'.`);
  }
  return { status: 204 };
}

/** DELETE /groups/{id}/members|owners/{objectId}/$ref: 404 when it is not there; a group keeps its last owner. */
async function removeRef(groupId: string, links: GroupLinks, objectId: string, deps: GroupRouteDeps): Promise<RawResponse> {
  const view = await deps.store.read();
  const group = view.group(groupId);
  if (!group) return notFound(groupId);
  if (links === 'members') {
    const locked = membershipLocked(group);
    if (locked) return locked;
  }
  if (!view.has(group.id, links, objectId)) return notFound(objectId);
  // Once a group has owners, Graph keeps at least one.
  if (links === 'owners' && view.related(group.id, 'owners').length <= 1) {
    return graphError(400, 'Request_BadRequest', 'The group must have at least one owner, hence this owner cannot be removed.');
  }
  if (!(await deps.store.remove(group.id, links, objectId))) return notFound(objectId);
  return { status: 204 };
}

/** A dynamic group's members come from its rule, a synced group's from on-premises AD: not from Graph writes. */
function membershipLocked(group: StoredGroup): RawResponse | undefined {
  if (group.groupTypes.includes('DynamicMembership')) {
    return graphError(400, 'Request_BadRequest', 'Members of a group with dynamic membership are set by its membership rule and cannot be added or removed.');
  }
  if (group.onPremisesSyncEnabled === true) {
    return graphError(400, 'Request_BadRequest', 'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.');
  }
  return undefined;
}

function nestingRefused(group: StoredGroup, object: DirectoryObject): RawResponse | undefined {
  if (object.kind === 'group' && group.isAssignableToRole) {
    return graphError(400, 'Request_BadRequest', 'Nesting is currently not supported for groups that can be assigned to a role.');
  }
  return undefined;
}

function ownerRefused(object: DirectoryObject): RawResponse | undefined {
  if (object.kind === 'group') return graphError(400, 'Request_BadRequest', 'A group cannot own a group: owners are users or service principals.');
  return undefined;
}

/** The object an `@odata.id` names, or why the body is not a reference. */
function referenceIn(body: Buffer): { set: string; id: string } | string {
  const shape = 'Send {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}.';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return `Invalid JSON body. ${shape}`;
  }
  const ref = typeof parsed === 'object' && parsed !== null ? (parsed as Json)['@odata.id'] : undefined;
  if (typeof ref !== 'string') return `The reference '@odata.id' is missing. ${shape}`;
  const m = /\/(directoryObjects|users|groups)\/([^/?#]+)\/?$/.exec(ref);
  if (!m?.[1] || !m[2]) return `Invalid object identifier '${ref}'. ${shape}`;
  return { set: m[1], id: m[2].toLowerCase() };
}

function resolve(view: GroupView, directory: DemoDirectory, ref: { set: string; id: string }): DirectoryObject | undefined {
  const user = ref.set !== 'groups' ? directory.users.find((u) => u.id === ref.id) : undefined;
  if (user) return { kind: 'user', user };
  const group = ref.set !== 'users' ? view.group(ref.id) : undefined;
  return group ? { kind: 'group', group } : undefined;
}

function objectJson(view: GroupView, directory: DemoDirectory, id: string): Json | undefined {
  const user = directory.users.find((u) => u.id === id);
  if (user) return userJson(user);
  const group = view.group(id);
  return group ? groupJson(group) : undefined;
}
