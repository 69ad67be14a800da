/**
 * The app's ARM-compatible surface (Azure resource roles), called with a token for Azure
 * Resource Manager's audience: ARM's API refuses the app's own audience, as Azure does. Under
 * devhost the issuer signs one for the signed-in demo user; elsewhere the portal has no way to
 * get one yet, and says so.
 */
import { ApiError } from '../api';
import { loadSession } from '../session';

export const ARM_API_VERSION = 'api-version=2020-10-01';

async function armToken(): Promise<string> {
  const alias = loadSession()?.user.alias;
  if (!alias) throw new Error('Sign in again to manage Azure resource roles.');
  const res = await fetch('/.devhost/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Why mfa: true: the same sign-in as the portal's own token, which is issued with MFA.
    body: JSON.stringify({ user: alias, mfa: true, audience: 'arm' }),
  });
  if (!res.ok) throw new Error('Azure resource roles need a sign-in for Azure Resource Manager, which this portal can get only under devhost for now; use the pim CLI.');
  return ((await res.json()) as { access_token: string }).access_token;
}

export class ArmApi {
  private token?: Promise<string>;

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    this.token ??= armToken();
    const token = await this.token.catch((e: unknown) => {
      this.token = undefined;
      throw e;
    });
    const res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : {};
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } }).error;
      if (res.status === 401) this.token = undefined;
      throw new ApiError(res.status, error?.code ?? 'UnknownError', error?.message ?? `The API answered ${res.status}.`);
    }
    return json as T;
  }

  /** Every item of a collection, following ARM's nextLink. */
  async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value: T[]; nextLink?: string } = await this.call('GET', next);
      items.push(...page.value);
      next = page.nextLink ? page.nextLink.replace(/^https?:\/\/[^/]+/, '') : undefined;
    }
    return items;
  }
}
