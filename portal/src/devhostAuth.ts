import { askedContexts, type Auth } from './auth';
import { devhostToken, saveSession, type Session } from './session';

/** devhost's demo sign-in: the token comes from devhost's issuer and is kept for the tab. */
export function devhostAuth(initial: Session): Auth {
  let session = initial;
  return {
    user: { id: session.user.id, displayName: session.user.displayName, userPrincipalName: session.user.userPrincipalName },
    token: async () => session.token,
    async stepUp(claims) {
      // Why: devhost's issuer signs with MFA and whatever authentication contexts are asked for,
      // which is what Entra would give after the user satisfied them.
      session = { ...session, token: await devhostToken(session.user.alias, askedContexts(claims)) };
      saveSession(session);
    },
    async signOut() {
      saveSession(undefined);
    },
  };
}
