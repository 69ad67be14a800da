/**
 * The caller's app roles, read from the `roles` claim of their access token (devhost's issuer
 * puts the demo user's app roles there, as Entra does for an app's API). Only to decide what to
 * show: the API checks the same claim on every call, so showing too much could not do harm.
 */
export function appRolesOf(token: string): string[] {
  const payload = token.split('.')[1];
  if (!payload) return [];
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { roles?: unknown };
    return Array.isArray(json.roles) ? json.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

/** 'edit' for PIM.Admin, 'read' for PIM.Auditor, undefined for everyone else (the admin pages stay hidden). */
export type AdminAccess = 'edit' | 'read' | undefined;

export function adminAccessOf(token: string | undefined): AdminAccess {
  const roles = token ? appRolesOf(token) : [];
  if (roles.includes('PIM.Admin')) return 'edit';
  return roles.includes('PIM.Auditor') ? 'read' : undefined;
}

/** Admins and auditors see the admin pages (auditors read-only); others are not offered them. */
export const mayReadAdminPages = (token: string) => adminAccessOf(token) !== undefined;
