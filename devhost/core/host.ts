import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invokeStreaming } from '../http/httpStream';
import { collectHttpRoutes, fromInvokeResult, type HttpRoute, matchRoute, toRpcHttp } from '../http/httpTrigger';
import type { HostContext, HostExtension, RawRequest, RawResponse } from './extension';
import { type InvokeRequest, invoke, runAppHook } from './invoker';
import { Logger, type LogLevel } from './logger';
import { coreRegistry, type RegisteredFunction, type RpcParameterBinding, workerCapabilities } from './registry';

/** The host's default limit on request bodies (100 MB). */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

export interface DevHostOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  bindAddress?: string;
  storageConnectionString: string;
  tablePrefix?: string;
  routePrefix?: string;
  extensions: HostExtension[];
  logger?: Logger;
  logLevel?: LogLevel;
  /** Request bodies above this size get 413 (the host's default is 100 MB). */
  maxRequestBodyBytes?: number;
}

/**
 * A local Azure Functions host for the functions registered through @azure/functions in this
 * process: it serves HTTP triggers and devhost's own endpoints on one port and runs the
 * extensions (Durable, Service Bus, timers, OpenID issuer) that feed the other triggers.
 */
export class DevHost {
  readonly logger: Logger;
  private server?: Server;
  private routes: HttpRoute[] = [];
  private context?: HostContext;
  private started: HostExtension[] = [];
  /** False until every extension has started: requests meanwhile get 503, as the host answers while starting. */
  private ready = false;
  /** The worker's HTTP server when the app turned HTTP streaming on (capability HttpUri). */
  private httpUri?: string;

  constructor(private readonly options: DevHostOptions) {
    this.logger = options.logger ?? new Logger(options.logLevel ?? 'info');
  }

  get url(): string {
    if (!this.context) throw new Error('devhost is not started');
    return this.context.baseUrl;
  }

  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('devhost is not listening');
    return address.port;
  }

  extension<T extends HostExtension>(name: string): T | undefined {
    return this.options.extensions.find((e) => e.name === name) as T | undefined;
  }

  async start(): Promise<void> {
    coreRegistry().logSink = (level, category, message) => this.logger.user(level, 'host', '', category, message);
    this.routes = collectHttpRoutes(this.options.routePrefix ?? '');
    this.httpUri = (await workerCapabilities()).HttpUri || undefined;
    // Duplicate headers arrive joined, as the Functions host passes them (e.g. two Authorization lines).
    this.server = createServer({ joinDuplicateHeaders: true }, (req, res) => void this.onRequest(req, res));
    const bindAddress = this.options.bindAddress ?? '127.0.0.1';
    await listen(this.server, this.options.port, bindAddress);
    const display = bindAddress === '0.0.0.0' || bindAddress === '127.0.0.1' ? 'localhost' : bindAddress;
    this.context = {
      logger: this.logger,
      baseUrl: `http://${display}:${this.port}`,
      storageConnectionString: this.options.storageConnectionString,
      tablePrefix: this.options.tablePrefix ?? 'DevHost',
      // Every trigger gets its extra inputs (e.g. the durable client) filled, as under the host.
      invoke: (fn, request, logger) => invoke(fn, this.withExtraInputs(fn, request), logger),
    };
    try {
      for (const extension of this.options.extensions) {
        await extension.start(this.context);
        this.started.push(extension);
      }
      await runAppHook('appStart');
      this.ready = true;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.ready = false;
    for (const extension of this.started.reverse()) {
      try {
        await extension.stop();
      } catch (error) {
        this.logger.error(`Stopping ${extension.name} failed: ${String(error)}`);
      }
    }
    this.started = [];
    if (this.server?.listening) {
      await runAppHook('appTerminate').catch(() => undefined);
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    }
  }

  /** Lines describing the backends in use (for the start banner and health). */
  describe(): Record<string, string> {
    return Object.assign({}, ...this.options.extensions.map((e) => e.describe?.() ?? {}));
  }

  functions(): RegisteredFunction[] {
    return [...coreRegistry().functions.values()];
  }

  httpRoutes(): Array<{ name: string; methods: string[]; url: string }> {
    return this.routes.map((r) => ({
      name: r.fn.metadata.name,
      methods: r.methods ? [...r.methods] : ['ALL'],
      url: `${this.url}/${r.route.template}`,
    }));
  }

  /** Adds the value of each input binding the request does not carry (asking the extensions). */
  private withExtraInputs(fn: RegisteredFunction, request: InvokeRequest): InvokeRequest {
    const given = new Set(request.inputData.map((d) => d.name));
    const inputData = [...request.inputData];
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (binding.direction !== 'in' || given.has(name) || binding.type.toLowerCase().endsWith('trigger')) continue;
      const data = this.started.map((e) => e.inputFor?.(binding, fn)).find((d) => d !== undefined);
      inputData.push({ name, data });
    }
    return { ...request, inputData };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.ready) return send(res, { status: 503, headers: { 'Retry-After': '1' }, body: '' });
      const body = await readBody(req, this.options.maxRequestBodyBytes ?? MAX_BODY_BYTES);
      if (body === undefined) return send(res, { status: 413, body: '' });
      // base + path, not new URL(path, base): a path starting with // is not a host name.
      const target = `${this.context?.baseUrl ?? 'http://localhost'}${req.url ?? '/'}`;
      if (!req.url?.startsWith('/') || !URL.canParse(target)) return send(res, { status: 400, body: '' });
      const raw: RawRequest = { method: req.method ?? 'GET', url: new URL(target), headers: req.headers, body };
      send(res, await this.dispatch(raw));
    } catch (error) {
      this.logger.error(
        `devhost request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      if (!res.headersSent) send(res, { status: 500, body: '' });
      else res.end();
    }
  }

  private async dispatch(req: RawRequest): Promise<RawResponse> {
    for (const extension of this.started) {
      const answer = await extension.handleHttp?.(req);
      if (answer) return answer;
    }
    const match = matchRoute(this.routes, req.method, req.url.pathname);
    if (!match) return { status: 404, body: '' };
    const { route, params } = match;
    if (this.httpUri) {
      const invokeWithInputs = (fn: RegisteredFunction, request: InvokeRequest, logger: Logger) => invoke(fn, this.withExtraInputs(fn, request), logger);
      return invokeStreaming(this.httpUri, route.fn, route.triggerName, req, params, invokeWithInputs, this.logger);
    }
    const inputData: RpcParameterBinding[] = [{ name: route.triggerName, data: { http: toRpcHttp(req, params) } }];
    const result = await invoke(route.fn, this.withExtraInputs(route.fn, { inputData }), this.logger);
    return fromInvokeResult(route.fn, result);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, answer: RawResponse): void {
  const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.from(answer.body);
  const headers: Record<string, string | string[] | number> = { ...(answer.headers ?? {}) };
  headers['content-length'] = body.length;
  res.writeHead(answer.status, headers);
  res.end(body);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new Error(`Port ${port} is already in use (devhost HTTP); set DEVHOST_PORT or stop what holds it.`));
      } else reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
