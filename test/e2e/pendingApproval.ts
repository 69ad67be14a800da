import { expect } from 'vitest';
import { deps } from '../../functions/composition';
import { newNonce, signLink } from '../../shared/app/approvalLinks';
import { type AppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

/**
 * alice's activation of Security Administrator waiting for bob's approval, and the link its
 * approval mail would carry for an approver: the set-up of the approval-link tests.
 */
export async function pendingApproval(app: AppHost): Promise<{ requestId: string; linkFor: (approverId: string) => string }> {
  const rule = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${ROLES.security}/rules/Approval_EndUser_Assignment`;
  expect((await app.api('admin', 'PATCH', rule, { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] } })).status).toBe(204);
  const eligible = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
    action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  expect(eligible.status).toBe(201);
  const req = await app.api('alice', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
    action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/', justification: 'Rotate the leaked key',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } },
  });
  expect(req.body.status).toBe('PendingApproval');
  const requestId = String(req.body.id);
  const linkFor = (approverId: string) =>
    `/approvals/${signLink(deps().linkSigner, { requestId, stage: 0, approverId, expiresAt: new Date(Date.now() + 3_600_000), nonce: newNonce() })}`;
  return { requestId, linkFor };
}

/** POSTs the link page's form as the browser would, with the CSRF cookie of an earlier GET and, if given, App Service authentication's principal header. */
export async function submitLink(url: string, csrf: string, fields: Record<string, string>, principalHeader?: string): Promise<{ status: number; html: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: `pim_csrf=${csrf}` };
  if (principalHeader) headers['x-ms-client-principal-id'] = principalHeader;
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams({ csrf, ...fields }).toString() });
  return { status: res.status, html: await res.text() };
}
