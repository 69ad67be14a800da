import type { Approval } from '../domain/approval';
import type { DomainEvent } from '../domain/events';
import type { Versioned } from './repository';

/** Approvals of activation requests, changed only with the version they were read at. */
export interface ApprovalRepository {
  get(id: string): Promise<Versioned<Approval> | undefined>;
  /** Stores the approval and the events (outbox) in one transaction. */
  create(approval: Approval, events?: DomainEvent[]): Promise<void>;
  /** Throws a 409 DomainError when the approval changed since `etag` was read; events as for create. */
  replace(approval: Approval, etag: string, events?: DomainEvent[]): Promise<void>;
  list(): Promise<Approval[]>;
}
