/**
 * Tracing with OpenTelemetry's API: one trace per HTTP request the app serves, carried through
 * the activation's orchestration (its input holds the trace's `traceparent`) to the activities,
 * and from them to the Graph or ARM calls and the audit records they cause. Without an SDK
 * registered (devhost, unless a test registers one) every call here is a cheap no-op; in Azure,
 * azureMonitor.ts registers Azure Monitor's distro.
 *
 * Why the app's own request id is on every span (`pim.correlation_id`): it is what the API
 * answers in `request-id` and what the audit records carry as correlationId, so an operator
 * can go from an audit record or a client's error to the trace, and back.
 */
import { context, type Context, isSpanContextValid, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = () => trace.getTracer('pim');

export const CORRELATION_ID = 'pim.correlation_id';
export const SCHEDULE_REQUEST_ID = 'pim.schedule_request_id';

/**
 * The W3C traceparent of the active span, to hand to work that runs elsewhere (an orchestration).
 * Written and read here rather than through the global propagator, which only an SDK registers:
 * the trace must carry over whatever propagators a deployment configures.
 */
export function currentTraceparent(): string | undefined {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return undefined;
  return `00-${span.traceId}-${span.spanId}-${span.traceFlags.toString(16).padStart(2, '0')}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context a traceparent names (the root context when there is none or it does not parse). */
function contextOf(traceparent: string | undefined): Context {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (!m?.[1] || !m[2] || !m[3]) return ROOT_CONTEXT;
  const span = { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true };
  return isSpanContextValid(span) ? trace.setSpanContext(ROOT_CONTEXT, span) : ROOT_CONTEXT;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Record<string, string | number | boolean | undefined>;
  /** Start a new trace under this traceparent instead of the active context. */
  parent?: string;
}

/** Runs `work` in a span; an error marks the span failed and is thrown on unchanged. */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent === undefined ? context.active() : contextOf(options.parent);
  const attributes = Object.fromEntries(Object.entries(options.attributes ?? {}).filter((e): e is [string, string | number | boolean] => e[1] !== undefined));
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A port whose every method call is a span named `{dependency}.{method}` (e.g. graph.grantRole,
 * audit.appendAll), of `kind` (CLIENT for calls leaving the app). `describe` may add attributes
 * from a call's arguments (the audit record's correlation id).
 */
export function tracedPort<T extends object>(dependency: string, port: T, kind: SpanKind, describe?: (method: string, args: unknown[]) => SpanOptions['attributes']): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) =>
        inSpan(`${dependency}.${property}`, { kind, attributes: { 'peer.service': dependency, ...describe?.(property, args) } }, async () => (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

/**
 * An HTTP request the app serves, as a SERVER span under the host's trace context when it gives
 * one (the Functions host's request telemetry), named after the function; `answer` is run in it
 * and its status recorded.
 */
export function inServerSpan<T extends { status?: number }>(
  request: { method: string; url: string; functionName: string; traceparent: string | undefined; requestId: string },
  answer: () => Promise<T>,
): Promise<T> {
  const attributes = { 'http.request.method': request.method, 'url.path': new URL(request.url).pathname, [CORRELATION_ID]: request.requestId };
  return inSpan(`${request.method} ${request.functionName}`, { kind: SpanKind.SERVER, attributes, parent: request.traceparent }, async (span) => {
    const result = await answer();
    span.setAttribute('http.response.status_code', result.status ?? 200);
    if ((result.status ?? 200) >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return result;
  });
}

export { SpanKind };
