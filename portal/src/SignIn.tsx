import { useEffect, useState } from 'preact/hooks';
import { type DemoUser, demoUsers, devhostToken, type Session } from './session';

/** devhost's local sign-in: pick a demo user; devhost's issuer signs the token (with MFA). */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [users, setUsers] = useState<DemoUser[] | undefined | null>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    demoUsers().then(setUsers, (e: unknown) => setError(String(e)));
  }, []);

  if (users === null) return <p role="status">Loading…</p>;
  if (users === undefined) {
    // Production sign-in (Entra with MSAL, auth code + PKCE) is not built yet: say so plainly.
    return (
      <section aria-labelledby="signin-title">
        <h1 id="signin-title">Sign-in is not available here</h1>
        <p>This portal currently signs in only under devhost (<code>npm start</code>). Use the <code>pim</code> CLI against this deployment.</p>
      </section>
    );
  }
  const signIn = async (user: DemoUser) => {
    try {
      onSignedIn({ user, token: await devhostToken(user.alias) });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in (devhost)</h1>
      <p>Choose a demo user. devhost's issuer signs a token for them, with multifactor authentication.</p>
      {error && <p role="alert" class="error">{error}</p>}
      <ul class="users">
        {users.map((u) => (
          <li key={u.id}>
            <button type="button" onClick={() => void signIn(u)}>
              Sign in as {u.displayName}
            </button>
            <span class="muted"> {u.userPrincipalName}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
