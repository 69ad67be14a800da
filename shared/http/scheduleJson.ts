import type { Schedule, ScheduleRequest } from '../domain/schedules';
import type { ScheduleSurface } from './surfaces/surface';

/**
 * Graph's schedule request, schedule and instance, for one surface: the shared fields, with
 * the target named as the surface names it (roleDefinitionId and directoryScopeId, or groupId
 * and accessId), each with its `@odata.type` as Graph's SDKs read it to pick the type.
 */
export function requestJson(surface: ScheduleSurface, r: ScheduleRequest): Record<string, unknown> {
  return {
    '@odata.type': surface.odataType('request', r.kind),
    id: r.id,
    status: r.status,
    createdDateTime: r.createdDateTime,
    completedDateTime: r.completedDateTime,
    approvalId: r.approvalId,
    customData: null,
    action: r.action,
    principalId: r.principalId,
    ...surface.targetJson(r.target),
    isValidationOnly: r.isValidationOnly,
    targetScheduleId: r.targetScheduleId,
    justification: r.justification,
    createdBy: { application: null, device: null, user: r.createdBy.user },
    scheduleInfo: { ...r.scheduleInfo, recurrence: null },
    ticketInfo: r.ticketInfo,
  };
}

function scheduleInfoOf(s: Schedule) {
  return {
    startDateTime: s.startDateTime,
    recurrence: null,
    expiration: s.endDateTime
      ? { type: 'afterDateTime', endDateTime: s.endDateTime, duration: null }
      : { type: 'noExpiration', endDateTime: null, duration: null },
  };
}

export function scheduleJson(surface: ScheduleSurface, s: Schedule): Record<string, unknown> {
  const json: Record<string, unknown> = {
    '@odata.type': surface.odataType('schedule', s.kind),
    id: s.id,
    principalId: s.principalId,
    ...surface.targetJson(s.target),
    createdUsing: s.createdUsing,
    createdDateTime: s.createdDateTime,
    modifiedDateTime: s.modifiedDateTime,
    status: s.status,
    memberType: s.memberType,
    scheduleInfo: scheduleInfoOf(s),
  };
  if (s.kind === 'assignment') json.assignmentType = s.assignmentType;
  return json;
}

export function instanceJson(surface: ScheduleSurface, s: Schedule): Record<string, unknown> {
  const base: Record<string, unknown> = {
    '@odata.type': surface.odataType('instance', s.kind),
    id: s.id,
    principalId: s.principalId,
    ...surface.targetJson(s.target),
    startDateTime: s.startDateTime,
    endDateTime: s.endDateTime,
    memberType: s.memberType,
    [surface.sets(s.kind).scheduleIdField]: s.id,
  };
  if (s.kind === 'assignment') {
    base.assignmentType = s.assignmentType;
    // Directory roles name the role assignment that carries the instance; groups have none.
    if (surface.targetKind === 'directoryRole') base.roleAssignmentOriginId = s.roleAssignmentOriginId;
  }
  return base;
}
