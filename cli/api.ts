import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { readLogin, type StoredLogin } from './config';
import { CliError, fromApiError, notSignedIn } from './errors';

export interface Json {
  [key: string]: unknown;
}

/** The PIM service, called with the stored sign-in. */
export interface PimApi {
  readonly url: string;
  readonly login: StoredLogin;
  get<T = Json>(path: string): Promise<T>;
  /** GET of a collection, following @odata.nextLink. */
  list<T = Json>(path: string): Promise<T[]>;
  send<T = Json>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T>;
  /** POST of a long-running operation (202): the operation's URL, from the Location header. */
  start(path: string, body?: unknown): Promise<string>;
  /** GET of a download, its body streamed to `into` as it arrives (never held whole). */
  download(path: string, into: NodeJS.WritableStream): Promise<void>;
  /** The ARM surface (Azure resource roles), called with the ARM-audience token of the sign-in. */
  arm: {
    get<T = Json>(path: string): Promise<T>;
    /** GET of a collection, following nextLink. */
    list<T = Json>(path: string): Promise<T[]>;
    put<T = Json>(path: string, body: unknown): Promise<T>;
    patch<T = Json>(path: string, body: unknown): Promise<T>;
  };
}

/** The service URL: --url, else PIM_URL, else the one signed in to, else a local devhost. */
export function serviceUrl(flag: string | undefined, login?: StoredLogin): string {
  return (flag ?? process.env.PIM_URL ?? login?.url ?? 'http://localhost:7071').replace(/\/+$/, '');
}

export function connect(urlFlag: string | undefined): PimApi {
  const login = readLogin();
  if (!login) throw notSignedIn();
  if (Date.parse(login.expiresOn) <= Date.now()) throw notSignedIn('Your sign-in has expired');
  const url = serviceUrl(urlFlag, login);
  const exchange = async <T>(method: string, path: string, body?: unknown, token = login.accessToken): Promise<{ body: T; headers: Headers }> => {
    const target = path.startsWith('http') ? path : `${url}${path}`;
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(`Cannot reach the PIM service at ${url} (${error instanceof Error ? error.message : String(error)}). Check --url or PIM_URL.`);
    }
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const failure = fromApiError(res.status, error?.code, error?.message);
      // Why: an application cannot answer an MFA challenge; only the role's settings can change that.
      if (login.account.kind === 'servicePrincipal' && res.status === 401 && /multi-?factor|MFA|authentication context/i.test(error?.message ?? '')) {
        throw new CliError(`${error?.message ?? ''} A service principal cannot sign in with MFA: an administrator must turn off MFA and authentication context on activation of this role for pipelines.`, 1, error?.code);
      }
      throw failure;
    }
    return { body: parsed as T, headers: res.headers };
  };
  const call = async <T>(method: string, path: string, body?: unknown, token = login.accessToken): Promise<T> => (await exchange<T>(method, path, body, token)).body;
  return {
    url,
    login,
    get: (path) => call('GET', path),
    async list<T>(path: string) {
      const out: T[] = [];
      let next: string | undefined = path;
      while (next) {
        const page: { value?: T[]; '@odata.nextLink'?: string } = await call('GET', next);
        out.push(...(page.value ?? []));
        next = page['@odata.nextLink'];
      }
      return out;
    },
    send: (method, path, body) => call(method, path, body),
    async start(path, body) {
      const { headers } = await exchange('POST', path, body);
      const location = headers.get('location');
      if (!location) throw new CliError(`The service accepted ${path} but named no operation to follow (no Location header).`);
      return location;
    },
    async download(path, into) {
      let res: Response;
      try {
        res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${login.accessToken}` } });
      } catch (error) {
        throw new CliError(`Cannot reach the PIM service at ${url} (${error instanceof Error ? error.message : String(error)}). Check --url or PIM_URL.`);
      }
      if (!res.ok || !res.body) {
        const parsed = safeJson(await res.text()) as { error?: { code?: string; message?: string } } | undefined;
        throw fromApiError(res.status, parsed?.error?.code, parsed?.error?.message);
      }
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), into);
    },
    arm: {
      get: (path) => call('GET', path, undefined, armToken()),
      async list<T>(path: string) {
        const out: T[] = [];
        let next: string | undefined = path;
        while (next) {
          const page: { value?: T[]; nextLink?: string } = await call('GET', next, undefined, armToken());
          out.push(...(page.value ?? []));
          next = page.nextLink ?? undefined;
        }
        return out;
      },
      put: (path, body) => call('PUT', path, body, armToken()),
      patch: (path, body) => call('PATCH', path, body, armToken()),
    },
  };
  function armToken(): string {
    if (!login?.armAccessToken) throw notSignedIn('Your sign-in has no token for Azure resource roles (ARM)');
    return login.armAccessToken;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 300) } };
  }
}
