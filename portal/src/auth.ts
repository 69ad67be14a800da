/**
 * Who is signed in and how the portal gets their tokens. Two implementations: devhost's demo
 * users (devhostAuth.ts) and Microsoft Entra through MSAL (msalAuth.ts); the API client and
 * the pages see only this.
 */
export interface SignedInUser {
  /** The user's object id (oid): what the API keys people on. */
  id: string;
  displayName: string;
  userPrincipalName: string;
}

export interface Auth {
  readonly user: SignedInUser;
  /** A bearer token for the app's API (renewed silently when it can be). */
  token(): Promise<string>;
  /**
   * Signs in again satisfying a claims challenge (the JSON the API's `insufficient_claims`
   * answer carries, base64-decoded), so that the next token() carries those claims.
   */
  stepUp(claims: string): Promise<void>;
  signOut(): Promise<void>;
}

/** How this deployment signs people in: what GET /portal/config.json answers (shared/http/portalSignIn.ts). */
export type PortalSignIn =
  | { signIn: 'entra'; clientId: string; authority: string; knownAuthorities: string[]; scopes: string[] }
  | { signIn: 'devhost' }
  | { signIn: 'none'; message: string };

export async function loadPortalSignIn(): Promise<PortalSignIn> {
  const res = await fetch('/portal/config.json', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`The portal could not read its configuration (${res.status}).`);
  return (await res.json()) as PortalSignIn;
}

/** The authentication contexts a claims challenge asks for (e.g. {"access_token":{"acrs":{"value":"c1"}}}). */
export function askedContexts(claims: string): string[] {
  try {
    const asked = (JSON.parse(claims) as { access_token?: { acrs?: { value?: string; values?: string[] } } }).access_token?.acrs;
    return [...(asked?.value ? [asked.value] : []), ...(asked?.values ?? [])];
  } catch {
    // An unreadable claims value still means "sign in again with MFA".
    return [];
  }
}
