import { useEffect, useState } from 'preact/hooks';
import { type Auth, loadPortalSignIn, type PortalSignIn } from './auth';
import { devhostAuth } from './devhostAuth';
import type { MsalSignIn } from './msalAuth';
import { type DemoUser, demoUsers, devhostToken, loadSession, saveSession } from './session';

/** How this deployment signs in, and who is signed in already (back from the authority, or from a reload). */
export interface SignInStart {
  config: PortalSignIn;
  auth?: Auth;
  msal?: MsalSignIn;
}

export async function startSignIn(): Promise<SignInStart> {
  const config = await loadPortalSignIn();
  if (config.signIn === 'entra') {
    // Why a separate chunk: MSAL is most of the bundle's weight, and devhost never needs it.
    const msal = await (await import('./msalAuth')).startMsal(config);
    return { config, msal, auth: msal.auth };
  }
  const session = config.signIn === 'devhost' ? loadSession() : undefined;
  return { config, auth: session ? devhostAuth(session) : undefined };
}

/** The sign-in page: Microsoft Entra's (through MSAL), devhost's demo users, or why there is none. */
export function SignIn({ start, onSignedIn }: { start: SignInStart; onSignedIn: (auth: Auth) => void }) {
  const { config, msal } = start;
  if (config.signIn === 'entra' && msal) return <EntraSignIn msal={msal} />;
  if (config.signIn === 'devhost') return <DevhostSignIn onSignedIn={onSignedIn} />;
  return (
    <section aria-labelledby="signin-title">
      <h1 id="signin-title">Sign-in is not available here</h1>
      <p>{config.signIn === 'none' ? config.message : 'Sign-in is not configured.'}</p>
    </section>
  );
}

function EntraSignIn({ msal }: { msal: MsalSignIn }) {
  const [error, setError] = useState<string | undefined>(msal.error);
  const [leaving, setLeaving] = useState(false);
  const signIn = () => {
    setLeaving(true);
    msal.signIn().catch((e: unknown) => {
      setLeaving(false);
      setError(e instanceof Error ? e.message : String(e));
    });
  };
  return (
    <section aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      <p>Sign in with your work account (Microsoft Entra ID) to see and activate your privileged roles.</p>
      {error && <p role="alert" class="error">{error}</p>}
      <button type="button" onClick={signIn} disabled={leaving}>
        Sign in with Microsoft
      </button>
    </section>
  );
}

/** devhost's local sign-in: pick a demo user; devhost's issuer signs the token (with MFA). */
function DevhostSignIn({ onSignedIn }: { onSignedIn: (auth: Auth) => void }) {
  const [users, setUsers] = useState<DemoUser[] | undefined | null>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    demoUsers().then(setUsers, (e: unknown) => setError(String(e)));
  }, []);

  if (users === null) return <p role="status">Loading…</p>;
  if (users === undefined) return <p role="alert" class="error">devhost's demo users could not be read.</p>;
  const signIn = async (user: DemoUser) => {
    try {
      const session = { user, token: await devhostToken(user.alias) };
      saveSession(session);
      onSignedIn(devhostAuth(session));
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
