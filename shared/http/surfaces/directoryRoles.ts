import { DIRECTORY_ROLE_BODY } from '../../app/requestBody';
import { asDirectoryRole } from '../../domain/target';
import { relationsOf, type ScheduleSurface } from './surface';

/** roleManagement/directory: Microsoft Entra directory roles. */
export const DIRECTORY_ROLES: ScheduleSurface = {
  name: 'Role',
  targetKind: 'directoryRole',
  base: 'roleManagement/directory',
  sets: (kind) => {
    const prefix = kind === 'eligibility' ? 'roleEligibility' : 'roleAssignment';
    return { requests: `${prefix}ScheduleRequests`, schedules: `${prefix}Schedules`, instances: `${prefix}ScheduleInstances`, scheduleIdField: `${prefix}ScheduleId` };
  },
  body: DIRECTORY_ROLE_BODY as ScheduleSurface['body'],
  targetJson: (target) => {
    const role = asDirectoryRole(target);
    return { roleDefinitionId: role.roleDefinitionId, directoryScopeId: role.directoryScopeId, appScopeId: null };
  },
  targetFilters: ['roleDefinitionId', 'directoryScopeId', 'appScopeId'],
  requestViews: ['principal', 'approver'],
  odataType: (entity, kind) =>
    `#microsoft.graph.unifiedRole${kind === 'eligibility' ? 'Eligibility' : 'Assignment'}Schedule${entity === 'request' ? 'Request' : entity === 'instance' ? 'Instance' : ''}`,
  relations: (entity, kind) => relationsOf(['appScope', 'directoryScope', 'principal', 'roleDefinition'], entity, kind),
};
