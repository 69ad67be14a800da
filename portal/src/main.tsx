import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api } from './api';
import { ApproveRequests } from './ApproveRequests';
import { signedInAdminAccess } from './admin/appRoles';
import { Assignments } from './admin/Assignments';
import { RoleSettings } from './admin/RoleSettings';
import { MyRequests } from './MyRequests';
import { MyRoles } from './MyRoles';
import { Nav, type Page, pageFromHash, PAGES } from './Nav';
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
        {session && api ? <Signed api={api} principalId={session.user.id} /> : <SignIn onSignedIn={signIn} />}
      </main>
    </>
  );
}

/** The signed-in portal: the page links, and the page the URL's hash names. */
function Signed({ api, principalId }: { api: Api; principalId: string }) {
  const [page, setPage] = useState<Page>(() => pageFromHash(location.hash));
  const heading = useRef<HTMLHeadingElement>(null);
  const navigated = useRef(false);
  useEffect(() => {
    const onHash = () => {
      navigated.current = true;
      setPage(pageFromHash(location.hash));
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  // Why: after a page change a screen reader user must land on the new page, not stay on the link.
  useEffect(() => {
    if (navigated.current) heading.current?.focus();
  }, [page]);
  const title = PAGES.find((p) => p.page === page)?.title ?? '';
  useEffect(() => {
    document.title = `${title} – Privileged Identity Management`;
  }, [title]);
  return (
    <>
      <Nav current={page} />
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {page === 'roles' && <MyRoles api={api} principalId={principalId} />}
      {page === 'requests' && <MyRequests api={api} />}
      {page === 'approve' && <ApproveRequests api={api} />}
      {page === 'settings' && <RoleSettings api={api} />}
      {page === 'admin-assignments' && <AdminAssignments api={api} />}
    </>
  );
}

/** Reached by its address without an admin app role: say why there is nothing (the API would refuse). */
function AdminAssignments({ api }: { api: Api }) {
  const access = signedInAdminAccess();
  return access ? <Assignments api={api} access={access} /> : <p>Assignments are managed by PIM administrators (PIM.Admin) and read by auditors (PIM.Auditor).</p>;
}

const root = document.getElementById('app');
if (root) render(<App />, root);
