/**
 * The app's ARM-compatible surface (Azure resource roles) for the admin pages: the signed-in
 * user's Api, with the token for Azure Resource Manager's audience the sign-in gives (ARM's
 * API refuses the app's own audience, as Azure does), plus ARM's paging.
 */
import type { Api } from '../api';

export const ARM_API_VERSION = 'api-version=2020-10-01';

export class ArmApi {
  constructor(private readonly api: Api) {}

  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.api.arm<T>(method, path, body);
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
