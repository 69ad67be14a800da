import { portalAsset, portalIndex, portalRoot } from '../../shared/http/portalAssets';
import { httpRoute } from '../httpRoute';

// Why explicit routes: a catch-all here would shadow the API (and notFound's Graph-shaped 404).
// `{ignored:maxlength(0)?}` matches only the empty path, i.e. `/` with host.json's empty routePrefix.
httpRoute('portalIndex', {
  route: '{ignored:maxlength(0)?}',
  methods: ['GET', 'HEAD'],
  authLevel: 'anonymous',
  doc: { summary: 'The portal (its HTML page)' },
  handler: async (req) => {
    const file = portalIndex(portalRoot());
    return { ...file, body: req.method === 'HEAD' ? undefined : file.body };
  },
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
