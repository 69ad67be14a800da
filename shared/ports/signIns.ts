/** One sign-in from the directory's sign-in logs (Graph `auditLogs/signIns`). */
export interface SignIn {
  id: string;
  createdDateTime: string;
  userId: string;
  userPrincipalName: string | null;
  appDisplayName: string | null;
  isInteractive: boolean | null;
}

/** A user's last sign-ins (Graph `signInActivity`); null where the user never signed in that way. */
export interface SignInActivity {
  lastSignInDateTime: string | null;
  lastNonInteractiveSignInDateTime: string | null;
}

/**
 * The directory's sign-in records, through Graph (`users/{id}?$select=signInActivity` and
 * `auditLogs/signIns`). Graph needs AuditLog.Read.All for both.
 */
export interface SignInLogs {
  /** The user's sign-in activity; undefined when there is no such user. */
  activityOf(userId: string): Promise<SignInActivity | undefined>;
  /** Sign-ins at or after `since` by any of `userIds`, oldest first (none asked: none read). */
  signInsSince(since: Date, userIds: string[]): Promise<SignIn[]>;
}
