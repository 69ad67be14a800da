import type { AlertName, AlertSettings } from '../domain/alerts';
import type { Changes } from './changes';
import type { Versioned } from './repository';

/** One alert's state (Graph's unifiedRoleManagementAlert, less its ids). */
export interface AlertState {
  name: AlertName;
  /** False once dismissed: scanning stops until a refresh. */
  isActive: boolean;
  incidentCount: number;
  /** Null until an admin dismissed or refreshed it (Graph then shows "0001-01-01T08:00:00Z"). */
  lastModifiedDateTime: string | null;
  lastScannedDateTime: string | null;
}

/** One incident: what was found, keyed by its subject (e.g. the assignment or the user and role). */
export interface StoredIncident {
  /** Unique within its alert; Graph's incident id. */
  id: string;
  detectedDateTime: string;
  /** The incident's Graph properties, less `@odata.type` and `id`. */
  fields: Record<string, string | number | boolean | null>;
}

/** A refresh, as Graph's longRunningOperation reports it. */
export interface AlertOperation {
  id: string;
  createdDateTime: string;
  lastActionDateTime: string;
  status: 'notStarted' | 'running' | 'succeeded' | 'failed';
  statusDetail: string | null;
}

/**
 * A refresh operation as stored: what the API shows, and the background run (durable
 * orchestration id) doing the work. Only that run writes its outcome, so a late or retried run
 * cannot overwrite a newer refresh's operation.
 */
export interface StoredOperation {
  operation: AlertOperation;
  runId: string | null;
}

/** What a scan changes in one alert's incidents. */
export interface IncidentChanges {
  add: StoredIncident[];
  /** Incident ids no longer found. */
  remove: string[];
}

/**
 * The alerts' state, configurations and incidents: one partition per alert, so an alert's
 * state, its incidents and the events and audit of a change commit together (the outbox).
 * Reads are point reads and one-partition queries; nothing scans every alert's history.
 */
export interface AlertRepository {
  state(name: AlertName): Promise<Versioned<AlertState> | undefined>;
  /**
   * Stores the state (conditional on `etag`; create-only when undefined) with the incident
   * changes and their events and audit, all in one write. Throws a 409 DomainError when another
   * writer changed the alert since it was read.
   */
  saveState(state: AlertState, etag: string | undefined, incidents: IncidentChanges, changes: Changes): Promise<void>;
  settings(name: AlertName): Promise<Versioned<AlertSettings> | undefined>;
  /** Conditional like saveState. */
  saveSettings(name: AlertName, settings: AlertSettings, etag: string | undefined, changes: Changes): Promise<void>;
  incidents(name: AlertName): Promise<StoredIncident[]>;
  incident(name: AlertName, id: string): Promise<StoredIncident | undefined>;
  /**
   * Creates one incident as it happens (a break-glass sign-in, a removal that keeps failing), with
   * its changes; create-only: false when it was already recorded.
   */
  addIncidentOnce(name: AlertName, incident: StoredIncident, changes: Changes): Promise<boolean>;
  operation(id: string): Promise<AlertOperation | undefined>;
  /** The operation with the run that owns it and the row's version. */
  storedOperation(id: string): Promise<Versioned<StoredOperation> | undefined>;
  /** Conditional: `etag` undefined creates (409 ConcurrentModification if it exists), else replaces that version only. */
  saveOperation(stored: StoredOperation, etag: string | undefined): Promise<void>;
  /** The sign-in watcher's position (the newest sign-in time it has seen), if any. */
  signInCursor(): Promise<string | undefined>;
  saveSignInCursor(at: string): Promise<void>;
}
