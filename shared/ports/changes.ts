import type { DomainEvent } from '../domain/events';
import type { AuditRecord } from './audit';

/**
 * What a state change says about itself: the domain events it causes and its audit records.
 * A repository stores them in the same transaction as the change, so nothing is audited or
 * announced that did not happen, and nothing that happened goes unaudited or unannounced.
 */
export interface Changes {
  events?: DomainEvent[];
  audit?: AuditRecord[];
}
