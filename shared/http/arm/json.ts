import { parseAzureScope, roleDefinitionIdAt } from '../../domain/azureScope';
import type { GrantCondition } from '../../domain/condition';
import type { RequestStatus, Schedule, ScheduleKind, ScheduleRequest, ScheduleStatus } from '../../domain/schedules';
import type { AzureRoleTarget } from '../../domain/target';
import { armExpirationType, REQUEST_TYPES } from './requestBody';

/**
 * ARM's JSON for schedule requests, schedules and instances of Azure roles, in the shapes and
 * property order of the 2020-10-01 examples: `{properties: {...}, name, id, type}`, where the
 * id is the item's own scope, `/providers/Microsoft.Authorization/`, the PascalCase type and
 * the name.
 */

export type ArmEntity = 'request' | 'schedule' | 'instance';

/** ARM's type segment (PascalCase in ids and `type`, as ARM answers), per entity and kind. */
export function armTypeName(entity: ArmEntity, kind: ScheduleKind): string {
  const base = kind === 'eligibility' ? 'RoleEligibilitySchedule' : 'RoleAssignmentSchedule';
  return `${base}${entity === 'request' ? 'Requests' : entity === 'instance' ? 'Instances' : 's'}`;
}

export function armResourceId(scope: string, entity: ArmEntity, kind: ScheduleKind, name: string): string {
  return `${scope}/providers/Microsoft.Authorization/${armTypeName(entity, kind)}/${name}`;
}

/** The full id of an approval, as requests name it in approvalId. */
export function armApprovalId(approvalId: string): string {
  return `/providers/Microsoft.Authorization/roleAssignmentApprovals/${approvalId}`;
}

/** How one item is described besides its own fields: the principal's type and the expanded names. */
export interface ArmView {
  principalType: 'User' | 'Group' | 'ServicePrincipal' | null;
  expandedProperties: {
    scope: { id: string; displayName: string; type: string };
    roleDefinition: { id: string; displayName: string | null; type: string | null };
    principal: { id: string; displayName: string | null; email: string | null; type: 'User' | 'Group' | 'ServicePrincipal' | null };
  };
}

/** ARM's memberType: Direct, Group (held through a group) or Inherited (held at a scope above the one listed). */
export type ArmMemberType = 'Direct' | 'Group' | 'Inherited';

/**
 * ARM's status for a schedule's. ARM has no Expired: an ended schedule no longer grants the
 * role, which ARM calls Revoked.
 */
export function armScheduleStatus(status: ScheduleStatus): string {
  return status === 'Expired' ? 'Revoked' : status;
}

/** Every status of a request is one of ARM's 22 (Canceled, Denied, Granted, PendingApproval, Provisioned, ...). */
export function armRequestStatus(status: RequestStatus): string {
  return status;
}

function roleDefinitionId(target: AzureRoleTarget): string {
  return roleDefinitionIdAt(parseAzureScope(target.scope), target.roleDefinitionId);
}

/** ARM's condition and conditionVersion, as the request was sent them (null: none). */
function conditionJson(c: GrantCondition | null | undefined): { condition: string | null; conditionVersion: string | null } {
  return { condition: c?.condition ?? null, conditionVersion: c?.conditionVersion ?? null };
}

function resource(entity: ArmEntity, kind: ScheduleKind, scope: string, name: string, properties: Record<string, unknown>) {
  return { properties, name, id: armResourceId(scope, entity, kind, name), type: `Microsoft.Authorization/${armTypeName(entity, kind)}` };
}

export interface ArmRequestExtras {
  /** The eligibility an activation named (ARM's body field; the middle does not keep it). */
  linkedRoleEligibilityScheduleId?: string | null;
}

export function armRequestJson(r: ScheduleRequest, target: AzureRoleTarget, view: ArmView, extras: ArmRequestExtras = {}) {
  const prefix = r.kind === 'eligibility' ? 'targetRoleEligibility' : 'targetRoleAssignment';
  const properties: Record<string, unknown> = {
    [`${prefix}ScheduleId`]: r.targetScheduleId,
    [`${prefix}ScheduleInstanceId`]: null,
    scope: target.scope,
    roleDefinitionId: roleDefinitionId(target),
    principalId: r.principalId,
    principalType: view.principalType,
    requestType: REQUEST_TYPES[r.action],
    status: armRequestStatus(r.status),
    approvalId: r.approvalId ? armApprovalId(r.approvalId) : null,
    scheduleInfo: {
      startDateTime: r.scheduleInfo.startDateTime,
      expiration: {
        type: armExpirationType(r.scheduleInfo.expiration.type),
        endDateTime: r.scheduleInfo.expiration.endDateTime,
        duration: r.scheduleInfo.expiration.duration,
      },
    },
    ticketInfo: { ticketNumber: r.ticketInfo.ticketNumber, ticketSystem: r.ticketInfo.ticketSystem },
    justification: r.justification,
  };
  if (r.kind === 'assignment') properties.linkedRoleEligibilityScheduleId = extras.linkedRoleEligibilityScheduleId ?? null;
  Object.assign(properties, {
    requestorId: r.createdBy.user.id,
    createdOn: r.createdDateTime,
    ...conditionJson(r.condition),
    expandedProperties: view.expandedProperties,
  });
  return resource('request', r.kind, target.scope, r.id, properties);
}

export function armScheduleJson(s: Schedule, target: AzureRoleTarget, memberType: ArmMemberType, view: ArmView) {
  const assignment = s.kind === 'assignment';
  const properties: Record<string, unknown> = assignment ? { linkedRoleEligibilityScheduleId: null, assignmentType: s.assignmentType } : {};
  Object.assign(properties, {
    scope: target.scope,
    roleDefinitionId: roleDefinitionId(target),
    principalId: s.principalId,
    principalType: view.principalType,
    status: armScheduleStatus(s.status),
    [assignment ? 'roleAssignmentScheduleRequestId' : 'roleEligibilityScheduleRequestId']: s.createdUsing ? armResourceId(target.scope, 'request', s.kind, s.createdUsing) : null,
    startDateTime: s.startDateTime,
    endDateTime: s.endDateTime,
    memberType,
    createdOn: s.createdDateTime,
    updatedOn: s.modifiedDateTime,
    ...conditionJson(s.condition),
    expandedProperties: view.expandedProperties,
  });
  return resource('schedule', s.kind, target.scope, s.id, properties);
}

/** An instance: the schedule in effect now (this service keeps one instance per schedule, named like it). */
export function armInstanceJson(s: Schedule, target: AzureRoleTarget, memberType: ArmMemberType, view: ArmView) {
  const assignment = s.kind === 'assignment';
  const properties: Record<string, unknown> = assignment
    ? { originRoleAssignmentId: s.roleAssignmentOriginId, linkedRoleEligibilityScheduleId: null, linkedRoleEligibilityScheduleInstanceId: null, assignmentType: s.assignmentType }
    : {};
  Object.assign(properties, {
    scope: target.scope,
    roleDefinitionId: roleDefinitionId(target),
    principalId: s.principalId,
    principalType: view.principalType,
    status: armScheduleStatus(s.status),
    [assignment ? 'roleAssignmentScheduleId' : 'roleEligibilityScheduleId']: armResourceId(target.scope, 'schedule', s.kind, s.id),
    startDateTime: s.startDateTime,
    endDateTime: s.endDateTime,
    memberType,
    createdOn: s.createdDateTime,
    ...conditionJson(s.condition),
    expandedProperties: view.expandedProperties,
  });
  return resource('instance', s.kind, target.scope, s.id, properties);
}
