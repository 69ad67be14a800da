import { randomUUID } from 'node:crypto';
import type { Schedule, ScheduleRequest } from '../../shared/domain/schedules';

/** Stored schedules and requests for repository tests: one eligibility slot. */
export const slot = { principalId: 'p1', target: { kind: 'directoryRole' as const, roleDefinitionId: 'r1', directoryScopeId: '/' } };

export function schedule(): Schedule {
  const now = new Date().toISOString();
  return {
    ...slot,
    id: randomUUID(),
    kind: 'eligibility',
    appScopeId: null,
    startDateTime: now,
    endDateTime: null,
    status: 'Provisioned',
    memberType: 'Direct',
    assignmentType: null,
    createdUsing: 'req',
    createdDateTime: now,
    modifiedDateTime: now,
    roleAssignmentOriginId: null,
  };
}

export function request(targetScheduleId: string): ScheduleRequest {
  const now = new Date().toISOString();
  return {
    ...slot,
    id: randomUUID(),
    kind: 'eligibility',
    action: 'adminAssign',
    appScopeId: null,
    justification: null,
    ticketInfo: { ticketNumber: null, ticketSystem: null },
    scheduleInfo: { startDateTime: now, expiration: { type: 'noExpiration', endDateTime: null, duration: null } },
    status: 'Provisioned',
    createdDateTime: now,
    completedDateTime: now,
    createdBy: { user: { id: 'admin', displayName: null } },
    approvalId: null,
    targetScheduleId,
    isValidationOnly: false,
  };
}
