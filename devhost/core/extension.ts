import type { IncomingMessage } from 'node:http';
import type { invoke } from './invoker';
import type { Logger } from './logger';
import type { BindingInfo, RegisteredFunction, RpcTypedData } from './registry';

/** A raw HTTP answer from one of devhost's own endpoints (not an app function). */
export interface RawResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** What every piece of devhost can use while it runs. */
export interface HostContext {
  logger: Logger;
  /** e.g. http://127.0.0.1:7071 (no trailing slash). */
  baseUrl: string;
  /** Connection string of the storage account devhost uses (Azurite). */
  storageConnectionString: string;
  /** Prefix for devhost's own table names, so parallel test hosts stay apart. */
  tablePrefix: string;
  /** Invokes a registered function by the host's rules; see invoker.ts. */
  invoke: typeof invoke;
}

/**
 * One capability of the local host (Durable runtime, Service Bus, timers, OpenID issuer).
 * The host starts them in order after the app's modules are loaded and stops them in reverse.
 */
export interface HostExtension {
  readonly name: string;
  start(host: HostContext): Promise<void>;
  stop(): Promise<void>;
  /** Serves devhost's own routes (e.g. /.devhost/..., /runtime/webhooks/...). Undefined = not mine. */
  handleHttp?(req: RawRequest): Promise<RawResponse | undefined>;
  /** Supplies the value of a non-trigger input binding (e.g. durableClient) for an invocation. */
  inputFor?(binding: BindingInfo, fn: RegisteredFunction): RpcTypedData | undefined;
  /** A line for GET /healthz and the start banner, e.g. { durable: 'devhost-durable (Azure Table Storage)' }. */
  describe?(): Record<string, string>;
}
