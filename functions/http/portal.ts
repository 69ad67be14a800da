import { config } from '../../shared/config';
import { portalAsset, portalIndex, portalRedirectPage, portalRoot } from '../../shared/http/portalAssets';
import { portalHeaders, portalSignIn } from '../../shared/http/portalSignIn';
import { httpRoute } from '../httpRoute';

// Why explicit routes: a catch-all here would shadow the API (and notFound's Graph-shaped 404).
// `{ignored:maxlength(0)?}` matches only the empty path, i.e. `/` with host.json's empty routePrefix.
httpRoute('portalIndex', {
  route: '{ignored:maxlength(0)?}',
  methods: ['GET', 'HEAD'],
  authLevel: 'anonymous',
  doc: { summary: 'The portal (its HTML page)' },
  handler: async (req) => {
    const file = portalIndex(portalRoot(), portalHeaders(portalSignIn(config())));
    return { ...file, body: req.method === 'HEAD' ? undefined : file.body };
  },
});

httpRoute('portalRedirect', {
  route: 'portal/redirect',
  methods: ['GET', 'HEAD'],
  authLevel: 'anonymous',
  doc: { summary: "Where the sign-in authority sends people back to the portal (the app registration's redirect URI)" },
  handler: async (req) => {
    const file = portalRedirectPage(portalRoot(), portalHeaders(portalSignIn(config()), 'redirect'));
    return { ...file, body: req.method === 'HEAD' ? undefined : file.body };
  },
});

httpRoute('portalConfig', {
  route: 'portal/config.json',
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'How the portal signs in (MSAL client id, authority and API scope; or devhost)' },
  handler: async () => ({
    status: 200,
    // Why no-store: a changed setting must reach the next page load, not a cached copy.
    headers: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
    jsonBody: portalSignIn(config()),
  }),
});

httpRoute('portalAsset', {
  route: 'portal/assets/{name}',
  methods: ['GET', 'HEAD'],
  authLevel: 'anonymous',
  doc: { summary: "The portal's scripts and styles, built at build time" },
  handler: async (req) => {
    const file = portalAsset(portalRoot(), req.params.name ?? '');
    return { ...file, body: req.method === 'HEAD' ? undefined : file.body };
  },
});
