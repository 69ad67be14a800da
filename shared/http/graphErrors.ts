import { DomainError, StepUpRequired } from '../domain/errors';

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    details?: Array<{ code: string; message: string; target?: string }>;
    innerError: { date: string; 'request-id': string; 'client-request-id'?: string };
  };
}

export interface ErrorAnswer {
  status: number;
  body: GraphErrorBody;
  headers?: Record<string, string>;
}

/** Thrown by the HTTP layer for protocol problems (auth, media type, size, OData). */
export class HttpError extends DomainError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly headers?: Record<string, string>,
  ) {
    super(code, message, status);
  }
}

/**
 * The one place any error becomes Graph's error body. Known errors keep their code and
 * message; anything else is a 500 that names only the request id (details go to the log).
 */
export function toGraphError(error: unknown, requestId: string, clientRequestId?: string): ErrorAnswer {
  const innerError = {
    date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
    'request-id': requestId,
    ...(clientRequestId ? { 'client-request-id': clientRequestId } : {}),
  };
  if (error instanceof DomainError) {
    return {
      status: error.status,
      headers: error instanceof HttpError ? error.headers : error instanceof StepUpRequired ? claimsChallenge(error) : undefined,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details?.length ? { details: [...error.details] } : {}),
          innerError,
        },
      },
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: 'UnknownError',
        message: `An unexpected error occurred. Quote request id ${requestId} when reporting it.`,
        innerError,
      },
    },
  };
}

/** Entra's claims challenge: the client asks for a new token carrying these claims. */
function claimsChallenge(error: StepUpRequired): Record<string, string> {
  const claims = Buffer.from(JSON.stringify(error.claims)).toString('base64');
  return {
    'WWW-Authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${claims}"`,
  };
}
