import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Caller, TokenValidator } from './auth';
import { inServerSpan } from '../adapters/telemetry/tracing';
import { HttpError, toGraphError } from './graphErrors';

/** Graph refuses request bodies above this size; so do we. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface GraphCall {
  req: HttpRequest;
  ctx: InvocationContext;
  caller: Caller;
  /** The parsed JSON body (undefined when there is none). */
  body: unknown;
  url: URL;
  requestId: string;
}

export type GraphHandler = (call: GraphCall) => Promise<HttpResponseInit>;

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/**
 * Wraps a Graph-compatible endpoint: authenticates the caller, checks the body's media type
 * and size, parses JSON, and turns any error into Graph's error body with a request id.
 */
export function graphHandler(validator: () => TokenValidator, handler: GraphHandler) {
  return async (req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> => {
    const requestId = ctx.invocationId;
    const clientRequestId = req.headers.get('client-request-id') ?? undefined;
    const baseHeaders: Record<string, string> = { 'request-id': requestId };
    if (clientRequestId) baseHeaders['client-request-id'] = clientRequestId;
    const traced = { method: req.method, url: req.url, functionName: ctx.functionName, traceparent: ctx.traceContext?.traceParent ?? undefined, requestId };
    return inServerSpan(traced, async (): Promise<HttpResponseInit> => {
      try {
        const caller = await validator().authenticate(req.headers.get('authorization'));
        const body = await readBody(req);
        const answer = await handler({ req, ctx, caller, body, url: new URL(req.url), requestId });
        return { ...answer, headers: { ...baseHeaders, ...(answer.jsonBody !== undefined ? { 'Content-Type': JSON_TYPE } : {}), ...(answer.headers as Record<string, string> | undefined) } };
      } catch (error) {
        const answer = toGraphError(error, requestId, clientRequestId);
        if (answer.status >= 500) ctx.error(`Request ${requestId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return { status: answer.status, jsonBody: answer.body, headers: { ...baseHeaders, 'Content-Type': JSON_TYPE, ...answer.headers } };
      }
    });
  };
}

/** The JSON body of a request (undefined when empty), within the size limit, as application/json only. */
export async function readBody(req: HttpRequest): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await readLimited(req);
  if (bytes.length === 0) return undefined;
  const type = (req.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError('UnsupportedMediaType', `Content-Type '${type || '(none)'}' is not supported; send application/json.`, 415);
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new HttpError('BadRequest', 'The request body is not valid JSON.', 400);
  }
}

/**
 * The body, up to the limit. With HTTP streaming (functions/setup.ts) a chunked body arrives as
 * a stream of unknown length, so the limit holds on the bytes read and nothing past it is kept.
 * Why drain rather than cancel: cancelling destroys the proxied request, and with it the
 * connection the 413 has to go back on.
 */
async function readLimited(req: HttpRequest): Promise<Buffer> {
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) throw tooLarge();
  return Buffer.concat(chunks);
}

const tooLarge = () => new HttpError('RequestEntityTooLarge', `The request body is larger than ${MAX_BODY_BYTES} bytes.`, 413);

/** `{version}` route parameter: Graph's two API versions. */
export function apiVersion(req: HttpRequest): 'v1.0' | 'beta' {
  const v = req.params.version;
  if (v === 'v1.0' || v === 'beta') return v;
  throw new HttpError('BadRequest', `Unknown API version '${v}'; use v1.0 or beta.`, 400);
}
