import type { RawResponse } from '../core/extension';
import type { DemoUser } from '../graph/demoDirectory';
import { escapeHtml as escape } from '../graph/mailboxPage';

/** What the sign-in page shows: the request's parameters (sent back with the choice), the users, what a step-up asks. */
export interface PageParams {
  params: Array<[string, string]>;
  users: readonly DemoUser[];
  /** Authentication contexts the request's `claims` asks for. */
  asked: string[];
  /** The user the app expects (MSAL sends the signed-in account's name on a step-up). */
  loginHint?: string;
}

/**
 * devhost's sign-in page: a form with one button per demo user that posts the authorization
 * request back to /authorize. No script and no styles; the form may post here and then follow
 * the redirect to the app (Chrome applies form-action to that redirect too).
 */
export function authorityPage(page: PageParams | { message: string }, appOrigin: string | undefined, status = 200): RawResponse {
  const body = 'message' in page ? `<h1>devhost sign-in</h1>\n<p>${escape(page.message)}</p>` : signInForm(page);
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in – devhost</title></head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
  return {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': `default-src 'none'; form-action 'self'${appOrigin ? ` ${appOrigin}` : ''}; base-uri 'none'; frame-ancestors 'none'`,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    },
    body: html,
  };
}

function signInForm({ params, users, asked, loginHint }: PageParams): string {
  // The expected user first, so a step-up is one press away.
  const ordered = [...users].sort((a, b) => Number(b.userPrincipalName === loginHint) - Number(a.userPrincipalName === loginHint));
  const hidden = params.filter(([name]) => name !== 'user' && name !== 'cancel').map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join('\n');
  const stepUp = asked.length
    ? `<p>The app asks for a stronger sign-in: authentication context ${asked.map(escape).join(', ')}. Choosing a user here satisfies it.</p>`
    : '';
  return `<h1>Sign in to devhost</h1>
<p>devhost's sign-in authority stands in for Microsoft Entra ID. Every demo user signs in with multifactor authentication.</p>
${stepUp}
<form method="post">
${hidden}
<ul>
${ordered.map((u) => `<li><button type="submit" name="user" value="${escape(u.alias)}">Sign in as ${escape(u.displayName)}</button> ${escape(u.userPrincipalName)}</li>`).join('\n')}
</ul>
<p><button type="submit" name="cancel" value="1">Cancel</button></p>
</form>`;
}
