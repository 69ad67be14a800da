import type { Approval } from '../domain/approval';
import type { Versioned } from './repository';

/** Approvals of activation requests, changed only with the version they were read at. */
export interface ApprovalRepository {
  get(id: string): Promise<Versioned<Approval> | undefined>;
  create(approval: Approval): Promise<void>;
  /** Throws a 409 DomainError when the approval changed since `etag` was read. */
  replace(approval: Approval, etag: string): Promise<void>;
  list(): Promise<Approval[]>;
}
