/** One audit record, shaped like Graph's directoryAudit (loggedByService "PIM"). Append-only. */
export interface AuditRecord {
  id: string;
  activityDateTime: string;
  category: 'RoleManagement' | 'GroupManagement' | 'Policy';
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
 * What the audit history can be narrowed to; every field given must hold. Strings compare
 * case-insensitively (as Graph's `eq` does), times as instants, both ends inclusive.
 */
export interface AuditQuery {
  from?: string;
  to?: string;
  category?: string;
  activityDisplayName?: string;
  result?: string;
  /** Every record here is PIM's: another service's name matches none. */
  loggedByService?: string;
  initiatedByUserId?: string;
  /** A record whose targetResources include this id. */
  targetResourceId?: string;
}

/** A record with its place in the hash chain, for exports an auditor verifies alone (auditExport.ts). */
export interface ChainedAuditRecord {
  seq: number;
  prevHash: string;
  hash: string;
  /** The record's JSON text as stored (what the hash covers, once parsed). */
  json: string;
}

/** One page of history, newest first; `next` (opaque) continues after its last record. */
export interface AuditPage {
  records: AuditRecord[];
  next?: string;
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
  /**
   * Up to `top` records matching `query`, newest first (in chain order, which is the order they
   * were recorded), continuing from `cursor` (a previous page's `next`). A page may hold fewer
   * than `top` records and still have a `next`: each call reads a bounded stretch of the chain.
   */
  page(query: AuditQuery, top: number, cursor?: string): Promise<AuditPage>;
  /** One record by its id (a point read), or undefined. */
  get(id: string): Promise<AuditRecord | undefined>;
  /**
   * The stretch of the chain that holds the records of a time window (both ends inclusive, either
   * open), oldest first, streamed: every record between its first and last, so the stretch
   * verifies link by link (it may hold a few records just outside the window, recorded late).
   * Resolves once the stretch is found (so a failure to read shows before anything is sent).
   */
  exportRange(range: { from?: string; to?: string }): Promise<AsyncIterable<ChainedAuditRecord>>;
}

/**
 * The retention policy's archive: moves the records older than a cutoff out of the live chain into
 * an archive, keeping the whole chain verifiable (the archive from its start to a checkpoint, the
 * live chain on from it) and the archived records exportable. Safe to run again or concurrently.
 */
export interface AuditArchiver {
  /** Archives every record whose chain time is before `cutoff`; resolves to how many were moved. */
  archiveBefore(cutoff: Date): Promise<number>;
}

/**
 * Sealing: moves the chain's older records out of the partition every append writes into a
 * store laid out for reading history at size, keeping the chain verifiable and every record in
 * the listings. Safe to run again or concurrently.
 */
export interface AuditSealer {
  /** Seals what is old enough at `now`; resolves to how many records moved. */
  seal(now: Date): Promise<number>;
}
