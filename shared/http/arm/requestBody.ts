import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { TargetBody } from '../../app/requestBody';
import { type AzureScope, canonicalAzureScope, roleDefinitionGuid } from '../../domain/azureScope';
import { CONDITION_VERSIONS, type GrantCondition, readCondition } from '../../domain/condition';
import { badRequest } from '../../domain/errors';
import { REQUEST_ACTIONS, type RequestAction, type ScheduleInfo, type ScheduleKind } from '../../domain/schedules';

/**
 * ARM's schedule request body (`{"properties": {principalId, roleDefinitionId, requestType,
 * scheduleInfo, ...}}`, the scope in the URL and the name in the PUT path) translated into the
 * middle's request body, which names its target the way the ARM surface's TargetBody reads it.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ARM's requestType, PascalCase, for each of the middle's actions. */
export const REQUEST_TYPES: Record<RequestAction, string> = Object.fromEntries(
  REQUEST_ACTIONS.map((a) => [a, `${a.charAt(0).toUpperCase()}${a.slice(1)}`]),
) as Record<RequestAction, string>;

const EXPIRATION_TYPES: Record<string, ScheduleInfo['expiration']['type']> = {
  afterduration: 'afterDuration',
  afterdatetime: 'afterDateTime',
  noexpiration: 'noExpiration',
};

/** ARM's expiration type for the middle's. */
export function armExpirationType(type: ScheduleInfo['expiration']['type']): 'AfterDuration' | 'AfterDateTime' | 'NoExpiration' {
  if (type === 'afterDuration') return 'AfterDuration';
  if (type === 'afterDateTime') return 'AfterDateTime';
  return 'NoExpiration';
}

/**
 * How the ARM surface names an Azure role target in the middle's body: the URL's scope and the
 * role's GUID; and the request's id, the `{name}` of the PUT.
 */
export const AZURE_ROLE_BODY: TargetBody<{ scope: string; roleDefinitionId: string; requestId: string; condition?: GrantCondition | null }> = {
  fields: z
    .object({
      scope: z.string({ message: 'scope is required' }).min(1, 'scope is required'),
      roleDefinitionId: z.string({ message: 'roleDefinitionId is required' }).min(1, 'roleDefinitionId is required'),
      requestId: z.string().regex(GUID, 'the request name must be a GUID'),
      // Checked by readCondition as ARM's body is read; absent: none given, null: cleared.
      condition: z
        .object({
          condition: z.string().min(1, 'condition.condition is required'),
          conditionVersion: z.enum(CONDITION_VERSIONS, { message: `condition.conditionVersion must be one of ${CONDITION_VERSIONS.join(', ')}` }),
        })
        .nullish(),
    })
    .loose(),
  actions: REQUEST_ACTIONS,
  toTarget: (b) => ({ kind: 'azureRole', scope: canonicalAzureScope(b.scope), roleDefinitionId: roleDefinitionGuid(b.roleDefinitionId) }),
  requestIdOf: (b) => b.requestId,
  conditionOf: (b) => b.condition,
};

const optionalText = z.string().nullish();
export const armBody = z
  .object({
    properties: z
      .object(
        {
          principalId: z.string({ message: 'properties.principalId is required' }).min(1, 'properties.principalId is required'),
          roleDefinitionId: z.string({ message: 'properties.roleDefinitionId is required' }).min(1, 'properties.roleDefinitionId is required'),
          requestType: z.string({ message: `properties.requestType is required: one of ${Object.values(REQUEST_TYPES).join(', ')}` }),
          scheduleInfo: z
            .object({
              startDateTime: optionalText,
              expiration: z.object({ type: optionalText, endDateTime: optionalText, duration: optionalText }).nullish(),
            })
            .nullish(),
          justification: optionalText,
          ticketInfo: z.object({ ticketNumber: optionalText, ticketSystem: optionalText }).nullish(),
          linkedRoleEligibilityScheduleId: optionalText,
          targetRoleAssignmentScheduleId: optionalText,
          targetRoleEligibilityScheduleId: optionalText,
          condition: optionalText,
          conditionVersion: optionalText,
        },
        { message: 'The body must be {"properties": {"principalId", "roleDefinitionId", "requestType", ...}}' },
      )
      .loose(),
  })
  .loose();

/** What a PUT of a schedule request asks for, in the middle's terms, plus what only ARM names. */
export interface ArmScheduleRequest {
  /** The middle's request body (for submitScheduleRequest with AZURE_ROLE_BODY). */
  body: Record<string, unknown>;
  action: RequestAction;
  principalId: string;
  roleDefinitionGuid: string;
  /** The eligibility an activation names (its GUID), when it names one. */
  linkedRoleEligibilityScheduleId: string | null;
  /** The schedule an update, extension or removal names (its GUID), when it names one. */
  targetScheduleId: string | null;
}

/** The last segment of an id that may be given in full (…/roleEligibilitySchedules/{guid}) or bare. */
export function lastSegment(id: string): string {
  return id.trim().split('/').filter(Boolean).pop() ?? '';
}

/**
 * Reads ARM's body for a PUT at `scope` named `name`. Every problem is a 400 that says what to
 * send; read-only properties a client sends back (status, scope, createdOn, ...) are ignored, as ARM does.
 */
export function readArmScheduleRequest(raw: unknown, kind: ScheduleKind, scope: AzureScope, name: string): ArmScheduleRequest {
  if (!GUID.test(name)) {
    throw badRequest(`The request name '${name}' is not valid: name each request with a new GUID, e.g. ${randomUUID()}.`, 'InvalidResourceName');
  }
  if (raw === undefined) throw badRequest('The request needs a JSON body: {"properties": {"principalId", "roleDefinitionId", "requestType", "scheduleInfo", ...}}.', 'InvalidRequestContent');
  const parsed = armBody.safeParse(raw);
  if (!parsed.success) {
    throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), 'InvalidRequestContent');
  }
  const p = parsed.data.properties;
  const action = REQUEST_ACTIONS.find((a) => REQUEST_TYPES[a].toLowerCase() === p.requestType.toLowerCase());
  if (!action) throw badRequest(`properties.requestType '${p.requestType}' is not valid: use one of ${Object.values(REQUEST_TYPES).join(', ')}.`, 'InvalidRequestContent');
  // Why: a condition narrows what the role allows; it is carried to the grant, never dropped (that would grant more than asked).
  const condition = readCondition(p.condition, p.conditionVersion);
  const roleGuid = roleDefinitionGuid(p.roleDefinitionId);
  checkRoleDefinitionScope(p.roleDefinitionId, scope);
  const expiration = p.scheduleInfo?.expiration;
  let expirationType: ScheduleInfo['expiration']['type'] | undefined;
  if (expiration?.type) {
    expirationType = EXPIRATION_TYPES[expiration.type.toLowerCase()];
    if (!expirationType) throw badRequest(`properties.scheduleInfo.expiration.type '${expiration.type}' is not valid: use AfterDuration, AfterDateTime or NoExpiration.`, 'InvalidRequestContent');
  }
  const targetId = kind === 'eligibility' ? p.targetRoleEligibilityScheduleId : p.targetRoleAssignmentScheduleId;
  const linked = kind === 'assignment' && p.linkedRoleEligibilityScheduleId ? lastSegment(p.linkedRoleEligibilityScheduleId) : null;
  return {
    action,
    principalId: p.principalId,
    roleDefinitionGuid: roleGuid,
    linkedRoleEligibilityScheduleId: linked,
    targetScheduleId: targetId ? lastSegment(targetId) : null,
    body: {
      requestId: name.toLowerCase(),
      action,
      principalId: p.principalId,
      scope: scope.path,
      roleDefinitionId: roleGuid,
      justification: p.justification ?? null,
      ticketInfo: { ticketNumber: p.ticketInfo?.ticketNumber ?? null, ticketSystem: p.ticketInfo?.ticketSystem ?? null },
      scheduleInfo: p.scheduleInfo
        ? {
            startDateTime: p.scheduleInfo.startDateTime ?? null,
            expiration: { type: expirationType ?? null, endDateTime: expiration?.endDateTime ?? null, duration: expiration?.duration ?? null },
          }
        : null,
      ...(condition !== undefined ? { condition } : {}),
    },
  };
}

/**
 * A role definition id given in full names the subscription it is read in; ARM refuses one of
 * another subscription than the request's scope (a bare GUID or a tenant-level id is fine).
 */
function checkRoleDefinitionScope(id: string, scope: AzureScope): void {
  const m = /^\/?subscriptions\/([^/]+)\/providers\/Microsoft\.Authorization\/roleDefinitions\//i.exec(id.trim());
  if (!m?.[1] || m[1].toLowerCase() === scope.subscriptionId) return;
  throw badRequest(
    `The role definition id '${id}' is read in subscription '${m[1]}', but the request is at scope '${scope.path}'. Use the role definition id of the request's subscription (or the role's GUID).`,
    'InvalidRoleDefinitionId',
  );
}
