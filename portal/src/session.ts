/**
 * The signed-in user under devhost: a token from devhost's issuer (POST /.devhost/token), kept
 * in sessionStorage so a reload keeps the user signed in but closing the tab signs them out.
 */
export interface DemoUser {
  alias: string;
  id: string;
  displayName: string;
  userPrincipalName: string;
}

export interface Session {
  user: DemoUser;
  token: string;
}

const KEY = 'pim.portal.session';

export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/** The demo users, or undefined when this is not devhost (the path then answers 404). */
export async function demoUsers(): Promise<DemoUser[] | undefined> {
  const res = await fetch('/.devhost/directory', { headers: { accept: 'application/json' } });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { users?: DemoUser[] };
  return body.users ?? [];
}

/**
 * Asks devhost's issuer for a token; `acrs` are authentication contexts a step-up asked for;
 * audience 'arm' gives a token for the ARM surface (Azure resource roles).
 */
export async function devhostToken(alias: string, acrs: string[] = [], audience?: 'arm'): Promise<string> {
  // Why mfa: true: a real sign-in to an admin portal is expected to use MFA, and PIM asks for it.
  const res = await fetch('/.devhost/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: alias, mfa: true, ...(acrs.length ? { acrs } : {}), ...(audience ? { audience } : {}) }),
  });
  if (!res.ok) throw new Error(`devhost refused a token for ${alias} (${res.status}).`);
  return ((await res.json()) as { access_token: string }).access_token;
}
