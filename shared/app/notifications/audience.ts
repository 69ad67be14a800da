import type { DomainEvent, EventType } from '../../domain/events';
import type { Approver, NotificationRule, RecipientType, RolePolicy } from '../../domain/policy/types';
import type { Directory } from '../../ports/directory';

/** Who a kind of event is for, and whether it is "critical" (sent even at notificationLevel Critical). */
export interface Audience {
  recipientType: RecipientType;
  /** The people the rule's default recipients stand for. */
  who: 'requester' | 'stageApprovers' | 'escalationApprovers' | 'admins';
  critical: boolean | ((event: DomainEvent) => boolean);
}

const requester = (critical: boolean): Audience => ({ recipientType: 'Requestor', who: 'requester', critical });
const admins = (critical: Audience['critical']): Audience => ({ recipientType: 'Admin', who: 'admins', critical });

/** Which events mail whom. Events not listed (e.g. request.created, policy.changed) mail nobody. */
export const AUDIENCES: Partial<Record<EventType, Audience[]>> = {
  'approval.needed': [{ recipientType: 'Approver', who: 'stageApprovers', critical: true }],
  'approval.escalated': [{ recipientType: 'Approver', who: 'escalationApprovers', critical: true }],
  'approval.stageDecided': [{ recipientType: 'Approver', who: 'stageApprovers', critical: false }],
  'request.approved': [requester(false)],
  'request.denied': [requester(true)],
  'request.timedOut': [requester(true)],
  'request.failed': [requester(true)],
  'request.canceled': [{ recipientType: 'Approver', who: 'stageApprovers', critical: false }],
  // Activation of a privileged role is what admins must not miss.
  'assignment.activated': [requester(false), admins((e) => e.data.isPrivilegedRole === true)],
  'assignment.expiringSoon': [requester(true)],
  'assignment.assigned': [requester(false), admins(false)],
  'assignment.removed': [requester(false)],
  'eligibility.assigned': [requester(false), admins(false)],
  'eligibility.expiringSoon': [requester(true), admins(true)],
  'eligibility.removed': [requester(false)],
  // Security alerts go to admins only; high-severity ones (e.g. a break-glass sign-in) even at level Critical.
  'alert.incidentRaised': [admins((e) => e.data.severityLevel === 'high')],
};

/** The notification rules' scenario an event falls under (Entra's three rule sets per recipient type). */
export function scenarioOf(type: EventType): 'Admin_Eligibility' | 'Admin_Assignment' | 'EndUser_Assignment' {
  if (type.startsWith('eligibility.')) return 'Admin_Eligibility';
  if (type === 'assignment.assigned' || type === 'assignment.updated' || type === 'assignment.removed') return 'Admin_Assignment';
  return 'EndUser_Assignment';
}

export function notificationRule(policy: RolePolicy, recipientType: RecipientType, type: EventType): NotificationRule | undefined {
  const id = `Notification_${recipientType}_${scenarioOf(type)}`;
  const rule = policy.rules.find((r) => r.id === id);
  return rule?.['@odata.type'] === '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule' ? rule : undefined;
}

/** Whether the rule's level lets this event through. */
export function levelAllows(rule: NotificationRule, audience: Audience, event: DomainEvent): boolean {
  if (rule.notificationLevel === 'None') return false;
  if (rule.notificationLevel === 'All') return true;
  return typeof audience.critical === 'function' ? audience.critical(event) : audience.critical;
}

/** Entra's default admin recipients: holders of Global Administrator and Privileged Role Administrator. */
export const ADMIN_ROLE_IDS = ['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814'];

/** The user ids a group of people stands for, as of now (groups expanded, requester removed where needed). */
export async function peopleFor(directory: Directory, audience: Audience, event: DomainEvent): Promise<string[]> {
  const requesterId = typeof event.data.requesterId === 'string' ? event.data.requesterId : event.subject.principalId;
  switch (audience.who) {
    case 'requester':
      return event.subject.principalId ? [event.subject.principalId] : [];
    case 'stageApprovers':
      return withoutRequester(await expand(directory, approversIn(event.data.approvers)), requesterId);
    case 'escalationApprovers':
      return withoutRequester(await expand(directory, approversIn(event.data.escalationApprovers)), requesterId);
    case 'admins': {
      const ids: string[] = [];
      for (const roleDefinitionId of ADMIN_ROLE_IDS) {
        for (const a of await directory.listRoleAssignments({ roleDefinitionId })) {
          const principal = await directory.getPrincipal(a.principalId);
          if (principal?.kind === 'group') ids.push(...(await directory.groupMemberIds(principal.id)));
          else if (principal) ids.push(principal.id);
        }
      }
      return [...new Set(ids)];
    }
  }
}

function approversIn(value: unknown): Approver[] {
  return Array.isArray(value) ? (value as Approver[]) : [];
}

async function expand(directory: Directory, approvers: Approver[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const a of approvers) {
    if (a['@odata.type'] === '#microsoft.graph.singleUser') ids.add(a.userId);
    else for (const id of await directory.groupMemberIds(a.groupId)) ids.add(id);
  }
  return [...ids];
}

// Why: separation of duties: a requester is never asked (or told as approver) about their own request.
function withoutRequester(ids: string[], requesterId: string | null): string[] {
  return ids.filter((id) => id !== requesterId);
}
