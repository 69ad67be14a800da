import { httpRoute } from '../httpRoute';
import { HttpError, toGraphError } from '../../shared/http/graphErrors';

// Why: every unknown path answers in Graph's error shape, so clients see one error format.
httpRoute('notFound', {
  route: '{*path}',
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  authLevel: 'anonymous',
  doc: { summary: "Any path no other route matches: Graph's 404" },
  handler: async (req, ctx) => {
    const path = new URL(req.url).pathname;
    const answer = toGraphError(
      new HttpError('ResourceNotFound', `No resource at ${req.method} ${path}.`, 404),
      ctx.invocationId,
      req.headers.get('client-request-id') ?? undefined,
    );
    return { status: answer.status, jsonBody: answer.body, headers: { 'request-id': ctx.invocationId } };
  },
});
