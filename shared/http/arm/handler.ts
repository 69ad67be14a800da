import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Caller } from '../../domain/caller';
import { readBody } from '../graphHandler';
import { toArmError } from './errors';
import { inServerSpan } from '../../adapters/telemetry/tracing';

export interface ArmCall {
  req: HttpRequest;
  ctx: InvocationContext;
  caller: Caller;
  /** The parsed JSON body (undefined when there is none). */
  body: unknown;
  url: URL;
  /** The ARM path of the request (route prefix and query removed). */
  path: string;
  /** Our id for this request (x-ms-request-id): correlates the answer with the logs. */
  requestId: string;
}

export type Authenticate = (authorization: string | null | undefined) => Promise<Caller>;

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Wraps an endpoint of the ARM surface: authenticates the caller with ARM's 401 codes, reads
 * the JSON body, and answers every error with ARM's `{"error":{"code","message"}}` and ARM's
 * request-id headers (x-ms-request-id, and x-ms-correlation-request-id echoed or made).
 */
export function armHandler(authenticate: () => Authenticate, path: (req: HttpRequest) => string, handler: (call: ArmCall) => Promise<HttpResponseInit>) {
  return async (req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> => {
    const requestId = ctx.invocationId;
    const headers: Record<string, string> = {
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': req.headers.get('x-ms-correlation-request-id') ?? requestId,
    };
    const clientRequestId = req.headers.get('x-ms-client-request-id');
    if (clientRequestId) headers['x-ms-client-request-id'] = clientRequestId;
    const traced = { method: req.method, url: req.url, functionName: ctx.functionName, traceparent: ctx.traceContext?.traceParent ?? undefined, requestId };
    return inServerSpan(traced, async (): Promise<HttpResponseInit> => {
      try {
        const caller = await authenticate()(req.headers.get('authorization'));
        const body = await readBody(req);
        const answer = await handler({ req, ctx, caller, body, url: new URL(req.url), path: path(req), requestId });
        return { ...answer, headers: { ...headers, ...(answer.jsonBody !== undefined ? { 'Content-Type': JSON_TYPE } : {}), ...(answer.headers as Record<string, string> | undefined) } };
      } catch (error) {
        const answer = toArmError(error, requestId);
        if (answer.status >= 500) ctx.error(`Request ${requestId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return { status: answer.status, jsonBody: answer.body, headers: { ...headers, 'Content-Type': JSON_TYPE, ...answer.headers } };
      }
    });
  };
}
