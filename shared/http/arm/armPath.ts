/** A request path under Microsoft.Authorization, split as ARM reads it. */
export interface AuthorizationPath {
  /** The scope before `/providers/Microsoft.Authorization/`, as written (not yet validated). */
  scope: string;
  /** e.g. roleManagementPolicies. */
  resourceType: string;
  name?: string;
  /** A POST action after the name, e.g. cancel. */
  action?: string;
}

const PROVIDER = '/providers/microsoft.authorization/';

/**
 * Splits `{scope}/providers/Microsoft.Authorization/{resourceType}[/{name}[/{action}]]` (any
 * case, with or without a leading slash) at the last Microsoft.Authorization provider segment,
 * since the scope may itself hold provider segments (management groups, resources). Undefined
 * for a path that names no Microsoft.Authorization resource.
 */
export function splitAuthorizationPath(path: string): AuthorizationPath | undefined {
  const full = `/${path.replace(/^\/+/, '')}`.replace(/\/+$/, '');
  const at = full.toLowerCase().lastIndexOf(PROVIDER);
  if (at < 0) return undefined;
  const [resourceType, name, action, ...more] = full.slice(at + PROVIDER.length).split('/');
  if (!resourceType || more.length > 0) return undefined;
  return { scope: full.slice(0, at) || '/', resourceType, ...(name ? { name } : {}), ...(action ? { action } : {}) };
}
