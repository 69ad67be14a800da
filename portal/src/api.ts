import { askedContexts, type Auth } from './auth';
import { devhostAuth } from './devhostAuth';
import type { Session } from './session';

/** An error answered by the API, in Graph's error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What an `insufficient_claims` challenge asks for: `claims`, the JSON in WWW-Authenticate's
 * base64 `claims` (what a sign-in request's `claims` parameter takes), and its authentication contexts.
 */
export function challengeClaims(header: string | null): { acrs: string[]; claims: string } | undefined {
  if (!header || !/error="insufficient_claims"/.test(header)) return undefined;
  const m = /claims="([^"]*)"/.exec(header);
  let claims = '';
  try {
    claims = m?.[1] ? atob(m[1]) : '';
  } catch {
    // An unreadable claims value still means "sign in again with MFA".
  }
  return { acrs: askedContexts(claims), claims };
}

/** Calls the app's own Graph- and ARM-compatible API with the user's bearer token. */
export class Api {
  private readonly auth: Auth;

  constructor(
    /** Who is signed in (a devhost Session is still taken as is). */
    auth: Auth | Session,
    /** Tells the user what is happening when a step-up runs (e.g. in a status line). */
    private readonly notice: (message: string) => void,
  ) {
    this.auth = 'stepUp' in auth ? auth : devhostAuth(auth);
  }

  /** The Graph-compatible surface (directory roles, groups, approvals, policies). */
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.exchange<T>('graph', method, path, body);
  }

  /**
   * A long-running action's start (Graph answers 202 with `Location`): the operation to poll,
   * as a path on this origin (the header names the API's public base URL).
   */
  async accepted(method: string, path: string, body?: unknown): Promise<string> {
    const header = await this.exchange('graph', method, path, body, (res) => this.read(res).then(() => res.headers.get('location')));
    if (!header) throw new Error(`The API accepted ${method} ${path} without saying where to follow it (no Location header).`);
    const url = new URL(header, location.origin);
    return `${url.pathname}${url.search}`;
  }

  /**
   * Every item of a Graph collection, following @odata.nextLink. Why a path: the link names the
   * API's public base URL, and the portal calls its own origin.
   */
  async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; '@odata.nextLink'?: string } = await this.call('GET', next);
      items.push(...(page.value ?? []));
      const link = page['@odata.nextLink'];
      next = link ? `${new URL(link, location.origin).pathname}${new URL(link, location.origin).search}` : undefined;
    }
    return items;
  }

  /** The ARM-compatible surface (Azure resource roles), which takes a token for ARM's audience. */
  arm<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.exchange<T>('arm', method, path, body);
  }

  /** The signed-in user's tenant (the token's `tid`): its id names the root management group. */
  async tenantId(): Promise<string> {
    try {
      const payload = (await this.auth.token()).split('.')[1] ?? '';
      return String((JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { tid?: string }).tid ?? '');
    } catch {
      return '';
    }
  }

  private tokenFor(surface: 'graph' | 'arm', claims?: string): Promise<string> {
    return surface === 'graph' ? this.auth.token() : this.auth.armToken(claims);
  }

  private async exchange<T>(surface: 'graph' | 'arm', method: string, path: string, body?: unknown, answer: (res: Response) => Promise<T> = (res) => this.read<T>(res)): Promise<T> {
    const first = await this.send(await this.tokenFor(surface), method, path, body);
    const challenge = first.status === 401 ? challengeClaims(first.headers.get('www-authenticate')) : undefined;
    if (!challenge) return answer(first);
    // Why: the API wants a stronger sign-in (MFA or an authentication context): sign in again
    // asking for exactly the claims it named, then retry once (a second refusal is reported).
    this.notice(`This action needs a stronger sign-in${challenge.acrs.length ? ` (authentication context ${challenge.acrs.join(', ')})` : ' (multifactor authentication)'}: signing you in again and retrying.`);
    if (surface === 'graph') await this.auth.stepUp(challenge.claims);
    return answer(await this.send(await this.tokenFor(surface, surface === 'arm' ? challenge.claims : undefined), method, path, body));
  }

  private async send(token: string, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async read<T>(res: Response): Promise<T> {
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : {};
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } }).error;
      if (res.status === 401 && challengeClaims(res.headers.get('www-authenticate'))) {
        throw new ApiError(401, 'insufficient_claims', 'The API still asks for a stronger sign-in (insufficient_claims) after signing in again. Sign out and in again.');
      }
      throw new ApiError(res.status, error?.code ?? 'UnknownError', error?.message ?? `The API answered ${res.status}.`);
    }
    return json as T;
  }
}
