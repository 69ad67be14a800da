/**
 * Errors with a stable `code` (what clients match on) and the HTTP status they answer with.
 * Codes follow Microsoft Graph's where Graph has one, so Graph scripts handle them unchanged.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: ReadonlyArray<{ code: string; message: string; target?: string }>,
  ) {
    super(message);
    this.name = code;
  }
}

export const badRequest = (message: string, code = 'BadRequest') => new DomainError(code, message, 400);

export const notFound = (what: string, id: string) =>
  new DomainError('ResourceNotFound', `The ${what} '${id}' was not found.`, 404);

export const forbidden = (message = 'Insufficient privileges to complete the operation.') =>
  new DomainError('Authorization_RequestDenied', message, 403);

export const conflict = (message: string, code = 'Conflict') => new DomainError(code, message, 409);

export const policyValidationFailed = (failures: string[]) =>
  new DomainError(
    'RoleAssignmentRequestPolicyValidationFailed',
    `The following policy rules failed: ${failures.join(', ')}.`,
    400,
  );

/**
 * The caller must sign in again with stronger authentication (MFA, or an authentication
 * context such as c1). Answered as 401 with Entra's claims challenge so clients can step up.
 */
export class StepUpRequired extends DomainError {
  constructor(
    message: string,
    /** The claims request, e.g. {"access_token":{"amr":{"values":["mfa"]}}}. */
    readonly claims: Record<string, unknown>,
  ) {
    super('InvalidAuthenticationToken', message, 401);
  }
}

export const mfaRequired = (what: string) =>
  new StepUpRequired(`${what} requires multifactor authentication: sign in again with MFA and retry.`, {
    access_token: { amr: { values: ['mfa'] } },
  });

/** Refused: PIM never takes access from an emergency access (break-glass) account. */
export const breakGlassProtected = (principalId: string) =>
  new DomainError(
    'BreakGlassAccountProtected',
    `Principal '${principalId}' is an emergency access (break-glass) account; PIM never removes, expires or revokes its access. Take it off the break-glass list first if this is intended.`,
    400,
  );
