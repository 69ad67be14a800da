import { DomainError } from '../../domain/errors';
import { toGraphError } from '../graphErrors';

/** ARM's error body (CloudError): a code and a message, without Graph's innerError. */
export interface ArmErrorBody {
  error: {
    code: string;
    message: string;
    details?: Array<{ code: string; message: string; target?: string }>;
  };
}

export interface ArmErrorAnswer {
  status: number;
  body: ArmErrorBody;
  headers?: Record<string, string>;
}

/**
 * Graph's generic codes that ARM spells its own way; every other code (the middle's stable
 * ones: RoleAssignmentRequestPolicyValidationFailed, RoleAssignmentExists, ...) is kept.
 */
const ARM_CODES: Record<string, string> = {
  Authorization_RequestDenied: 'AuthorizationFailed',
  UnknownError: 'InternalServerError',
};

/**
 * The one place any error becomes ARM's error body on the ARM surface. It starts from the
 * Graph answer (so status codes, challenge headers and the hiding of unexpected errors are
 * decided once for both surfaces) and reshapes the body.
 */
export function toArmError(error: unknown, requestId: string): ArmErrorAnswer {
  const graph = toGraphError(error, requestId);
  const code = ARM_CODES[graph.body.error.code] ?? graph.body.error.code;
  const message =
    graph.status >= 500 && !(error instanceof DomainError)
      ? `An unexpected error occurred. Quote request id ${requestId} (x-ms-request-id) when reporting it.`
      : graph.body.error.message;
  const details = graph.body.error.details;
  return {
    status: graph.status,
    headers: graph.headers,
    body: { error: { code, message, ...(details?.length ? { details } : {}) } },
  };
}

/** The api-versions each part of the surface answers (ARM refuses any other, per resource type). */
export const PIM_API_VERSION = '2020-10-01';
export const APPROVALS_API_VERSION = '2021-01-01-preview';

/** The request's api-version, present or not (ARM reads the parameter name case-insensitively). */
export function apiVersionOf(url: URL): string | undefined {
  for (const [key, value] of url.searchParams) if (key.toLowerCase() === 'api-version') return value;
  return undefined;
}

/** ARM refuses a request without an api-version before anything else. */
export function requireApiVersionPresent(url: URL): string {
  const version = apiVersionOf(url);
  if (!version) throw new DomainError('MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.', 400);
  return version;
}

/** ...and one its resource type does not have. */
export function requireApiVersion(version: string, supported: readonly string[]): void {
  if (supported.includes(version)) return;
  throw new DomainError(
    'InvalidApiVersionParameter',
    `The api-version '${version}' is invalid. The supported versions are '${supported.join(',')}'.`,
    400,
  );
}
