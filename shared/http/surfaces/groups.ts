import { z } from 'zod';
import { CASE_INSENSITIVE, type TargetBody } from '../../app/requestBody';
import type { RequestAction } from '../../domain/schedules';
import { asGroup } from '../../domain/target';
import { relationsOf, type ScheduleSurface } from './surface';

/** Graph's PIM for Groups has no selfExtend or selfRenew: holders ask again by activating. */
const GROUP_ACTIONS: readonly RequestAction[] = ['adminAssign', 'adminUpdate', 'adminRemove', 'adminExtend', 'adminRenew', 'selfActivate', 'selfDeactivate'];

export const GROUP_BODY: TargetBody<{ groupId: string; accessId: 'member' | 'owner' }> = {
  fields: z
    .object({
      groupId: z.string({ message: 'groupId is required' }).min(1, 'groupId is required'),
      // Graph reads enums case-insensitively; 'unknownFutureValue' is its sentinel, never a valid access.
      accessId: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['member', 'owner'], { message: "accessId must be 'member' or 'owner'" }).meta(CASE_INSENSITIVE)),
    })
    .loose(),
  actions: GROUP_ACTIONS,
  toTarget: (b) => ({ kind: 'group', groupId: b.groupId.toLowerCase(), accessId: b.accessId }),
};

/** identityGovernance/privilegedAccess/group: PIM for Groups (membership and ownership). */
export const GROUPS: ScheduleSurface = {
  name: 'Group',
  targetKind: 'group',
  base: 'identityGovernance/privilegedAccess/group',
  sets: (kind) => {
    const prefix = kind === 'eligibility' ? 'eligibility' : 'assignment';
    return { requests: `${prefix}ScheduleRequests`, schedules: `${prefix}Schedules`, instances: `${prefix}ScheduleInstances`, scheduleIdField: `${prefix}ScheduleId` };
  },
  body: GROUP_BODY as ScheduleSurface['body'],
  targetJson: (target) => {
    const group = asGroup(target);
    return { accessId: group.accessId, groupId: group.groupId };
  },
  targetFilters: ['groupId', 'accessId'],
  requiredFilter: ['groupId', 'principalId'],
  requestViews: ['principal', 'createdBy', 'approver'],
  odataType: (entity, kind) =>
    `#microsoft.graph.privilegedAccessGroup${kind === 'eligibility' ? 'Eligibility' : 'Assignment'}Schedule${entity === 'request' ? 'Request' : entity === 'instance' ? 'Instance' : ''}`,
  relations: (entity, kind) => relationsOf(['group', 'principal'], entity, kind),
};
