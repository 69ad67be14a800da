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
}
