import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The portal's security headers. Why: the bundle is all the page runs; no inline script or
 * style, nothing from another origin, no framing, and the browser must not guess types.
 */
export const PORTAL_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Vite's hashed file names: a name and hash, one extension. Why: nothing else may reach the disk path. */
const ASSET_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(js|css|svg|png|woff2)$/;

export interface PortalFile {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

/** Where `vite build` put the portal: portal/dist from the source tree, or beside dist/ when compiled. */
export function portalRoot(from: string = __dirname): string | undefined {
  for (const up of ['../..', '../../..']) {
    const dir = resolve(from, up, 'portal/dist');
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const NOT_BUILT = 'The portal is not built: run `npm run build:portal` (npm start and npm test do it for you).';

/** index.html, with `headers` (the CSP naming the sign-in authority, see portalSignIn.ts). */
export function portalIndex(root: string | undefined, headers: Record<string, string> = PORTAL_HEADERS): PortalFile {
  if (!root) return { status: 503, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: NOT_BUILT };
  // Why no-cache: index.html names the current hashed bundles; an old copy would load old code.
  return { status: 200, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }, body: readFileSync(join(root, 'index.html')) };
}

/**
 * redirect.html, where the sign-in authority sends people back (MSAL's redirect bridge).
 * Why no-store: its URL carries an authorization code, which no cache may keep.
 */
export function portalRedirectPage(root: string | undefined, headers: Record<string, string>): PortalFile {
  const path = root ? join(root, 'redirect.html') : undefined;
  if (!path || !existsSync(path)) return { status: 503, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: NOT_BUILT };
  return { status: 200, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, body: readFileSync(path) };
}

export function portalAsset(root: string | undefined, name: string): PortalFile {
  const match = ASSET_NAME.exec(name);
  const path = root && match ? join(root, 'assets', name) : undefined;
  if (!path || !match?.[1] || !existsSync(path)) {
    return { status: 404, headers: { ...PORTAL_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not found.' };
  }
  return {
    status: 200,
    // The names carry a content hash, so a copy never goes stale.
    headers: { ...PORTAL_HEADERS, 'Content-Type': TYPES[`.${match[1]}`] ?? 'application/octet-stream', 'Cache-Control': 'public, max-age=31536000, immutable' },
    body: readFileSync(path),
  };
}

