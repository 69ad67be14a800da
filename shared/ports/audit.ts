/** One audit record, shaped like Graph's directoryAudit (loggedByService "PIM"). Append-only. */
export interface AuditRecord {
  id: string;
  activityDateTime: string;
  category: 'RoleManagement';
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

export interface AuditLog {
  /** Stores the record; never overwrites one. */
  append(record: AuditRecord): Promise<void>;
  /** Records in time order (for the audit API and tests). */
  list(filter?: { from?: string; to?: string }): Promise<AuditRecord[]>;
}
