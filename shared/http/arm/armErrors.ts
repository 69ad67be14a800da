import type { HttpResponseInit } from '@azure/functions';
import { DomainError } from '../../domain/errors';
import { HttpError } from '../graphErrors';

/** ARM's error body (CloudError): `{"error":{"code","message"}}`. */
export interface ArmErrorBody {
  error: { code: string; message: string };
}

/** Where ARM names a refusal differently from Graph, ARM's code. */
const ARM_CODES: Record<string, string> = {
  Authorization_RequestDenied: 'AuthorizationFailed',
};

/**
 * Any error as ARM answers it. Known errors keep their status and message (and code, in ARM's
 * words where it differs); anything else is a 500 that names only the request id.
 */
export function armErrorResponse(error: unknown, requestId: string): HttpResponseInit {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'x-ms-request-id': requestId };
  if (error instanceof DomainError) {
    const body: ArmErrorBody = { error: { code: ARM_CODES[error.code] ?? error.code, message: error.message } };
    return { status: error.status, jsonBody: body, headers: { ...headers, ...(error instanceof HttpError ? error.headers : undefined) } };
  }
  const body: ArmErrorBody = { error: { code: 'InternalServerError', message: `An unexpected error occurred. Quote request id ${requestId} when reporting it.` } };
  return { status: 500, jsonBody: body, headers };
}

/** The API versions ARM's PIM policy operations are served at here. */
export const ARM_PIM_API_VERSIONS = ['2020-10-01'] as const;

/** ARM requires `api-version` on every request and refuses versions it does not serve, with these codes. */
export function requireApiVersion(url: URL, supported: readonly string[] = ARM_PIM_API_VERSIONS): void {
  const version = url.searchParams.get('api-version');
  if (!version) throw new HttpError('MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.', 400);
  if (!supported.includes(version)) {
    throw new HttpError('InvalidApiVersionParameter', `The api-version '${version.slice(0, 40)}' is invalid. The supported versions are '${supported.join("','")}'.`, 400);
  }
}
