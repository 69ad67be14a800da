import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Api } from './api';
import { MyRoles } from './MyRoles';
import { loadSession, saveSession, type Session } from './session';
import { SignIn } from './SignIn';
import './styles.css';

function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string>();
  const api = useMemo(() => (session ? new Api(session, setNotice) : undefined), [session]);
  const signIn = (s: Session | undefined) => {
    saveSession(s);
    setSession(s);
  };
  return (
    <>
      <header class="top">
        <span class="brand">Privileged Identity Management</span>
        {session && (
          <span class="who">
            <span>{session.user.displayName}</span>
            <button type="button" onClick={() => signIn(undefined)}>
              Sign out
            </button>
          </span>
        )}
      </header>
      <main>
        {notice && <p role="status" class="notice">{notice}</p>}
        {session && api ? <MyRoles api={api} principalId={session.user.id} /> : <SignIn onSignedIn={signIn} />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
