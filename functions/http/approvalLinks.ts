import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { httpRoute } from '../httpRoute';
import * as df from 'durable-functions';
import { actOnLink, type LinkDeps, type LinkPage, viewLink } from '../../shared/app/approvalPages';
import { config, hostingFacts } from '../../shared/config';
import { PAGE_HEADERS, renderLinkPage } from '../../shared/http/approvalHtml';
import { approvalGuard, deps, workflowFor } from '../composition';

const CSRF_COOKIE = 'pim_csrf';

function linkDeps(extra: Partial<LinkDeps> = {}): LinkDeps {
  const settings = config();
  return { ...deps(), signinRequired: settings.PIM_APPROVAL_SIGNIN_REQUIRED, ...extra };
}

/** The page an approver gets where decisions are refused (see approvalGuard.ts); undefined where they are served. */
function refusedHere(): Extract<LinkPage, { kind: 'error' }> | undefined {
  const guard = approvalGuard();
  if (guard.served) return undefined;
  return { kind: 'error', status: 503, title: 'Decisions on approval links are turned off here', message: guard.reason ?? '' };
}

/**
 * In Azure with App Service authentication on and sign-in required, an approver who opens the
 * link not signed in is sent to sign in first and brought back (the page itself has no sign-in
 * link, and the decision would otherwise be refused after they typed their reason).
 */
function signInFirst(req: HttpRequest): HttpResponseInit | undefined {
  const where = hostingFacts();
  if (!where.inAzure || !where.appServiceAuthEnabled || !config().PIM_APPROVAL_SIGNIN_REQUIRED) return undefined;
  if (req.headers.get('x-ms-client-principal-id')) return undefined;
  const back = new URL(req.url).pathname;
  return { status: 302, headers: { Location: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(back)}`, 'Cache-Control': 'no-store' } };
}

function cookieOf(req: HttpRequest, name: string): string | undefined {
  for (const part of (req.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// GET shows the confirmation page; HEAD and OPTIONS answer without acting. Why: mail
// scanners fetch links, so nothing but the POST may change state or write audit.
httpRoute('approvalLinkPage', {
  route: 'approvals/{token}',
  methods: ['GET', 'HEAD', 'OPTIONS'],
  authLevel: 'anonymous',
  doc: { summary: 'The approval link page from a mail: shows the request, acts on nothing', produces: 'text/html' },
  handler: async (req): Promise<HttpResponseInit> => {
    if (req.method === 'OPTIONS') return { status: 204, headers: { Allow: 'GET, HEAD, POST, OPTIONS' } };
    const refused = refusedHere();
    if (refused) return { status: refused.status, headers: PAGE_HEADERS, body: req.method === 'HEAD' ? undefined : renderLinkPage(refused, '') };
    const signIn = signInFirst(req);
    if (signIn) return signIn;
    const page = await viewLink(linkDeps(), req.params.token ?? '');
    const csrf = randomBytes(24).toString('base64url');
    const secure = config().PIM_PUBLIC_BASE_URL.startsWith('https:');
    return {
      status: page.status,
      headers: PAGE_HEADERS,
      cookies: [{ name: CSRF_COOKIE, value: csrf, httpOnly: true, sameSite: 'Strict', path: '/approvals', secure }],
      body: req.method === 'HEAD' ? undefined : renderLinkPage(page, csrf),
    };
  },
});

httpRoute('approvalLinkDecision', {
  route: 'approvals/{token}',
  methods: ['POST'],
  authLevel: 'anonymous',
  doc: { summary: "The approval link page's form post (decision, justification, csrf): approves or denies", produces: 'text/html' },
  extraInputs: [df.input.durableClient()],
  handler: async (req, ctx): Promise<HttpResponseInit> => {
    const refused = refusedHere();
    if (refused) {
      ctx.error(`Request ${ctx.invocationId}: an approval-link decision was refused: ${refused.message}`);
      return { status: refused.status, headers: PAGE_HEADERS, body: renderLinkPage(refused, '') };
    }
    const form = new URLSearchParams(await req.text());
    // Why: double-submit CSRF check: the form's token must match the cookie set with the page.
    if (!sameSecret(form.get('csrf') ?? undefined, cookieOf(req, CSRF_COOKIE))) {
      const page = { kind: 'error', status: 403, title: 'Please open the link again', message: 'This form expired or did not come from the approval page. Open the link from the mail again.' } as const;
      return { status: 403, headers: PAGE_HEADERS, body: renderLinkPage(page, '') };
    }
    const signedIn = req.headers.get('x-ms-client-principal-id') ?? undefined;
    let page: LinkPage;
    try {
      page = await actOnLink(
        linkDeps({ workflow: workflowFor(ctx) }),
        req.params.token ?? '',
        { decision: form.get('decision') ?? undefined, justification: form.get('justification') ?? undefined },
        signedIn,
        ctx.invocationId,
      );
    } catch (error) {
      // The approver gets a page, not a blank 500; the link's nonce was released unless the
      // decision got stored, so opening the link again shows which and lets them retry.
      ctx.error(`Request ${ctx.invocationId}: the approval-link decision failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      page = { kind: 'error', status: 500, title: 'Something went wrong', message: 'Your decision may not have been recorded. Open the link from the mail again: it shows whether it was, and if not, you can decide again.' };
    }
    return { status: page.status, headers: PAGE_HEADERS, body: renderLinkPage(page, '') };
  },
});
