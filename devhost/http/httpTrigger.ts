import type { RawRequest, RawResponse } from '../core/extension';
import type { InvokeResult } from '../core/invoker';
import {
  functionsWithTrigger,
  type RegisteredFunction,
  type RpcHttpCookie,
  type RpcHttpData,
  triggerOf,
} from '../core/registry';
import { type CompiledRoute, compileRoute } from './routeTemplate';

export interface HttpRoute {
  fn: RegisteredFunction;
  triggerName: string;
  route: CompiledRoute;
  methods: Set<string> | undefined;
}

/**
 * The app's HTTP-triggered functions, ordered as the host matches them: by route precedence
 * (literal segments before parameters), then by template text so the order is stable.
 */
export function collectHttpRoutes(routePrefix: string): HttpRoute[] {
  const prefix = routePrefix.replace(/^\/+|\/+$/g, '');
  const routes = functionsWithTrigger('httpTrigger').map((fn) => {
    const [triggerName, binding] = triggerOf(fn);
    const template = [prefix, binding.route ?? fn.metadata.name].filter((s) => s !== '').join('/');
    const methods = binding.methods?.length ? new Set(binding.methods.map((m) => m.toUpperCase())) : undefined;
    return { fn, triggerName, route: compileRoute(template), methods };
  });
  return routes.sort(
    (a, b) => a.route.precedence - b.route.precedence || a.route.template.localeCompare(b.route.template),
  );
}

/** The first route whose template and method both match; the host answers 404 otherwise (even for a wrong method). */
export function matchRoute(routes: HttpRoute[], method: string, path: string) {
  for (const route of routes) {
    if (route.methods && !route.methods.has(method.toUpperCase())) continue;
    const params = route.route.match(path);
    if (params) return { route, params };
  }
  return undefined;
}

/**
 * The worker's RPC shape of an incoming request. Like the host (`ToRpcHttp` forwards a body
 * only when `request.ContentLength > 0`), a body sent without Content-Length (chunked) does
 * not reach the function: it sees an empty body. Apps that take such bodies turn on HTTP
 * streaming (see httpStream.ts), which forwards every body.
 */
export function toRpcHttp(req: RawRequest, params: Record<string, string>): RpcHttpData {
  return {
    method: req.method,
    url: req.url.toString(),
    headers: rpcHeaders(req),
    query: rpcQuery(req),
    params,
    body: req.body.length > 0 && declaredLength(req) > 0 ? { bytes: req.body } : undefined,
  };
}

/** Request headers as the host passes them: one string per name, repeats joined. */
export function rpcHeaders(req: RawRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export function rpcQuery(req: RawRequest): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of req.url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  return query;
}

function declaredLength(req: RawRequest): number {
  const raw = req.headers['content-length'];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(n) ? n : 0;
}

/** Converts the function's HTTP output (return value or named output binding) to a raw response. */
export function fromInvokeResult(fn: RegisteredFunction, result: InvokeResult): RawResponse {
  if (!result.ok) return { status: 500, body: '' };
  const response = result.response;
  let http: RpcHttpData | null | undefined;
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (binding.direction !== 'out' || binding.type.toLowerCase() !== 'http') continue;
    const data = name === '$return' ? response?.returnValue : response?.outputData?.find((o) => o.name === name)?.data;
    if (data?.http) http = data.http;
  }
  if (!http) return { status: 204 };
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map(serializeCookie);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = http.body?.bytes ? Buffer.from(http.body.bytes) : Buffer.from(http.body?.string ?? '');
  return { status: Number(http.statusCode ?? 200), headers: headers as Record<string, string>, body };
}

function serializeCookie(c: RpcHttpCookie): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  const expires = c.expires?.value as unknown as { seconds?: number } | number | undefined;
  const seconds = typeof expires === 'object' ? expires?.seconds : expires;
  if (seconds) parts.push(`Expires=${new Date(seconds * 1000).toUTCString()}`);
  if (c.maxAge?.value !== undefined) parts.push(`Max-Age=${c.maxAge.value}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' }[String(c.sameSite)];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}
