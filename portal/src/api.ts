import type { Session } from './session';
import { devhostToken, saveSession } from './session';

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

/** The claims an `insufficient_claims` challenge asks for (WWW-Authenticate's base64 `claims`). */
export function challengeClaims(header: string | null): { acrs: string[] } | undefined {
  if (!header || !/error="insufficient_claims"/.test(header)) return undefined;
  const m = /claims="([^"]*)"/.exec(header);
  const acrs: string[] = [];
  try {
    const claims = m?.[1] ? (JSON.parse(atob(m[1])) as { access_token?: { acrs?: { value?: string; values?: string[] } } }) : {};
    const asked = claims.access_token?.acrs;
    if (asked?.value) acrs.push(asked.value);
    if (asked?.values) acrs.push(...asked.values);
  } catch {
    // An unreadable claims value still means "sign in again with MFA".
  }
  return { acrs };
}

/** Calls the app's own Graph- and ARM-compatible API with the user's bearer token. */
export class Api {
  constructor(
    private session: Session,
    /** Tells the user what is happening when a step-up runs (e.g. in a status line). */
    private readonly notice: (message: string) => void,
  ) {}

  /** The Graph-compatible surface (directory roles, groups, approvals, policies). */
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.exchange<T>('graph', method, path, body);
  }

  /**
   * The ARM-compatible surface (Azure resource roles), which takes a token for ARM's audience:
   * under devhost the issuer gives one for the same user, asked for once and then kept.
   */
  arm<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.exchange<T>('arm', method, path, body);
  }

  /** The signed-in user's tenant (the token's `tid`): its id names the root management group. */
  tenantId(): string {
    try {
      const payload = this.session.token.split('.')[1] ?? '';
      return String((JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { tid?: string }).tid ?? '');
    } catch {
      return '';
    }
  }

  private armToken?: string;

  private async tokenFor(surface: 'graph' | 'arm'): Promise<string> {
    if (surface === 'graph') return this.session.token;
    this.armToken ??= await devhostToken(this.session.user.alias, [], 'arm');
    return this.armToken;
  }

  private async exchange<T>(surface: 'graph' | 'arm', method: string, path: string, body?: unknown): Promise<T> {
    const first = await this.send(await this.tokenFor(surface), method, path, body);
    const challenge = first.status === 401 ? challengeClaims(first.headers.get('www-authenticate')) : undefined;
    if (!challenge) return this.read<T>(first);
    // Why: the API wants a stronger sign-in (MFA or an authentication context); under devhost
    // the issuer gives a token with those claims, so the portal re-issues one and retries once.
    this.notice(`This action needs a stronger sign-in${challenge.acrs.length ? ` (authentication context ${challenge.acrs.join(', ')})` : ' (multifactor authentication)'}: signing you in again and retrying.`);
    if (surface === 'arm') {
      this.armToken = await devhostToken(this.session.user.alias, challenge.acrs, 'arm');
    } else {
      this.session = { ...this.session, token: await devhostToken(this.session.user.alias, challenge.acrs) };
      saveSession(this.session);
    }
    return this.read<T>(await this.send(await this.tokenFor(surface), method, path, body));
  }

  private send(token: string, method: string, path: string, body?: unknown): Promise<Response> {
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
