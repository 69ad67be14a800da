import type { RawResponse } from '../core/extension';

export type Json = Record<string, unknown>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): RawResponse {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/** ARM's error body: `{"error":{"code","message"}}` (role assignments add target, details and additionalInfo). */
export function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): RawResponse {
  return json(status, { error: { code, message } }, headers);
}

/** A page of a list, with ARM's absolute nextLink when more follow. */
export function page<T>(items: T[], url: URL, pageSize: number): RawResponse {
  const skip = Math.max(0, Number(url.searchParams.get('$skiptoken') ?? 0) || 0);
  const value = items.slice(skip, skip + pageSize);
  if (skip + pageSize >= items.length) return json(200, { value });
  const next = new URL(url.toString());
  next.searchParams.set('$skiptoken', String(skip + pageSize));
  return json(200, { value, nextLink: next.toString() });
}

export const missingApiVersion = () => armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');

export const invalidApiVersion = (version: string, supported: readonly string[]) =>
  armError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${supported.join(',')}'.`);

/** The api-version check ARM makes first: required, and one the API knows. Undefined when the request passes. */
export function checkApiVersion(url: URL, supported: readonly string[]): RawResponse | undefined {
  const version = url.searchParams.get('api-version');
  if (version === null || version === '') return missingApiVersion();
  return supported.includes(version) ? undefined : invalidApiVersion(version, supported);
}

/** The object id of the caller, read (not verified: the stand-in checks no token) from a bearer JWT; null without one. */
export function callerId(authorization: string | undefined): string | null {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { oid?: unknown };
    return typeof claims.oid === 'string' ? claims.oid : null;
  } catch {
    return null;
  }
}
