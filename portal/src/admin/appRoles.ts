/**
 * The app roles in the signed-in user's token, read only to decide which pages to offer: the
 * API checks them again on every call, so a page shown by mistake can still do nothing.
 */
export function tokenRoles(token: string): string[] {
  const payload = token.split('.')[1];
  if (!payload) return [];
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const roles = (JSON.parse(json) as { roles?: unknown }).roles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

/** Admins and auditors read the audit history (the app roles' default names, PIM_ADMIN_ROLE and PIM_AUDITOR_ROLE). */
export const mayReadAudit = (token: string) => tokenRoles(token).some((r) => r === 'PIM.Admin' || r === 'PIM.Auditor');
