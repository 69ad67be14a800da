/**
 * Typed view of what the app registered through `@azure/functions` (captured by devhost's
 * stand-in for `@azure/functions-core`, see devhost/functions-core/index.js).
 */

export interface BindingInfo {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
  runOnStartup?: boolean;
  useMonitor?: boolean;
  queueName?: string;
  topicName?: string;
  subscriptionName?: string;
  connection?: string;
  isSessionsEnabled?: boolean;
  cardinality?: string;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- user handlers take any arguments.
export type FunctionCallback = (...args: any[]) => unknown;

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  int?: number | null;
  double?: number | null;
  http?: RpcHttpData | null;
}

export interface RpcHttpCookie {
  name: string;
  value: string;
  domain?: { value: string } | null;
  path?: { value: string } | null;
  expires?: { value: number } | null;
  secure?: { value: boolean } | null;
  httpOnly?: { value: boolean } | null;
  sameSite?: string | null;
  maxAge?: { value: number } | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  query?: Record<string, string> | null;
  params?: Record<string, string> | null;
  body?: RpcTypedData | null;
  statusCode?: string | null;
  cookies?: RpcHttpCookie[] | null;
}

export interface RpcParameterBinding {
  name: string;
  data: RpcTypedData | undefined;
}

export interface InvocationResponse {
  invocationId: string;
  outputData?: RpcParameterBinding[];
  returnValue?: RpcTypedData | null;
}

interface CoreInvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<InvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: unknown): CoreInvocationModel;
  /** What the worker tells the host at start-up, e.g. HttpUri when HTTP streaming is on. */
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

interface CoreRegistry {
  functions: Map<string, RegisteredFunction>;
  hooks: Map<string, Array<(context: unknown) => unknown>>;
  programmingModel: ProgrammingModel | undefined;
  logSink: ((level: string, category: string, message: string) => void) | undefined;
  capabilities?: Promise<Record<string, string>>;
}

const REGISTRY_KEY = Symbol.for('pim.devhost.functionsCore');

/** The shared registry object; created on first use by either side. */
export function coreRegistry(): CoreRegistry {
  const holder = globalThis as unknown as Record<symbol, CoreRegistry | undefined>;
  let reg = holder[REGISTRY_KEY];
  if (!reg) {
    reg = { functions: new Map(), hooks: new Map(), programmingModel: undefined, logSink: undefined };
    holder[REGISTRY_KEY] = reg;
  }
  return reg;
}

/**
 * The worker capabilities the app's programming model reports, asked once per process as the
 * worker asks once at start-up (asking also locks `app.setup`, as under the worker; with HTTP
 * streaming on it starts the library's proxy server, so a second ask would start another).
 */
export function workerCapabilities(): Promise<Record<string, string>> {
  const reg = coreRegistry();
  reg.capabilities ??= Promise.resolve(reg.programmingModel?.getCapabilities?.({}) ?? {});
  return reg.capabilities;
}

export function registeredFunctions(): RegisteredFunction[] {
  return [...coreRegistry().functions.values()];
}

export function findFunction(name: string): RegisteredFunction | undefined {
  return coreRegistry().functions.get(name.toLowerCase());
}

/** The function's trigger binding: the one input binding whose type ends in "Trigger". */
export function triggerOf(fn: RegisteredFunction): [string, BindingInfo] {
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (binding.direction === 'in' && binding.type.toLowerCase().endsWith('trigger')) return [name, binding];
  }
  throw new Error(`Function "${fn.metadata.name}" has no trigger binding.`);
}

export function functionsWithTrigger(type: string): RegisteredFunction[] {
  return registeredFunctions().filter((fn) => triggerOf(fn)[1].type.toLowerCase() === type.toLowerCase());
}
