import { DomainError } from '../../domain/errors';
import { pageOf } from '../odata/collection';

/** ARM's list body: `value`, and `nextLink` (absolute, with a $skipToken) when there is more. */
export interface ArmList<T> {
  value: T[];
  nextLink?: string;
}

const DEFAULT_PAGE = 100;
const MAX_TOP = 1000;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function param(url: URL, name: string): string | undefined {
  for (const [key, value] of url.searchParams) if (key.toLowerCase() === name) return value;
  return undefined;
}

/**
 * One page of a list, cut by key (what comes after the last key seen, so a page boundary stays
 * put while items come and go), `$top` at a time, with ARM's nextLink to the next page.
 */
export function armPage<T extends { id: string }>(url: URL, items: T[]): ArmList<T> {
  const topText = param(url, '$top');
  let top = DEFAULT_PAGE;
  if (topText !== undefined) {
    top = Number(topText);
    if (!/^\d+$/.test(topText) || top < 1 || top > MAX_TOP) {
      throw new DomainError('InvalidQueryParameterValue', `The value '${topText}' of $top is not valid: use a whole number from 1 to ${MAX_TOP}.`, 400);
    }
  }
  const page = pageOf(items, { top, skipToken: param(url, '$skiptoken'), expand: [], count: false }, (item) => item.id.toLowerCase());
  if (!page.nextSkipToken) return { value: page.value };
  // The query as the client wrote it (ARM's nextLinks read `$skipToken=`, not `%24skipToken=`), with the token replaced.
  const kept = url.search
    .replace(/^\?/, '')
    .split('&')
    .filter((part) => part !== '' && safeDecode(part.split('=')[0] ?? '').toLowerCase() !== '$skiptoken');
  const next = `${url.origin}${url.pathname}?${[...kept, `$skipToken=${page.nextSkipToken}`].join('&')}`;
  return { value: page.value, nextLink: next };
}
