import { z } from 'zod';
import type { GrantCondition } from '../domain/condition';
import { badRequest } from '../domain/errors';
import { directoryRole, type Target } from '../domain/target';
import { REQUEST_ACTIONS, type RequestAction, type ScheduleInfo, type TicketInfo } from '../domain/schedules';

const MAX_JUSTIFICATION = 500;

/**
 * Marks an enum the handler reads case-insensitively (Graph's own examples write
 * "AfterDuration"), so the OpenAPI document accepts what the API accepts.
 */
export const CASE_INSENSITIVE = { caseInsensitive: true } as const;

/** The fields every schedule request has, whatever it targets. */
const common = z
  .object({
    principalId: z.string({ message: 'principalId is required' }).min(1, 'principalId is required'),
    justification: z.string().max(MAX_JUSTIFICATION, `justification may be at most ${MAX_JUSTIFICATION} characters`).nullish(),
    ticketInfo: z.object({ ticketNumber: z.string().nullish(), ticketSystem: z.string().nullish() }).nullish(),
    scheduleInfo: z
      .object({
        startDateTime: z.string().nullish(),
        expiration: z
          .object({
            type: z
              .enum(['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration'], {
                message: 'scheduleInfo.expiration.type must be noExpiration, afterDateTime or afterDuration',
              })
              .meta(CASE_INSENSITIVE)
              .nullish(),
            endDateTime: z.string().nullish(),
            duration: z.string().nullish(),
          })
          .nullish(),
      })
      .nullish(),
    isValidationOnly: z.boolean().nullish(),
  })
  .loose();

/**
 * How one API surface names its target in a request body (a directory role's roleDefinitionId
 * and directoryScopeId; a group's groupId and accessId) and which actions it offers.
 */
export interface TargetBody<F> {
  fields: z.ZodType<F>;
  actions: readonly RequestAction[];
  toTarget(fields: F): Target;
  /**
   * The id the client chose for its request, on a surface whose clients name their requests
   * (ARM's PUT of `{name}`). Graph's surfaces leave this out: a Graph body cannot pick an id.
   */
  requestIdOf?(fields: F): string;
  /**
   * The ABAC condition the body gives the grant, on a surface whose targets can carry one
   * (ARM's Azure roles): undefined when it gives none, null when it clears one. Graph's surfaces
   * leave this out, and their bodies read exactly as before.
   */
  conditionOf?(fields: F): GrantCondition | null | undefined;
}

const required = (name: string) => z.string({ message: `${name} is required` }).min(1, `${name} is required`);

/** The directory-role surface (roleManagement/directory): every action, a role at a directory scope. */
export const DIRECTORY_ROLE_BODY: TargetBody<{ roleDefinitionId: string; directoryScopeId?: string | null }> = {
  fields: z
    .object({
      roleDefinitionId: required('roleDefinitionId'),
      directoryScopeId: z.string().nullish(),
      appScopeId: z
        .string()
        .nullish()
        .refine((v) => !v || v === '/', 'appScopeId is not supported; use directoryScopeId.'),
    })
    .loose(),
  actions: REQUEST_ACTIONS,
  toTarget: (b) => directoryRole(b.roleDefinitionId, b.directoryScopeId ?? '/'),
};

/** A schedule request as the middle sees it, whatever the API surface it came through: who, what (a target) and how. */
export interface RequestBody {
  action: RequestAction;
  principalId: string;
  target: Target;
  justification: string | null;
  ticketInfo: TicketInfo;
  scheduleInfo: ScheduleInfo;
  isValidationOnly: boolean;
  /** The id the client chose for its request (ARM's `{name}`); Graph clients leave it to the service. */
  requestId?: string;
  /**
   * The ABAC condition asked for the grant: absent when the body gives none (an update keeps
   * the schedule's), null when it clears one, else the condition. Only Azure roles take one.
   */
  condition?: GrantCondition | null;
}

/**
 * The three schemas a surface's schedule request body must satisfy at once (its action, the
 * common fields, the surface's target fields); parseRequestBody validates with them and the
 * OpenAPI document is generated from them.
 */
export function requestBodySchemas<F>(surface: TargetBody<F>) {
  const action = z
    .object({
      action: z.enum(surface.actions as [RequestAction, ...RequestAction[]], { message: `action must be one of ${surface.actions.join(', ')}` }).meta(CASE_INSENSITIVE),
    })
    .loose();
  return { action, common, fields: surface.fields };
}

/** The same three as one schema (the OpenAPI document's request body). */
export function requestBodySchema<F>(surface: TargetBody<F>): z.ZodType {
  const { action, common, fields } = requestBodySchemas(surface);
  return action.and(common).and(fields);
}

/**
 * The body of a schedule request as Graph defines it for one surface (directory roles by
 * default); every problem is named in one 400.
 */
export function parseRequestBody<F>(raw: unknown, surface: TargetBody<F>): RequestBody {
  if (raw === undefined) throw badRequest('The request needs a JSON body.');
  const normalized = normalizeEnums(raw, surface.actions);
  const schemas = requestBodySchemas(surface);
  const results = [schemas.action.safeParse(normalized), schemas.common.safeParse(normalized), schemas.fields.safeParse(normalized)] as const;
  const issues = results.flatMap((r) => (r.success ? [] : r.error.issues));
  if (issues.length > 0 || !results[0].success || !results[1].success || !results[2].success) {
    throw badRequest(issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  const b = results[1].data;
  const fields = results[2].data;
  const condition = surface.conditionOf?.(fields);
  const expiration = b.scheduleInfo?.expiration;
  return {
    action: results[0].data.action,
    principalId: b.principalId,
    target: surface.toTarget(fields),
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
    ...(surface.requestIdOf ? { requestId: surface.requestIdOf(fields) } : {}),
    ...(condition !== undefined ? { condition } : {}),
  };
}

/** Graph reads enum values case-insensitively ("AfterDateTime" in its own examples); so do we. */
function normalizeEnums(raw: unknown, actions: readonly RequestAction[]): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const body = { ...(raw as Record<string, unknown>) };
  const canonical = (value: unknown, allowed: readonly string[]) =>
    typeof value === 'string' ? (allowed.find((a) => a.toLowerCase() === value.toLowerCase()) ?? value) : value;
  body.action = canonical(body.action, actions);
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
