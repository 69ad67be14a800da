import type { LinkPage, RequestSummary } from '../app/approvalPages';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Security headers for the server-rendered approval pages: no external assets, no framing, no caching. */
export const PAGE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff;max-width:40rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}
textarea{width:100%;min-height:5rem;font:inherit;padding:.5rem;border:1px solid #595959;border-radius:4px}
button{font:inherit;padding:.6rem 1.4rem;margin:.5rem .5rem 0 0;border-radius:4px;border:2px solid #1b1b1b;cursor:pointer}
.approve{background:#0b6a0b;color:#fff;border-color:#0b6a0b}.deny{background:#fff;color:#a4262c;border-color:#a4262c}
:focus-visible{outline:3px solid #005a9e;outline-offset:2px}.note{color:#3b3b3b}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)} - PIM</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function summaryList(s: RequestSummary): string {
  const rows: Array<[string, string]> = [
    ['Requested by', s.requester],
    ['Role or group', s.role],
    ['Scope', s.scope],
    ['Justification', s.justification ?? '(none)'],
    ['Ticket', s.ticket ?? '(none)'],
    ['From', s.start],
    ['Until', s.end ?? '(no end)'],
    ['Approval stage', `${s.stage + 1} of ${s.stages}`],
  ];
  const decisions = s.decisions.length
    ? `<h2>Decisions so far</h2><ul>${s.decisions.map((d) => `<li>Stage ${d.stage + 1}: ${escape(d.result)} by ${escape(d.by)}${d.at ? ` at ${escape(d.at)}` : ''}</li>`).join('')}</ul>`
    : '';
  return `<dl>${rows.map(([k, v]) => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`).join('')}</dl>${decisions}`;
}

export function renderLinkPage(page: LinkPage, csrf: string): string {
  if (page.kind === 'error') return layout(page.title, `<h1>${escape(page.title)}</h1><p role="alert">${escape(page.message)}</p>`);
  if (page.kind === 'done') return layout('Decision recorded', `<h1>Decision recorded</h1><p role="status">${escape(page.message)}</p>`);
  const s = page.summary;
  return layout(
    'Approve or deny',
    `<h1>Approve or deny this request?</h1>${summaryList(s)}
<form method="post">
<input type="hidden" name="csrf" value="${escape(csrf)}">
<label for="justification">Your justification${s.justificationRequired ? ' (required)' : ' (optional)'}</label>
<textarea id="justification" name="justification" maxlength="500" ${s.justificationRequired ? 'required' : ''} autofocus></textarea>
<button class="approve" type="submit" name="decision" value="Approve">Approve</button>
<button class="deny" type="submit" name="decision" value="Deny">Deny</button>
</form><p class="note">Opening this page changes nothing; only the buttons act.</p>`,
  );
}
