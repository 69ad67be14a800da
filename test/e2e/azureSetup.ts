import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { AppHost } from './appHost';

/** A call to the app's ARM surface as a demo user, with an ARM-audience token (and MFA). */
export async function armAs(app: AppHost, who: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await app.token(who, { mfa: true, audience: 'arm' })}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

const PIM = 'api-version=2020-10-01';

/** ARM's PatchRoleManagementPolicy.json approval rule, with one named approver. */
export function approvalBy(approverId: string, description?: string) {
  return {
    id: 'Approval_EndUser_Assignment',
    ruleType: 'RoleManagementPolicyApprovalRule',
    target: { caller: 'EndUser', operations: ['All'], level: 'Assignment' },
    setting: {
      isApprovalRequired: true,
      isApprovalRequiredForExtension: false,
      isRequestorJustificationRequired: true,
      approvalMode: 'SingleStage',
      approvalStages: [
        { approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 0, isEscalationEnabled: false, primaryApprovers: [{ id: approverId, userType: 'User', isBackup: false, ...(description ? { description } : {}) }] },
      ],
    },
  };
}

/** The role's settings at `scope` (ARM's roleManagementPolicies) require one approval, by `approverId`. */
export async function requireAzureApproval(app: AppHost, scope: string, roleDefinitionId: string, approverId: string): Promise<void> {
  const filter = encodeURIComponent(`roleDefinitionId eq '${roleDefinitionId}'`);
  const assignments = await armAs(app, 'admin', 'GET', `${scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?${PIM}&$filter=${filter}`);
  const policyId = (assignments.body.value as Array<{ properties: { policyId: string } }> | undefined)?.[0]?.properties.policyId ?? '';
  const rule = approvalBy(approverId);
  const patched = await armAs(app, 'admin', 'PATCH', `${policyId}?${PIM}`, { properties: { rules: [rule] } });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
}

/** An admin makes `principalId` eligible for the role at `scope` for 30 days (ARM's AdminAssign). */
export async function makeAzureEligible(app: AppHost, scope: string, principalId: string, roleDefinitionId: string): Promise<void> {
  const created = await armAs(app, 'admin', 'PUT', `${scope}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/${randomUUID()}?${PIM}`, {
    properties: { principalId, roleDefinitionId, requestType: 'AdminAssign', justification: 'Test set-up', scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P30D' } } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}
