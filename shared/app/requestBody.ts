import { z } from 'zod';
import { badRequest } from '../domain/errors';
import { directoryRole, type Target } from '../domain/target';
import { REQUEST_ACTIONS, type RequestAction, type ScheduleInfo, type TicketInfo } from '../domain/schedules';

const MAX_JUSTIFICATION = 500;

const schema = z
  .object({
    action: z.enum(REQUEST_ACTIONS, { message: `action must be one of ${REQUEST_ACTIONS.join(', ')}` }),
    principalId: z.string({ message: 'principalId is required' }).min(1, 'principalId is required'),
    roleDefinitionId: z.string({ message: 'roleDefinitionId is required' }).min(1, 'roleDefinitionId is required'),
    directoryScopeId: z.string().nullish(),
    appScopeId: z.string().nullish(),
    justification: z.string().max(MAX_JUSTIFICATION, `justification may be at most ${MAX_JUSTIFICATION} characters`).nullish(),
    ticketInfo: z.object({ ticketNumber: z.string().nullish(), ticketSystem: z.string().nullish() }).nullish(),
    scheduleInfo: z
      .object({
        startDateTime: z.string().nullish(),
        expiration: z
          .object({
            type: z.enum(['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration'], {
              message: 'scheduleInfo.expiration.type must be noExpiration, afterDateTime or afterDuration',
            }).nullish(),
            endDateTime: z.string().nullish(),
            duration: z.string().nullish(),
          })
          .nullish(),
      })
      .nullish(),
    isValidationOnly: z.boolean().nullish(),
  })
  .loose();

/** A schedule request as the middle sees it, whatever the API surface it came through: who, what (a target) and how. */
export interface RequestBody {
  action: RequestAction;
  principalId: string;
  target: Target;
  justification: string | null;
  ticketInfo: TicketInfo;
  scheduleInfo: ScheduleInfo;
  isValidationOnly: boolean;
}

/** The body of a directory-role schedule request as Graph defines it; every problem is named in one 400. */
export function parseRequestBody(raw: unknown): RequestBody {
  if (raw === undefined) throw badRequest('The request needs a JSON body.');
  const result = schema.safeParse(normalizeEnums(raw));
  if (!result.success) {
    throw badRequest(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  const b = result.data;
  if (b.appScopeId && b.appScopeId !== '/') throw badRequest('appScopeId is not supported; use directoryScopeId.');
  const expiration = b.scheduleInfo?.expiration;
  return {
    action: b.action,
    principalId: b.principalId,
    target: directoryRole(b.roleDefinitionId, b.directoryScopeId ?? '/'),
    justification: b.justification?.trim() ? b.justification : null,
    ticketInfo: { ticketNumber: b.ticketInfo?.ticketNumber ?? null, ticketSystem: b.ticketInfo?.ticketSystem ?? null },
    scheduleInfo: {
      startDateTime: b.scheduleInfo?.startDateTime ?? null,
      expiration: {
        type: expiration?.type ?? (expiration?.endDateTime ? 'afterDateTime' : expiration?.duration ? 'afterDuration' : 'notSpecified'),
        endDateTime: expiration?.endDateTime ?? null,
        duration: expiration?.duration ?? null,
      },
    },
    isValidationOnly: b.isValidationOnly === true,
  };
}

/** Graph reads enum values case-insensitively ("AfterDateTime" in its own examples); so do we. */
function normalizeEnums(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const body = { ...(raw as Record<string, unknown>) };
  const canonical = (value: unknown, allowed: readonly string[]) =>
    typeof value === 'string' ? (allowed.find((a) => a.toLowerCase() === value.toLowerCase()) ?? value) : value;
  body.action = canonical(body.action, REQUEST_ACTIONS);
  const info = body.scheduleInfo as Record<string, unknown> | undefined;
  const expiration = info?.expiration as Record<string, unknown> | undefined;
  if (info && expiration) {
    body.scheduleInfo = {
      ...info,
      expiration: { ...expiration, type: canonical(expiration.type, ['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration']) },
    };
  }
  return body;
}
