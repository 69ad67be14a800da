import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { RawRequest, RawResponse } from '../core/extension';
import type { InvokeRequest, InvokeResult } from '../core/invoker';
import type { Logger } from '../core/logger';
import type { RegisteredFunction, RpcTypedData } from '../core/registry';
import { rpcHeaders, rpcQuery } from './httpTrigger';

/** Headers that belong to one connection, not to the message (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length']);

/** How long a finished invocation's response may take to arrive over the proxy connection. */
const RESPONSE_GRACE_MS = 30_000;

type Invoke = (fn: RegisteredFunction, request: InvokeRequest, logger: Logger) => Promise<InvokeResult>;

/**
 * An HTTP trigger invoked the way the host does it for a worker that advertised an `HttpUri`
 * (the app called `app.setup({ enableHttpStream: true })`): the invocation carries an empty
 * RpcHttp plus headers, query and route values as trigger metadata, and the request itself,
 * body included however it was framed, goes to the worker's own HTTP server with the
 * invocation id in `x-ms-invocation-id`. The function's response comes back over that
 * connection. An invocation that fails answers 500 with an empty body, as in the RPC path.
 */
export async function invokeStreaming(
  httpUri: string,
  fn: RegisteredFunction,
  triggerName: string,
  req: RawRequest,
  params: Record<string, string>,
  invoke: Invoke,
  logger: Logger,
): Promise<RawResponse> {
  const invocationId = randomUUID();
  const triggerMetadata: Record<string, RpcTypedData> = {
    Headers: { json: JSON.stringify(rpcHeaders(req)) },
    Query: { json: JSON.stringify(rpcQuery(req)) },
  };
  for (const [name, value] of Object.entries(params)) triggerMetadata[name] = { string: value };
  const forwarded = forward(httpUri, req, invocationId);
  // Why: a forward that fails never reaches the worker, whose invocation then waits for it forever.
  const invoked = invoke(fn, { invocationId, inputData: [{ name: triggerName, data: { http: {} } }], triggerMetadata }, logger);
  const first = await Promise.race([invoked.then((result) => ({ result })), forwarded.response.then(() => ({ result: undefined }), (error: unknown) => ({ error }))]);
  if ('error' in first) {
    logger.error(`devhost could not forward the request to the worker's HTTP stream (${httpUri}): ${String(first.error)}`);
    return { status: 500, body: '' };
  }
  const result = first.result ?? (await invoked);
  if (!result.ok) {
    forwarded.abort();
    return { status: 500, body: '' };
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<RawResponse>((resolve) => {
    timer = setTimeout(() => {
      logger.error(`'Functions.${fn.metadata.name}' (Id=${invocationId}) finished without an HTTP response on its stream.`);
      forwarded.abort();
      resolve({ status: 500, body: '' });
    }, RESPONSE_GRACE_MS);
  });
  try {
    return await Promise.race([forwarded.response, late]);
  } catch {
    return { status: 500, body: '' };
  } finally {
    clearTimeout(timer);
  }
}

/** Sends the request to the worker's HTTP server and buffers its answer. */
function forward(httpUri: string, req: RawRequest, invocationId: string): { response: Promise<RawResponse>; abort(): void } {
  const headers: Record<string, string> = {
    'x-ms-invocation-id': invocationId,
    'x-forwarded-host': req.url.host,
    'x-forwarded-proto': req.url.protocol.replace(/:$/, ''),
  };
  // Framed as the client framed it: a declared length stays one, anything else goes chunked
  // (said explicitly: Node frames a GET or DELETE body no other way).
  if (req.headers['content-length'] !== undefined) headers['content-length'] = String(req.body.length);
  else if (req.body.length > 0) headers['transfer-encoding'] = 'chunked';
  // The path as received (it may start with //), so not resolved against the worker's URL.
  const worker = new URL(httpUri);
  const outgoing = httpRequest({ hostname: worker.hostname, port: worker.port, path: `${req.url.pathname}${req.url.search}`, method: req.method, headers });
  const response = new Promise<RawResponse>((resolve, reject) => {
    outgoing.once('error', reject);
    outgoing.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const out: Record<string, string | string[]> = {};
        for (const [key, value] of Object.entries(res.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
        }
        resolve({ status: res.statusCode ?? 500, headers: out as Record<string, string>, body: Buffer.concat(chunks) });
      });
    });
  });
  // Keeps an aborted forward from surfacing as an unhandled rejection.
  response.catch(() => undefined);
  outgoing.end(req.body.length > 0 ? req.body : undefined);
  return { response, abort: () => outgoing.destroy() };
}
