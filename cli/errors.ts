/**
 * An error the CLI reports as one line with what to do next, and the exit code it ends with:
 * 1 for a refusal or failure, 2 for a usage mistake, 3 when access did not become active.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code?: string,
  ) {
    super(message);
  }
}

export const notSignedIn = (detail = 'You are not signed in') =>
  new CliError(`${detail}: run 'pim login' (or 'pim login --dev <user>' against a local devhost).`, 1, 'NotSignedIn');

/** The API's error as the user should read it: its message, then what to do about it. */
export function fromApiError(status: number, code: string | undefined, message: string | undefined): CliError {
  const text = message ?? `The service answered ${status}.`;
  switch (code) {
    case 'InvalidAuthenticationToken':
      if (/insufficient_claims|stronger|MFA|multi-factor|authentication context/i.test(text)) {
        return new CliError(`${text} Sign in again with multi-factor authentication: run 'pim login'.`, 1, code);
      }
      return notSignedIn(`Your sign-in was not accepted (${text})`);
    case 'RoleAssignmentRequestNotEligible':
    case 'RoleAssignmentDoesNotExist':
      return new CliError(`${text} Run 'pim roles' to see what you can activate, or ask an administrator for an eligible assignment.`, 1, code);
    case 'RoleAssignmentRequestPolicyValidationFailed':
      return new CliError(`The role's settings refuse this request: ${text}`, 1, code);
    case 'Authorization_RequestDenied':
    case 'AuthorizationFailed':
      return new CliError(`${text} This needs the PIM.Admin app role (or being an approver of the request).`, 1, code);
    case 'SelfApprovalNotAllowed':
      return new CliError(`${text} Someone else among the approvers must decide.`, 1, code);
    default:
      if (status === 401) return notSignedIn(`Your sign-in was not accepted (${text})`);
      return new CliError(code ? `${text} (${code})` : text, 1, code);
  }
}
