/**
 * What the admin picks from: the directory roles the API defines, and the users and groups of
 * the directory. The app's API has no user or group search; under devhost the demo directory
 * (GET /.devhost/directory, what the sign-in page lists) names them. Elsewhere the admin types
 * an object id, and the API says whether it knows it.
 */
import type { Api } from '../api';

export interface Named {
  id: string;
  displayName: string;
  /** A second line that tells people apart, e.g. the user principal name. */
  detail?: string;
}

export interface Directory {
  roles: Named[];
  /** Undefined when the directory cannot be listed here (type an id instead). */
  users?: Named[];
  groups?: Named[];
}

interface DemoDirectory {
  users?: Array<{ id: string; displayName: string; userPrincipalName?: string }>;
  groups?: Array<{ id: string; displayName: string }>;
}

async function demoDirectory(): Promise<DemoDirectory | undefined> {
  const res = await fetch('/.devhost/directory', { headers: { accept: 'application/json' } });
  return res.ok ? ((await res.json()) as DemoDirectory) : undefined;
}

export async function loadDirectory(api: Api): Promise<Directory> {
  const [roles, demo] = await Promise.all([
    api.call<{ value: Array<{ id: string; displayName: string; description?: string }> }>('GET', '/v1.0/roleManagement/directory/roleDefinitions'),
    demoDirectory().catch(() => undefined),
  ]);
  const byName = (a: Named, b: Named) => a.displayName.localeCompare(b.displayName);
  return {
    roles: roles.value.map((r) => ({ id: r.id, displayName: r.displayName })).sort(byName),
    users: demo?.users?.map((u) => ({ id: u.id, displayName: u.displayName, detail: u.userPrincipalName })).sort(byName),
    groups: demo?.groups?.map((g) => ({ id: g.id, displayName: g.displayName })).sort(byName),
  };
}
