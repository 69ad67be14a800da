/** One audit record, shaped like Graph's directoryAudit (loggedByService "PIM"). Append-only. */
export interface AuditRecord {
  id: string;
  activityDateTime: string;
  category: 'RoleManagement' | 'GroupManagement';
  activityDisplayName: string;
  operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign' | 'Other';
  correlationId: string;
  loggedByService: 'PIM';
  result: 'success' | 'failure';
  resultReason: string;
  initiatedBy: { user: { id: string; displayName: string | null; userPrincipalName: string | null } | null; app: { displayName: string } | null };
  targetResources: Array<{
    id: string;
    displayName: string | null;
    type: 'User' | 'Group' | 'Role' | 'Policy' | 'Request' | 'Other';
    modifiedProperties: Array<{ displayName: string; oldValue: string | null; newValue: string | null }>;
  }>;
  additionalDetails: Array<{ key: string; value: string }>;
}

/**
 * The audit trail. Records are hash-chained: each is stored with a sequence number and a hash over
 * itself and the previous record's hash, so editing, deleting, inserting or reordering stored
 * records is detected by `npm run audit:verify`. Appends from concurrent requests and processes
 * are serialised into one chain; none is lost or stored twice.
 */
export interface AuditLog {
  /** Stores the record at the end of the chain; never overwrites one. */
  append(record: AuditRecord): Promise<void>;
  /** Stores the records at the end of the chain, in order; a record already chained (same id) is skipped. */
  appendAll(records: AuditRecord[]): Promise<void>;
  /** Records in time order (for the audit API and tests). */
  list(filter?: { from?: string; to?: string }): Promise<AuditRecord[]>;
}
