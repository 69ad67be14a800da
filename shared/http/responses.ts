import type { HttpResponseInit } from '@azure/functions';
import type { Page } from './odata/collection';
import { project } from './odata/collection';
import type { ODataQuery } from './odata/query';

/** `https://host/v1.0/$metadata#entitySet` for the request's API version. */
export function contextUrl(url: URL, entitySet: string): string {
  const version = url.pathname.split('/').find((s) => s === 'v1.0' || s === 'beta') ?? 'v1.0';
  return `${url.origin}/${version}/$metadata#${entitySet}`;
}

export function entityResponse(url: URL, entitySet: string, entity: object, status = 200): HttpResponseInit {
  return { status, jsonBody: { '@odata.context': `${contextUrl(url, entitySet)}/$entity`, ...entity } };
}

/** A Graph collection: @odata.context, optional @odata.count, value, and @odata.nextLink when there is more. */
export function collectionResponse<T extends object>(
  url: URL,
  entitySet: string,
  page: Page<T>,
  query: ODataQuery,
): HttpResponseInit {
  const body: Record<string, unknown> = { '@odata.context': contextUrl(url, entitySet) };
  if (page.count !== undefined) body['@odata.count'] = page.count;
  body.value = page.value.map((item) => project(item, query.select));
  if (page.nextSkipToken) {
    const next = new URL(url);
    next.searchParams.set('$skiptoken', page.nextSkipToken);
    body['@odata.nextLink'] = next.toString();
  }
  return { status: 200, jsonBody: body };
}
