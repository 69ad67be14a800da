import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { adminAccessOf } from './admin/appRoles';
import { Assignments } from './admin/Assignments';
import { AuditHistory } from './admin/AuditHistory';
import { AccessReviews } from './admin/AccessReviews';
import { RoleSettings } from './admin/RoleSettings';
import { SecurityAlerts } from './admin/SecurityAlerts';
import { Api } from './api';
import type { Auth } from './auth';
import { ApproveRequests } from './ApproveRequests';
import { MyRequests } from './MyRequests';
import { MyRoles } from './MyRoles';
import { hashArgs, Nav, type Page, pageFromHash, PAGES } from './Nav';
import { ReviewAccess } from './ReviewAccess';
import { SignIn, type SignInStart, startSignIn } from './SignIn';
import './styles.css';

function App() {
  const [start, setStart] = useState<SignInStart>();
  const [auth, setAuth] = useState<Auth>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    startSignIn().then(
      (s) => {
        setStart(s);
        setAuth(s.auth);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  const api = useMemo(() => (auth ? new Api(auth, setNotice) : undefined), [auth]);
  const signOut = (signedIn: Auth) => {
    setNotice(undefined);
    signedIn.signOut().then(
      () => setAuth(undefined),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };
  return (
    <>
      <header class="top">
        <span class="brand">Privileged Identity Management</span>
        {auth && (
          <span class="who">
            <span>{auth.user.displayName}</span>
            <button type="button" onClick={() => signOut(auth)}>
              Sign out
            </button>
          </span>
        )}
      </header>
      <main>
        {error && <p role="alert" class="error">{error}</p>}
        {notice && <p role="status" class="notice">{notice}</p>}
        {auth && api ? <Signed api={api} auth={auth} /> : start ? <SignIn start={start} onSignedIn={setAuth} /> : !error && <p role="status">Loading…</p>}
      </main>
    </>
  );
}

/** The signed-in portal: the page links, and the page the URL's hash names. */
function Signed({ api, auth }: { api: Api; auth: Auth }) {
  // The token's app roles decide which admin pages are offered (the API checks them again).
  const [token, setToken] = useState<string>();
  useEffect(() => {
    auth.token().then(setToken, () => setToken(''));
  }, [auth]);
  const principalId = auth.user.id;
  const [page, setPage] = useState<Page>(() => pageFromHash(location.hash));
  // What the hash names after the page (e.g. the review a mailed link opens).
  const [args, setArgs] = useState<string[]>(() => hashArgs(location.hash));
  const heading = useRef<HTMLHeadingElement>(null);
  const navigated = useRef(false);
  useEffect(() => {
    const onHash = () => {
      navigated.current = true;
      setPage(pageFromHash(location.hash));
      setArgs(hashArgs(location.hash));
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
  if (token === undefined) return <p role="status">Loading…</p>;
  return (
    <>
      <Nav current={page} token={token} />
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {page === 'roles' && <MyRoles api={api} principalId={principalId} />}
      {page === 'requests' && <MyRequests api={api} />}
      {page === 'approve' && <ApproveRequests api={api} />}
      {page === 'review-access' && <ReviewAccess api={api} open={args} />}
      {page === 'settings' && <RoleSettings api={api} access={adminAccessOf(token)} />}
      {page === 'audit' && <AuditHistory api={api} />}
      {page === 'alerts' && <SecurityAlerts api={api} access={adminAccessOf(token)} open={args} />}
      {page === 'admin-assignments' && <AdminAssignments api={api} token={token} />}
      {page === 'admin-reviews' && <AccessReviews api={api} access={adminAccessOf(token)} />}
    </>
  );
}

/** Reached by its address without an admin app role: say why there is nothing (the API would refuse). */
function AdminAssignments({ api, token }: { api: Api; token: string }) {
  const access = adminAccessOf(token);
  return access ? <Assignments api={api} access={access} /> : <p>Assignments are managed by PIM administrators (PIM.Admin) and read by auditors (PIM.Auditor).</p>;
}

const root = document.getElementById('app');
if (root) render(<App />, root);
