/** Security alerts PIM raises (shown by the alerts API in a later version). */
export interface AlertRecord {
  /** The alert definition, e.g. RolesAssignedOutsidePimAlert. */
  type: string;
  /** What it is about, unique per type (e.g. the directory role assignment id). */
  subjectId: string;
  detectedDateTime: string;
  details: Record<string, string>;
}

export interface AlertStore {
  /** Records the alert once; false when it was already recorded. */
  raise(alert: AlertRecord): Promise<boolean>;
  list(type?: string): Promise<AlertRecord[]>;
}
