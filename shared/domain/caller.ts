/** Who is calling, from a validated token. Keyed on `oid`, never on UPN or email. */
export interface Caller {
  oid: string;
  tenantId: string;
  name?: string;
  upn?: string;
  roles: string[];
  isAdmin: boolean;
  isAuditor: boolean;
  /** Authentication methods (amr), e.g. ["pwd","mfa"]. */
  amr: string[];
  /** Authentication contexts satisfied (acrs), e.g. ["c1"]. */
  acrs: string[];
  /**
   * An application calling as itself (client credentials: a service principal or managed
   * identity), not on behalf of a user. It may act on its own identity only: self actions and
   * reading its own items, plus whatever its app roles (PIM.Admin, PIM.Auditor) allow.
   */
  isApp?: boolean;
}
