import { randomUUID } from 'node:crypto';
import type { Logger } from './logger';
import {
  coreRegistry,
  type FunctionCallback,
  type InvocationResponse,
  type RegisteredFunction,
  type RpcParameterBinding,
  type RpcTypedData,
} from './registry';

export interface InvokeRequest {
  /** Values for the trigger and any extra inputs, keyed by binding name. */
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Set by retrying triggers (Service Bus), as the host does. */
  retryContext?: { retryCount: number; maxRetryCount: number };
  /** Chosen by the caller when something else must carry it too (the HTTP stream); new otherwise. */
  invocationId?: string;
}

export interface InvokeResult {
  invocationId: string;
  ok: boolean;
  response?: InvocationResponse;
  error?: unknown;
  durationMs: number;
}

/**
 * Invokes a registered function exactly as the Node worker does: through the programming
 * model's invocation model (getArguments -> invokeFunction -> getResponse), with the pre- and
 * post-invocation hooks around it. Every invocation logs one line like the host's.
 */
export async function invoke(fn: RegisteredFunction, request: InvokeRequest, logger: Logger): Promise<InvokeResult> {
  const registry = coreRegistry();
  const programmingModel = registry.programmingModel;
  if (!programmingModel) throw new Error('No programming model was set: the app did not load @azure/functions.');
  const invocationId = request.invocationId ?? randomUUID();
  const started = performance.now();
  const name = fn.metadata.name;
  const coreCtx = {
    invocationId,
    request: {
      invocationId,
      functionId: name,
      inputData: request.inputData,
      triggerMetadata: request.triggerMetadata ?? {},
      retryContext: request.retryContext,
    },
    metadata: fn.metadata,
    state: undefined as string | undefined,
    log: (level: string, category: string, message: string) =>
      logger.user(level, name, invocationId, category, message),
  };
  logger.debug(`Executing 'Functions.${name}' (Reason='devhost', Id=${invocationId})`);
  try {
    const model = programmingModel.getInvocationModel(coreCtx);
    const { context, inputs } = await model.getArguments();
    const hookData: Record<string, unknown> = {};
    const appHookData = appHookDataStore();
    const preCtx = { invocationContext: context, inputs, functionCallback: fn.callback, hookData, appHookData };
    coreCtx.state = 'preInvocationHooks';
    await runHooks('preInvocation', preCtx);
    coreCtx.state = 'invocation';
    let result: unknown;
    let error: unknown;
    try {
      result = await model.invokeFunction(context, preCtx.inputs, preCtx.functionCallback as FunctionCallback);
    } catch (err) {
      error = err;
    }
    const postCtx = { invocationContext: context, inputs: preCtx.inputs, result, error, hookData, appHookData };
    coreCtx.state = 'postInvocationHooks';
    await runHooks('postInvocation', postCtx);
    if (postCtx.error !== undefined && postCtx.error !== null) throw postCtx.error;
    const response = await model.getResponse(context, postCtx.result);
    const durationMs = performance.now() - started;
    logger.invocation(name, invocationId, durationMs, 'Succeeded');
    return { invocationId, ok: true, response, durationMs };
  } catch (error) {
    const durationMs = performance.now() - started;
    logger.invocation(name, invocationId, durationMs, 'Failed', error);
    return { invocationId, ok: false, error, durationMs };
  }
}

const appHookData: Record<string, unknown> = {};
function appHookDataStore(): Record<string, unknown> {
  return appHookData;
}

/** Runs the app-level hooks (appStart, appTerminate) with the contexts the worker gives them. */
export async function runAppHook(name: 'appStart' | 'appTerminate'): Promise<void> {
  const ctx = { hookData: {}, appHookData: appHookDataStore(), functionAppDirectory: process.cwd() };
  await runHooks(name, ctx);
}

async function runHooks(name: string, ctx: unknown): Promise<void> {
  for (const hook of coreRegistry().hooks.get(name) ?? []) {
    await hook(ctx);
  }
}

/** Decodes typed data the way the worker hands it back (return values, activity results). */
export function typedDataToValue(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.string !== undefined && data.string !== null) return data.string;
  if (data.json !== undefined && data.json !== null) return JSON.parse(data.json);
  if (data.bytes !== undefined && data.bytes !== null) return Buffer.from(data.bytes);
  if (data.int !== undefined && data.int !== null) return data.int;
  if (data.double !== undefined && data.double !== null) return data.double;
  return undefined;
}
