import { odata, RestError, type TableClient } from '@azure/data-tables';
import type { SeedGroup } from './demoDirectory';

/** The two group navigation properties that hold references: who is in it, who runs it. */
export type GroupLinks = 'members' | 'owners';

/** A group's properties as the stand-in keeps them (what GET /groups/{id} answers). */
export interface StoredGroup {
  id: string;
  displayName: string;
  isAssignableToRole: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  onPremisesSyncEnabled: boolean | null;
}

interface GroupEntity {
  partitionKey: string;
  rowKey: string;
  displayName: string;
  isAssignableToRole: boolean;
  /** JSON array: Table Storage has no list type. */
  groupTypes: string;
  membershipRule?: string;
  onPremisesSyncEnabled?: boolean;
}

interface LinkEntity {
  partitionKey: string;
  rowKey: string;
  groupId: string;
  objectId: string;
}

// The stand-in's GraphDirectory table holds role assignments too; groups keep to these partitions.
const GROUPS = 'group';
const PARTITION: Record<GroupLinks, string> = { members: 'groupMember', owners: 'groupOwner' };
const linkKey = (groupId: string, objectId: string) => `${groupId}_${objectId}`;
// Graph answers with lower-case GUIDs whatever the caller sent; keys and lookups use that form.
const norm = (id: string) => id.toLowerCase();

/**
 * The stand-in's groups, members and owners in Table Storage, so what a test or a PIM grant
 * changed survives a devhost restart, and several devhosts on one storage see the same directory.
 */
export class GroupStore {
  constructor(private readonly table: TableClient) {}

  /**
   * Stores each demo group that is not stored yet, with its members and owners. A group already
   * there is left as it is: its members and owners may have changed since, and that must stay.
   * The group row goes last, so a start cut short seeds the group again next time.
   */
  async seed(groups: SeedGroup[]): Promise<void> {
    await Promise.all(groups.map((g) => this.seedOne(g)));
  }

  private async seedOne(g: SeedGroup): Promise<void> {
    if (await this.exists(GROUPS, norm(g.id))) return;
    const links = [...g.members.map((m) => link('members', g.id, m)), ...g.owners.map((o) => link('owners', g.id, o))];
    await Promise.all(links.map((e) => this.createIfAbsent(e)));
    const entity: GroupEntity = {
      partitionKey: GROUPS,
      rowKey: norm(g.id),
      displayName: g.displayName,
      isAssignableToRole: g.isAssignableToRole,
      groupTypes: JSON.stringify(g.groupTypes),
      ...(g.membershipRule !== null ? { membershipRule: g.membershipRule } : {}),
      ...(g.onPremisesSyncEnabled !== null ? { onPremisesSyncEnabled: g.onPremisesSyncEnabled } : {}),
    };
    await this.createIfAbsent(entity);
  }

  /** Every group and reference as of now (the demo directory is small enough to read whole). */
  async read(): Promise<GroupView> {
    const [groups, members, owners] = await Promise.all([
      this.list<GroupEntity>(GROUPS),
      this.list<LinkEntity>(PARTITION.members),
      this.list<LinkEntity>(PARTITION.owners),
    ]);
    return new GroupView(groups.map(fromEntity), members, owners);
  }

  /** Adds the reference; false when it was already there. */
  async add(groupId: string, links: GroupLinks, objectId: string): Promise<boolean> {
    return this.createIfAbsent(link(links, groupId, objectId));
  }

  /** Removes the reference; false when it was not there. */
  async remove(groupId: string, links: GroupLinks, objectId: string): Promise<boolean> {
    try {
      await this.table.deleteEntity(PARTITION[links], linkKey(norm(groupId), norm(objectId)));
      return true;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return false;
      throw error;
    }
  }

  private async list<T extends object>(partition: string): Promise<T[]> {
    const out: T[] = [];
    for await (const e of this.table.listEntities<T>({ queryOptions: { filter: odata`PartitionKey eq ${partition}` } })) out.push(e);
    return out;
  }

  private async exists(partition: string, rowKey: string): Promise<boolean> {
    try {
      await this.table.getEntity(partition, rowKey);
      return true;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return false;
      throw error;
    }
  }

  private async createIfAbsent(entity: GroupEntity | LinkEntity): Promise<boolean> {
    try {
      await this.table.createEntity(entity);
      return true;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 409) return false;
      throw error;
    }
  }
}

/** One read of the groups: lookups and the nesting walks Graph's transitive queries do. */
export class GroupView {
  private readonly byId: Map<string, StoredGroup>;
  private readonly links: Record<GroupLinks, Map<string, string[]>>;

  constructor(
    readonly groups: StoredGroup[],
    members: LinkEntity[],
    owners: LinkEntity[],
  ) {
    this.byId = new Map(groups.map((g) => [g.id, g]));
    this.links = { members: byGroup(members), owners: byGroup(owners) };
  }

  group(id: string): StoredGroup | undefined {
    return this.byId.get(norm(id));
  }

  /** The direct members or owners (object ids). */
  related(groupId: string, links: GroupLinks): string[] {
    return this.links[links].get(norm(groupId)) ?? [];
  }

  has(groupId: string, links: GroupLinks, objectId: string): boolean {
    return this.related(groupId, links).includes(norm(objectId));
  }

  /** Members, and members of member groups, all the way down: users and the nested groups themselves. */
  transitiveMembers(groupId: string): string[] {
    return walk(norm(groupId), (id) => (this.group(id) ? this.related(id, 'members') : []));
  }

  /** The groups the object is a direct member of. */
  memberOf(objectId: string): StoredGroup[] {
    return this.groups.filter((g) => this.has(g.id, 'members', objectId));
  }

  /** The groups the object is in, directly or through groups it is in. */
  transitiveMemberOf(objectId: string): StoredGroup[] {
    const ids = walk(norm(objectId), (id) => this.memberOf(id).map((g) => g.id));
    return ids.map((id) => this.byId.get(id)).filter((g) => g !== undefined);
  }

  /** The groups the object owns. */
  ownedBy(objectId: string): StoredGroup[] {
    return this.groups.filter((g) => this.has(g.id, 'owners', objectId));
  }
}

/** Everything reachable from `start` (not itself), each once, nearest first: nesting may loop. */
function walk(start: string, next: (id: string) => string[]): string[] {
  const seen = new Set([start]);
  const out: string[] = [];
  const queue = [start];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const found of next(id)) {
      if (seen.has(found)) continue;
      seen.add(found);
      out.push(found);
      queue.push(found);
    }
  }
  return out;
}

function link(links: GroupLinks, groupId: string, objectId: string): LinkEntity {
  const g = norm(groupId);
  const o = norm(objectId);
  return { partitionKey: PARTITION[links], rowKey: linkKey(g, o), groupId: g, objectId: o };
}

function byGroup(entities: LinkEntity[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entities) out.set(e.groupId, [...(out.get(e.groupId) ?? []), e.objectId]);
  return out;
}

function fromEntity(e: GroupEntity): StoredGroup {
  const types: unknown = JSON.parse(e.groupTypes || '[]');
  return {
    id: e.rowKey,
    displayName: e.displayName,
    isAssignableToRole: e.isAssignableToRole === true,
    groupTypes: Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : [],
    membershipRule: e.membershipRule ?? null,
    onPremisesSyncEnabled: e.onPremisesSyncEnabled ?? null,
  };
}
