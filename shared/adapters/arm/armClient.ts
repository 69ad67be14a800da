import { AuthorizationManagementClient } from '@azure/arm-authorization';
import {
  bearerTokenAuthenticationPolicyName,
  createPipelineRequest,
  isRestError,
  type PipelineResponse,
  RestError,
  retryPolicy,
  type RetryStrategy,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { isLoopbackHttp } from '../../connections';
import { credentialFor } from '../identity/credential';

/** How ARM calls are retried: throttling (429/503 with Retry-After) and transient failures (5xx, 408, dropped connections). */
export interface ArmRetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First back-off for a transient failure without Retry-After; doubles each time. */
  baseDelayMs: number;
  /**
   * The longest single wait this adapter accepts. A Retry-After beyond it fails the call at
   * once: PIM's workflow and reconcile pass try again later, instead of holding an activity
   * for as long as ARM asks.
   */
  maxWaitMs: number;
}

export const DEFAULT_ARM_RETRY: ArmRetryOptions = { maxRetries: 4, baseDelayMs: 500, maxWaitMs: 20_000 };

export interface ArmClientOptions {
  /** e.g. https://management.azure.com, or devhost's stand-in. */
  baseUrl: string;
  /** The identity that calls ARM; by default the managed identity (AZURE_CLIENT_ID's, else the system-assigned one). */
  credential?: TokenCredential;
  clientId?: string;
  retry?: Partial<ArmRetryOptions>;
}

export interface ArmAnswer {
  status: number;
  body: unknown;
}

/** ARM reached two ways over one pipeline (token, retries): the Authorization SDK, and plain requests for the hierarchy. */
export interface ArmClient {
  authorization: AuthorizationManagementClient;
  /**
   * Sends a request to a path (with its query) under the base URL, or to a URL ARM gave (a
   * nextLink) on the same host; any status is answered, none thrown.
   */
  send(method: 'GET' | 'POST', pathOrUrl: string, signal: AbortSignal): Promise<ArmAnswer>;
}

/**
 * The Authorization SDK's client, pointed at `baseUrl`, with this adapter's retry policy in
 * place of the SDK's default one (which waits as long as any Retry-After says). Only devhost's
 * stand-in (plain http on a loopback address) goes without a token; every other host gets the
 * managed identity's token for that cloud's ARM (`{origin}/.default`).
 */
export function armClient(options: ArmClientOptions): ArmClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const standIn = isLoopbackHttp(baseUrl);
  const credential = standIn ? NO_TOKEN : (options.credential ?? credentialFor({ credential: 'managedidentity', clientId: options.clientId }));
  // The subscription id is only used by the SDK's subscription-wide operations, which this adapter does not call.
  const authorization = new AuthorizationManagementClient(credential, '00000000-0000-0000-0000-000000000000', {
    endpoint: baseUrl,
    credentialScopes: [`${new URL(baseUrl).origin}/.default`],
    allowInsecureConnection: standIn,
  });
  // Why: the bearer policy refuses plain http, and the stand-in checks no token; no token leaves the machine.
  if (standIn) authorization.pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
  const retry = { ...DEFAULT_ARM_RETRY, ...options.retry };
  authorization.pipeline.removePolicy({ name: SDK_RETRY_POLICY });
  authorization.pipeline.addPolicy(retryPolicy([throttling(retry), transient(retry)], { maxRetries: retry.maxRetries }), { phase: 'Retry' });

  return {
    authorization,
    async send(method, pathOrUrl, signal) {
      const url = /^https?:\/\//i.test(pathOrUrl) ? pathOrUrl : `${baseUrl}${pathOrUrl}`;
      // Why: the pipeline adds the managed identity's token; a link to another host never gets it.
      if (new URL(url).origin !== new URL(baseUrl).origin) throw new Error(`ARM answered with a link to another host (${new URL(url).origin}); not followed.`);
      const request = createPipelineRequest({ url, method, abortSignal: signal, allowInsecureConnection: standIn });
      request.headers.set('Accept', 'application/json');
      if (method === 'POST') request.headers.set('Content-Type', 'application/json');
      const response = await authorization.sendRequest(request);
      return { status: response.status, body: parseBody(response) };
    },
  };
}

/** Whether an error is ARM's answer with this status (and, when given, this error code). */
export function isArmError(error: unknown, status: number, code?: string): error is RestError {
  return isRestError(error) && error.statusCode === status && (code === undefined || error.code === code);
}

/** An ARM answer that is not what the caller can use, as the SDK would have thrown it. */
export function armError(answer: ArmAnswer, what: string): RestError {
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new RestError(`${what}: ARM answered ${answer.status}${error?.message ? ` (${error.message})` : ''}.`, {
    statusCode: answer.status,
    ...(error?.code ? { code: error.code } : {}),
  });
}

/** The name of the SDK's default retry policy (core-rest-pipeline's defaultRetryPolicy, whose name constant is not exported). */
const SDK_RETRY_POLICY = 'defaultRetryPolicy';

const NO_TOKEN: TokenCredential = { getToken: async () => null };

function parseBody(response: PipelineResponse): unknown {
  if (!response.bodyAsText) return undefined;
  try {
    return JSON.parse(response.bodyAsText) as unknown;
  } catch {
    return undefined;
  }
}

/** ARM's throttling: 429 (or 503) with Retry-After, in seconds or as a date, or in milliseconds in retry-after-ms. */
function throttling(options: ArmRetryOptions): RetryStrategy {
  return {
    name: 'armThrottling',
    retry({ response }) {
      if (!response || (response.status !== 429 && response.status !== 503)) return { skipStrategy: true };
      const waitMs = retryAfterMs(response);
      if (waitMs === undefined) return { skipStrategy: true };
      if (waitMs > options.maxWaitMs) {
        return {
          errorToThrow: new RestError(`ARM throttled the call and asked to wait ${Math.ceil(waitMs / 1000)} s, longer than this adapter waits (${options.maxWaitMs / 1000} s).`, {
            statusCode: response.status,
            code: response.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
            response,
          }),
        };
      }
      return { retryAfterInMs: waitMs };
    },
  };
}

/** Transient failures without a Retry-After: 5xx (not 501/505), 408, 429, and connections that dropped; exponential back-off with jitter. */
function transient(options: ArmRetryOptions): RetryStrategy {
  return {
    name: 'armTransient',
    retry({ response, responseError, retryCount }) {
      const status = response?.status;
      const retriableStatus = status !== undefined && (status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505));
      const dropped = !response && responseError !== undefined && DROPPED.has(String(responseError.code));
      if (!retriableStatus && !dropped) return { skipStrategy: true };
      const backoff = Math.min(options.maxWaitMs, options.baseDelayMs * 2 ** retryCount);
      return { retryAfterInMs: backoff / 2 + Math.random() * (backoff / 2) };
    },
  };
}

const DROPPED = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

function retryAfterMs(response: PipelineResponse): number | undefined {
  for (const header of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(response.headers.get(header));
    if (response.headers.has(header) && Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter === undefined || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(retryAfter);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
