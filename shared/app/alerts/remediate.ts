import { randomUUID } from 'node:crypto';
import type { AlertName } from '../../domain/alerts';
import type { Caller } from '../../domain/caller';
import { breakGlassProtected } from '../../domain/errors';
import type { ScheduleKind } from '../../domain/schedules';
import { directoryRole, type Target } from '../../domain/target';
import type { StoredIncident } from '../../ports/alerts';
import { policyFor, updatePolicyRule } from '../policies';
import { DIRECTORY_ROLE_BODY } from '../requestBody';
import { submitScheduleRequest } from '../scheduleRequests';
import { alertAudit, withRetry } from './scan';
import type { AlertDeps } from './world';

/** Which of a user's PIM schedules for the role each remediation removes. */
const REMOVES: Partial<Record<AlertName, ScheduleKind[]>> = {
  TooManyGlobalAdminsAssignedToTenantAlert: ['assignment', 'eligibility'],
  StaleSignInAlert: ['assignment', 'eligibility'],
  RedundantAssignmentAlert: ['eligibility'],
};

/**
 * Applies an incident's remediation, then drops the incident (audited as "Resolve PIM alert"):
 * - outside PIM: the assignment is removed from the directory (or the group, or Azure);
 * - too many Global Administrators, stale sign-ins: the user's Global Administrator (the
 *   incident's role) is removed in PIM, eligible and active, as an adminRemove;
 * - unused roles: the eligibility is removed in PIM;
 * - no MFA on activation: the role's activation rule gets MultiFactorAuthentication.
 */
export async function remediateIncident(deps: AlertDeps, caller: Caller, name: AlertName, incident: StoredIncident): Promise<void> {
  const correlationId = randomUUID();
  const f = incident.fields;
  const principalId = typeof f.assigneeId === 'string' ? f.assigneeId : undefined;
  if (principalId && (await deps.breakGlass.isBreakGlass(principalId))) throw breakGlassProtected(principalId);
  const roleId = typeof f.roleDefinitionId === 'string' ? f.roleDefinitionId : '62e90394-69f5-4237-9190-012177145e10';
  if (name === 'RolesAssignedOutsidePimAlert' && principalId) {
    await deps.access.of(outsideTarget(f).kind).revoke(principalId, outsideTarget(f));
  } else if (name === 'NoMfaOnRoleActivationAlert') {
    const { value: policy } = await policyFor(deps, directoryRole(roleId, '/'));
    const rule = policy.rules.find((r) => r.id === 'Enablement_EndUser_Assignment');
    const enabled = rule?.['@odata.type'] === '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule' ? rule.enabledRules : [];
    if (!enabled.includes('MultiFactorAuthentication')) {
      await updatePolicyRule(deps, caller, policy.id, 'Enablement_EndUser_Assignment', { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: [...enabled, 'MultiFactorAuthentication'] }, correlationId);
    }
  } else if (principalId) {
    for (const kind of REMOVES[name] ?? []) {
      const live = await deps.schedules.liveInSlot(kind, { principalId, target: directoryRole(roleId, '/') });
      if (!live) continue;
      const body = { action: 'adminRemove', principalId, roleDefinitionId: roleId, directoryScopeId: '/', justification: `Remediation of PIM alert ${name} (incident ${incident.id}).` };
      await submitScheduleRequest(deps, kind, caller, body, correlationId, DIRECTORY_ROLE_BODY);
    }
  }
  await withRetry(async () => {
    const stored = await deps.alertRepository.state(name);
    if (!stored || !(await deps.alertRepository.incident(name, incident.id))) return;
    const audit = alertAudit(deps, 'Resolve PIM alert', name, caller, correlationId, deps.clock.now(), { action: 'remediate', incidentId: incident.id, assigneeId: principalId, roleDefinitionId: roleId });
    await deps.alertRepository.saveState({ ...stored.value, incidentCount: Math.max(0, stored.value.incidentCount - 1) }, stored.etag, { add: [], remove: [incident.id] }, { audit: [audit] });
  });
}

/** The grant an outside-PIM incident names (its target fields are kept with it). */
function outsideTarget(f: StoredIncident['fields']): Target {
  const s = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : '');
  if (f.targetKind === 'group') return { kind: 'group', groupId: s('groupId'), accessId: s('accessId') === 'owner' ? 'owner' : 'member' };
  if (f.targetKind === 'azureRole') return { kind: 'azureRole', scope: s('scope'), roleDefinitionId: s('roleDefinitionId') };
  return directoryRole(s('roleDefinitionId'), s('directoryScopeId') || '/');
}
