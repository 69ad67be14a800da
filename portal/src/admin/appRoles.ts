/**
 * The signed-in user's app roles, read from the `roles` claim of their access token. The
 * portal uses them only to decide what to show: the API checks the same claim on every call,
 * so a page shown by mistake could still do nothing the API would refuse.
 */
export type AdminAccess = 'manage' | 'read' | 'none';

/** The token's claims, unverified (the API verifies them); {} when the token is unreadable. */
function claimsOf(token: string): { roles?: unknown } {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    return JSON.parse(json) as { roles?: unknown };
  } catch {
    return {};
  }
}

export function appRolesOf(token: string): string[] {
  const roles = claimsOf(token).roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}

/** PIM.Admin manages assignments; PIM.Auditor reads them; anyone else sees no Admin pages. */
export function adminAccessOf(token: string): AdminAccess {
  const roles = appRolesOf(token);
  if (roles.includes('PIM.Admin')) return 'manage';
  if (roles.includes('PIM.Auditor')) return 'read';
  return 'none';
}
