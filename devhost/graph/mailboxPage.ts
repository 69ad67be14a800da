import type { SentMail } from './mailbox';

/**
 * The dev mailbox page's Content-Security-Policy. An about:srcdoc iframe inherits its parent's
 * policy, so the same policy also governs each mail's HTML: no script anywhere, no external
 * fetch (images, fonts, styles sheets), inline styles only because mail HTML depends on them.
 */
export const MAILBOX_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "frame-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A link in a mail with the text a reader sees, so a browser test can click it by name. */
export interface MailLink {
  href: string;
  text: string;
}

/**
 * True when the client asks for HTML over JSON (a browser); JSON stays the default, so
 * `Accept: *\/*`, `application/json` or no Accept at all get JSON.
 */
export function wantsHtml(accept: string | undefined): boolean {
  const html = quality(accept ?? '', 'text/html');
  return html > 0 && html > quality(accept ?? '', 'application/json');
}

/** The q of a media type named explicitly in Accept (0 when absent): wildcards do not count. */
function quality(accept: string, type: string): number {
  for (const range of accept.split(',')) {
    const [name = '', ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    if (name !== type) continue;
    const q = params.find((p) => p.startsWith('q='));
    return q ? Number(q.slice(2)) || 0 : 1;
  }
  return 0;
}

/** The page: a recipient filter, then each mail (newest first) with its links, HTML and text. */
export function renderMailbox(mails: SentMail[], recipient: string | undefined): string {
  const heading = recipient ? `Mail to ${recipient}` : 'All mail';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(heading)} · devhost mailbox</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Dev mailbox</h1>
<p>Mail the devhost Graph stand-in accepted through sendMail. Nothing here was delivered anywhere.</p>
<form method="get" action="/.devhost/mail" role="search" aria-label="Filter by recipient">
<label for="to">Recipient address</label>
<input id="to" name="to" type="search" autocomplete="email" spellcheck="false" value="${escapeHtml(recipient ?? '')}">
<button type="submit">Show mail</button>
${recipient ? '<a href="/.devhost/mail">Show all mail</a>' : ''}
</form>
</header>
<main>
<h2 class="count">${escapeHtml(heading)}: ${mails.length === 1 ? '1 mail' : `${mails.length} mails`}${mails.length > 1 ? ', newest first' : ''}</h2>
${mails.map(renderMail).join('\n')}
</main>
</body>
</html>
`;
}

function renderMail(mail: SentMail): string {
  const headingId = `mail-${escapeHtml(mail.id)}`;
  const subject = mail.subject || '(no subject)';
  return `<article aria-labelledby="${headingId}">
<h3 id="${headingId}">${escapeHtml(subject)}</h3>
<dl class="meta">
<dt>From</dt><dd>${escapeHtml(mail.from)}</dd>
<dt>To</dt><dd>${escapeHtml(mail.to.join(', '))}</dd>
<dt>Sent</dt><dd><time datetime="${escapeHtml(mail.sentDateTime)}">${escapeHtml(displayTime(mail.sentDateTime))}</time></dd>
</dl>
${renderLinks(mailLinks(mail), headingId)}
${renderHtmlBody(mail, subject)}
<details><summary>Plain text</summary>${mail.text ? `<pre>${escapeHtml(mail.text)}</pre>` : '<p>This mail has no plain-text part.</p>'}</details>
${renderHeaders(mail.headers)}
</article>`;
}

function renderLinks(links: MailLink[], headingId: string): string {
  if (links.length === 0) return '<p>No links in this mail.</p>';
  // aria-describedby ties each link to its mail without changing the link's accessible name.
  const items = links.map(
    (l) => `<li><a href="${escapeHtml(l.href)}" aria-describedby="${headingId}">${escapeHtml(l.text)}</a> <span class="url">${escapeHtml(l.href)}</span></li>`,
  );
  return `<h4>Links</h4>\n<ul class="links">\n${items.join('\n')}\n</ul>`;
}

// Why: the mail's HTML is untrusted; it is shown only inside a sandboxed srcdoc iframe (no
// scripts, forms or top navigation; links open in a new tab) and escaped as an attribute value.
function renderHtmlBody(mail: SentMail, subject: string): string {
  if (!mail.html) return '<p>This mail has no HTML part.</p>';
  const doc = `<!doctype html><base target="_blank">${mail.html}`;
  return `<iframe title="HTML body of ${escapeHtml(subject)}" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" srcdoc="${escapeHtml(doc)}"></iframe>`;
}

function renderHeaders(headers: Record<string, string>): string {
  const entries = Object.entries(headers);
  if (entries.length === 0) return '';
  const rows = entries.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`);
  return `<details><summary>Headers</summary><dl class="meta">${rows.join('')}</dl></details>`;
}

/**
 * The mail's links with their text: anchors in the HTML first (their own text, e.g. "Review
 * the request"), then any other link found, named by its address. Only http(s): a
 * `javascript:` link in a mail must never become clickable on this page.
 */
export function mailLinks(mail: SentMail): MailLink[] {
  const links: MailLink[] = [];
  const seen = new Set<string>();
  const add = (href: string, text: string) => {
    const key = `${href}\n${text}`;
    if (!/^https?:\/\//i.test(href) || seen.has(key)) return;
    seen.add(key);
    links.push({ href, text });
  };
  for (const a of anchorsIn(mail.html)) add(a.href, a.text || a.href);
  const named = new Set(links.map((l) => l.href));
  for (const href of mail.links) if (!named.has(href)) add(href, href);
  return links;
}

function anchorsIn(html: string): MailLink[] {
  const anchor = /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a\s*>/gi;
  return [...html.matchAll(anchor)].map((m) => ({
    href: decodeEntities((m[1] ?? m[2] ?? m[3] ?? '').trim()),
    text: decodeEntities((m[4] ?? '').replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim(),
  }));
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** Escapes text for HTML content and for double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function displayTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

const STYLE = `
:root { color-scheme: light; font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b; background: #f6f6f6; }
body { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { margin: 0 0 .25rem; }
form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: 1rem 0; }
input { font: inherit; padding: .3rem .5rem; min-width: 18rem; border: 1px solid #595959; border-radius: 4px; }
button { font: inherit; padding: .3rem .9rem; border: 1px solid #0b4f9c; border-radius: 4px; background: #0b57b0; color: #fff; }
a { color: #0b4f9c; }
:focus-visible { outline: 3px solid #c2410c; outline-offset: 2px; }
.count { font-size: 1.1rem; }
article { background: #fff; border: 1px solid #d0d0d0; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
article h3 { margin: 0 0 .5rem; font-size: 1.2rem; overflow-wrap: anywhere; }
h4 { margin: .75rem 0 .25rem; font-size: 1rem; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
.meta dt { font-weight: 600; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.links { padding-left: 1.25rem; }
.url { color: #4a4a4a; font-size: .85rem; overflow-wrap: anywhere; }
iframe { width: 100%; height: 24rem; border: 1px solid #d0d0d0; border-radius: 4px; background: #fff; resize: vertical; margin-top: .5rem; }
details { margin-top: .5rem; }
summary { cursor: pointer; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: .5rem; }
`;
