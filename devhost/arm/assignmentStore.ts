import { createHash } from 'node:crypto';
import { odata, RestError, type TableClient, type TransactionAction } from '@azure/data-tables';

/** A role assignment as the stand-in keeps it (what ARM answers, less the ids it derives). */
export interface StoredAssignment {
  /** The assignment's GUID (ARM's `name`), lower-case. */
  name: string;
  /** The scope in its canonical spelling. */
  scope: string;
  principalId: string;
  principalType: string;
  /** The role's GUID, lower-case. */
  roleDefinitionGuid: string;
  description: string | null;
  condition: string | null;
  conditionVersion: string | null;
  createdOn: string;
  updatedOn: string;
  createdBy: string | null;
  updatedBy: string | null;
}

/** What a create met: made, already there under the same name, or the same (scope, principal, role) under another name. */
export type CreateResult = { made: StoredAssignment } | { sameName: StoredAssignment } | { duplicateOf: string };

// Type aliases (not interfaces), so they fit the SDK's Record-typed entities.
type AssignmentEntity = {
  partitionKey: string;
  rowKey: string;
  scope: string;
  principalId: string;
  principalType: string;
  roleDefinitionGuid: string;
  description?: string;
  condition?: string;
  conditionVersion?: string;
  createdOn: string;
  updatedOn: string;
  createdBy?: string;
  updatedBy?: string;
};

type UniqueEntity = {
  partitionKey: string;
  rowKey: string;
  name: string;
};

// One partition, so an assignment and its uniqueness row are written and deleted in one transaction.
const PARTITION = 'roleAssignments';
const assignmentKey = (name: string) => `a_${name.toLowerCase()}`;
/** ARM holds one assignment per (scope, principal, role): this row makes a second one fail inside the same transaction. */
const uniqueKey = (a: Pick<StoredAssignment, 'scope' | 'principalId' | 'roleDefinitionGuid'>) =>
  `u_${createHash('sha256').update([a.scope.toLowerCase(), a.principalId.toLowerCase(), a.roleDefinitionGuid.toLowerCase()].join('|')).digest('hex')}`;

/**
 * The stand-in's role assignments in Table Storage, so what PIM granted survives a devhost
 * restart. Names are unique in the tenant, and so is (scope, principal, role), as in ARM.
 */
export class AssignmentStore {
  constructor(private readonly table: TableClient) {}

  async get(name: string): Promise<StoredAssignment | undefined> {
    const entity = await this.read<AssignmentEntity>(assignmentKey(name));
    return entity ? fromEntity(entity) : undefined;
  }

  async list(): Promise<StoredAssignment[]> {
    const out: StoredAssignment[] = [];
    for await (const e of this.table.listEntities<AssignmentEntity>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION} and RowKey ge ${'a_'} and RowKey lt ${'b'}` } })) {
      out.push(fromEntity(e));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(assignment: StoredAssignment): Promise<CreateResult> {
    const actions: TransactionAction[] = [
      ['create', toEntity(assignment)],
      ['create', { partitionKey: PARTITION, rowKey: uniqueKey(assignment), name: assignment.name } satisfies UniqueEntity],
    ];
    try {
      await this.table.submitTransaction(actions);
      return { made: assignment };
    } catch (error) {
      if (!(error instanceof RestError) || error.statusCode !== 409) throw error;
    }
    const sameName = await this.get(assignment.name);
    if (sameName) return { sameName };
    const unique = await this.read<UniqueEntity>(uniqueKey(assignment));
    if (unique) return { duplicateOf: unique.name };
    // Both rows went in between (a delete raced this create): try once more.
    return this.create(assignment);
  }

  /** Replaces what may change on an assignment (its description and condition). */
  async update(assignment: StoredAssignment): Promise<void> {
    await this.table.updateEntity(toEntity(assignment), 'Replace');
  }

  /** Removes the assignment; the removed one, or undefined when it was not there. */
  async delete(name: string): Promise<StoredAssignment | undefined> {
    const found = await this.get(name);
    if (!found) return undefined;
    try {
      await this.table.submitTransaction([
        ['delete', { partitionKey: PARTITION, rowKey: assignmentKey(name) }],
        ['delete', { partitionKey: PARTITION, rowKey: uniqueKey(found) }],
      ]);
      return found;
    } catch (error) {
      // Removed meanwhile by another request: it is gone, which is what was asked.
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  private async read<T extends object>(rowKey: string): Promise<T | undefined> {
    try {
      return await this.table.getEntity<T>(PARTITION, rowKey);
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}

function toEntity(a: StoredAssignment): AssignmentEntity {
  return {
    partitionKey: PARTITION,
    rowKey: assignmentKey(a.name),
    scope: a.scope,
    principalId: a.principalId,
    principalType: a.principalType,
    roleDefinitionGuid: a.roleDefinitionGuid,
    createdOn: a.createdOn,
    updatedOn: a.updatedOn,
    ...(a.description !== null ? { description: a.description } : {}),
    ...(a.condition !== null ? { condition: a.condition } : {}),
    ...(a.conditionVersion !== null ? { conditionVersion: a.conditionVersion } : {}),
    ...(a.createdBy !== null ? { createdBy: a.createdBy } : {}),
    ...(a.updatedBy !== null ? { updatedBy: a.updatedBy } : {}),
  };
}

function fromEntity(e: AssignmentEntity): StoredAssignment {
  return {
    name: e.rowKey.slice('a_'.length),
    scope: e.scope,
    principalId: e.principalId,
    principalType: e.principalType,
    roleDefinitionGuid: e.roleDefinitionGuid,
    description: e.description ?? null,
    condition: e.condition ?? null,
    conditionVersion: e.conditionVersion ?? null,
    createdOn: e.createdOn,
    updatedOn: e.updatedOn,
    createdBy: e.createdBy ?? null,
    updatedBy: e.updatedBy ?? null,
  };
}
