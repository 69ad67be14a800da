import type { Schedule, ScheduleRequest } from '../domain/schedules';
import { asDirectoryRole, type Target } from '../domain/target';

/** The directory-role surface's view of a target: Graph's roleDefinitionId and directoryScopeId. */
function roleFields(target: Target): { roleDefinitionId: string; directoryScopeId: string } {
  const role = asDirectoryRole(target);
  return { roleDefinitionId: role.roleDefinitionId, directoryScopeId: role.directoryScopeId };
}

/** Graph's unifiedRole{Eligibility|Assignment}ScheduleRequest. */
export function requestJson(r: ScheduleRequest): Record<string, unknown> {
  return {
    id: r.id,
    status: r.status,
    createdDateTime: r.createdDateTime,
    completedDateTime: r.completedDateTime,
    approvalId: r.approvalId,
    customData: null,
    action: r.action,
    principalId: r.principalId,
    ...roleFields(r.target),
    appScopeId: r.appScopeId,
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

/** Graph's unifiedRole{Eligibility|Assignment}Schedule. */
export function scheduleJson(s: Schedule): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: s.id,
    principalId: s.principalId,
    ...roleFields(s.target),
    appScopeId: s.appScopeId,
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

/** Graph's unifiedRole{Eligibility|Assignment}ScheduleInstance. */
export function instanceJson(s: Schedule): Record<string, unknown> {
  const base = {
    id: s.id,
    principalId: s.principalId,
    ...roleFields(s.target),
    appScopeId: s.appScopeId,
    startDateTime: s.startDateTime,
    endDateTime: s.endDateTime,
    memberType: s.memberType,
  };
  return s.kind === 'eligibility'
    ? { ...base, roleEligibilityScheduleId: s.id }
    : { ...base, assignmentType: s.assignmentType, roleAssignmentOriginId: s.roleAssignmentOriginId, roleAssignmentScheduleId: s.id };
}
