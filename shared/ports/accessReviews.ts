import type { DecisionItem, ReviewDefinition, ReviewInstance } from '../domain/accessReviews';
import type { Changes } from './changes';
import type { Versioned } from './repository';

/** Work the access-review timer finds due: start an occurrence, remind its reviewers, or end it. */
export interface ReviewDue {
  what: 'start' | 'remind' | 'end';
  definitionId: string;
  /** The instance to remind or end; for a start, the occurrence index to start (as text). */
  ref: string;
  at: string;
  /** Where the due row is, for `completeDue`. */
  handle: { partitionKey: string; rowKey: string };
}

/**
 * Access review definitions, their instances and decision items. A definition's instances and
 * items share one partition, so a decision, its audit record and its events commit together.
 * Every write of a stored row passes the ETag it was read at: a 412 is a ConcurrentModification.
 */
export interface AccessReviewRepository {
  createDefinition(definition: ReviewDefinition, changes?: Changes): Promise<void>;
  getDefinition(id: string): Promise<Versioned<ReviewDefinition> | undefined>;
  /** Every definition: one partition read (definitions are few; their instances live apart). */
  listDefinitions(): Promise<ReviewDefinition[]>;
  replaceDefinition(definition: ReviewDefinition, etag: string, changes?: Changes): Promise<void>;
  /** Deletes the definition (at `etag`) and everything its instances hold. */
  deleteDefinition(id: string, etag: string, changes?: Changes): Promise<void>;
  getInstance(definitionId: string, instanceId: string): Promise<Versioned<ReviewInstance> | undefined>;
  /** The definition's instances: one partition read. */
  listInstances(definitionId: string): Promise<ReviewInstance[]>;
  /**
   * Stores a started instance with its decision items and reviewer index rows (items and index
   * first, create-only, so a retried start repeats nothing); false when the instance exists.
   */
  createInstance(instance: ReviewInstance, items: DecisionItem[], changes?: Changes): Promise<boolean>;
  replaceInstance(instance: ReviewInstance, etag: string, changes?: Changes): Promise<void>;
  /** The instance's decision items, with their versions: one partition read. */
  listDecisions(definitionId: string, instanceId: string): Promise<Array<Versioned<DecisionItem>>>;
  getDecision(definitionId: string, instanceId: string, decisionId: string): Promise<Versioned<DecisionItem> | undefined>;
  /** Replaces one item read at `etag`, with its changes in the same transaction; 409 ConcurrentModification when it changed since. */
  replaceDecision(definitionId: string, item: DecisionItem, etag: string, changes?: Changes): Promise<void>;
  /** The instances the user reviews something in (the reviewer index): one partition read. */
  reviewsOf(reviewerId: string): Promise<Array<{ definitionId: string; instanceId: string }>>;
  /** Files work for the timer at `at` (create-only: filing the same work twice is one row). */
  fileDue(at: Date, what: ReviewDue['what'], definitionId: string, ref: string): Promise<void>;
  /** The work due by `now`, oldest first. */
  dueWork(now: Date): Promise<ReviewDue[]>;
  completeDue(work: ReviewDue[]): Promise<void>;
}
