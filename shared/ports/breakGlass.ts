import type { Changes } from './changes';

/** An emergency access (break-glass) account PIM watches and never takes access from. */
export interface BreakGlassAccount {
  /** The user's object id. */
  id: string;
  /** Where it is listed: the PIM_BREAK_GLASS_ACCOUNTS setting (removed only there) or the admin API. */
  source: 'setting' | 'api';
  addedDateTime: string | null;
  addedBy: { id: string; displayName: string | null } | null;
}

/**
 * The break-glass list: the accounts the PIM_BREAK_GLASS_ACCOUNTS setting names plus those
 * admins added through the API. Membership is a point read, so every removal path can ask.
 */
export interface BreakGlassAccounts {
  list(): Promise<BreakGlassAccount[]>;
  isBreakGlass(principalId: string): Promise<boolean>;
  /** Adds an API-listed account with its audit (create-only: false when it is listed already). */
  add(account: BreakGlassAccount, changes: Changes): Promise<boolean>;
  /** Removes an API-listed account with its audit; false when the API lists no such account. */
  remove(id: string, changes: Changes): Promise<boolean>;
}
