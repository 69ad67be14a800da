import { config } from '../../shared/config';
import { buildOpenApi } from '../../shared/http/openapi/document';
import { registeredRoutes } from '../../shared/http/openapi/registry';
import { httpRoute } from '../httpRoute';

/**
 * The document, built on the first request (by then the host has loaded every trigger, so the
 * registry is complete) and kept: the routes and schemas cannot change while the app runs.
 */
let document: string | undefined;

httpRoute('openApiDocument', {
  route: 'openapi.json',
  methods: ['GET'],
  // Why anonymous: the document describes the API, holds no data, and clients read it before signing in.
  authLevel: 'anonymous',
  doc: { summary: 'This OpenAPI 3.1 document' },
  handler: async () => {
    const settings = config();
    document ??= JSON.stringify(
      buildOpenApi(registeredRoutes(), { serverUrl: settings.PIM_PUBLIC_BASE_URL, graphAudience: settings.PIM_OIDC_AUDIENCE, armAudiences: settings.PIM_ARM_AUDIENCE }),
    );
    return { status: 200, body: document, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' } };
  },
});
