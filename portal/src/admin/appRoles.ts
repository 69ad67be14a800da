import { loadSession } from '../session';

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

/** The signed-in user's access to the admin pages (for the page links, which have no session at hand). */
export const signedInAdminAccess = (): AdminAccess => adminAccessOf(loadSession()?.token);
