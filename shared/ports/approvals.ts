import type { Approval } from '../domain/approval';
import type { Changes } from './changes';
import type { Versioned } from './repository';

/** Approvals of activation requests, changed only with the version they were read at. */
export interface ApprovalRepository {
  /** A point read (the approval's id is its request's). */
  get(id: string): Promise<Versioned<Approval> | undefined>;
  /** Stores the approval and its changes (events, audit) in one transaction. */
  create(approval: Approval, changes?: Changes): Promise<void>;
  /** Throws a 409 DomainError when the approval changed since `etag` was read; changes as for create. */
  replace(approval: Approval, etag: string, changes?: Changes): Promise<void>;
  /** Approvals still open: a scan, for listings (what awaits an approver), not for timers. */
  listOpen(): Promise<Approval[]>;
}
