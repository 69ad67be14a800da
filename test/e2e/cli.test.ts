import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { AZURE_ROLE, demoSubscriptions, roleAssignmentsOf } from './armStandIn';
import { GROUPS, ROLES, USERS } from './demo';
import { profile, type Run, runPim, signedInProfile } from './cliRunner';
import { makeAzureEligible, requireAzureApproval } from './azureSetup';

/** The demo service principal of devhost/graph/demo-directory.json. */
const PIPELINE = '3c1d6f0e-8b2a-4d57-9e61-5a7c2b9f4d10';
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';

let app: AppHost;

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

const pim = (configDir: string, args: string[], env: Record<string, string> = {}): Promise<Run> => runPim(app.url, configDir, args, env);

const signedIn = (who: string[]): Promise<string> => signedInProfile(app.url, who);

async function makeEligible(principalId: string, roleDefinitionId: string): Promise<void> {
  const res = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
    action: 'adminAssign',
    principalId,
    roleDefinitionId,
    directoryScopeId: '/',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

const policyRule = (role: string, rule: string) => `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT_ID}_${role}/rules/${rule}`;

async function directoryHas(principalId: string, roleDefinitionId: string): Promise<boolean> {
  return (await app.graph.listAssignments()).some((a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId);
}

describe('pim as a person', () => {
  let alice: string;

  beforeAll(async () => {
    alice = await signedIn(['alice']);
  });

  it('says to sign in when there is no sign-in', async () => {
    const res = await pim(profile(), ['roles']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/run 'pim login'/);
  });

  it('lists eligible roles as parseable JSON, and activates one with --wait until it is active', async () => {
    await makeEligible(USERS.alice, ROLES.helpdesk);
    const roles = await pim(alice, ['roles', '--json']);
    expect(roles.code, roles.stderr).toBe(0);
    const listed = JSON.parse(roles.stdout) as { eligible: Array<{ name: string; kind: string }> };
    expect(listed.eligible).toContainEqual(expect.objectContaining({ name: 'Helpdesk Administrator', kind: 'directoryRole' }));

    const res = await pim(alice, ['activate', 'Helpdesk Administrator', '--reason', 'Incident 4711', '--duration', '2h', '--wait']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/Request submitted/);
    expect(res.stderr).toMatch(/Active: ready to use/);
    expect(res.stdout).toMatch(/Helpdesk Administrator is active until/);
    expect(await directoryHas(USERS.alice, ROLES.helpdesk)).toBe(true);

    const text = await pim(alice, ['roles']);
    expect(text.stdout).toMatch(/Active[\s\S]*Helpdesk Administrator/);
  });

  it('exits non-zero with the approver\'s reason when the request is denied', async () => {
    const approval = await app.api('admin', 'PATCH', policyRule(ROLES.security, 'Approval_EndUser_Assignment'), {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      setting: {
        isApprovalRequired: true,
        approvalStages: [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 0, primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }], escalationApprovers: [] }],
      },
    });
    expect(approval.status).toBe(204);
    await makeEligible(USERS.alice, ROLES.security);

    const waiting = pim(alice, ['activate', 'Security Administrator', '--reason', 'Rotate keys', '--wait']);
    const requestId = await eventually(async () => {
      const pending = await app.api('bob', 'GET', `${REQUESTS}/filterByCurrentUser(on='approver')`);
      const found = (pending.body.value as Array<{ id: string; status: string; roleDefinitionId: string }>).find((r) => r.roleDefinitionId === ROLES.security && r.status === 'PendingApproval');
      return found?.id;
    }, 20_000, 200);
    const steps = await app.api('bob', 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${requestId}`);
    const stepId = (steps.body.steps as Array<{ id: string }>)[0]?.id;
    const denied = await app.api('bob', 'PATCH', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${requestId}/steps/${stepId}`, { reviewResult: 'Deny', justification: 'Not on call this week' });
    expect(denied.status).toBe(204);

    const res = await waiting;
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/Approval pending/);
    expect(res.stderr).toMatch(/Denied by Bob Baker: Not on call this week/);
    expect(await directoryHas(USERS.alice, ROLES.security)).toBe(false);
  });

  it('schedules an activation for later with --start, which the request carries', async () => {
    await makeEligible(USERS.alice, ROLES.exchange);
    const before = Date.now();
    const res = await pim(alice, ['activate', 'Exchange Administrator', '--reason', 'Change window tonight', '--duration', '1h', '--start', '+2h', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const created = JSON.parse(res.stdout) as { id: string; scheduleInfo: { startDateTime: string } };
    const start = Date.parse(created.scheduleInfo.startDateTime);
    expect(start - before).toBeGreaterThanOrEqual(2 * 3_600_000 - 1_000);
    expect(start - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
    const stored = await app.api('alice', 'GET', `${REQUESTS}/${created.id}`);
    expect(Date.parse((stored.body.scheduleInfo as { startDateTime: string }).startDateTime)).toBe(start);
    expect(await directoryHas(USERS.alice, ROLES.exchange)).toBe(false);

    const text = await pim(alice, ['activate', 'Exchange Administrator', '--reason', 'x', '--start', '2026-13-01T08:00']);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/not a start time.*\+30m/);
  });

  it('says what to do when the user is not eligible', async () => {
    const res = await pim(alice, ['activate', 'Global Administrator', '--reason', 'x', '--json']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/not eligible for 'Global Administrator'.*pim roles/);
    expect(JSON.parse(res.stdout)).toMatchObject({ error: { code: 'NotEligible' } });
  });
});

describe('pim with Azure resource roles (the ARM surface)', () => {
  /** Where the app host's ARM stand-in answers (PIM_ARM_BASE_URL, set by startAppHost). */
  const standIn = () => {
    const base = process.env.PIM_ARM_BASE_URL;
    if (!base) throw new Error('PIM_ARM_BASE_URL is not set: the app host has no ARM stand-in.');
    return base;
  };

  it('lists an eligibility at a subscription as Inherited at a resource group, and activates it there with --wait', async () => {
    const [tree] = await demoSubscriptions(standIn());
    const roleDefinitionId = `${tree.sub}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLE.contributor}`;
    // As admin, through the ARM surface with an ARM-audience token, as azureResources.test.ts does.
    const eligible = await fetch(`${app.url}${tree.sub}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/${randomUUID()}?api-version=2020-10-01`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await app.token('admin', { mfa: true, audience: 'arm' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        properties: {
          principalId: USERS.alice,
          roleDefinitionId,
          requestType: 'AdminAssign',
          justification: 'CLI test',
          scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P30D' } },
        },
      }),
    });
    expect(eligible.status, await eligible.clone().text()).toBe(201);

    const alice = await signedIn(['alice']);
    const noScopes = await pim(alice, ['roles']);
    expect(noScopes.code, noScopes.stderr).toBe(0);
    expect(noScopes.stderr).toMatch(/Azure resource roles: none listed.*--scope/);

    const roles = await pim(alice, ['roles', '--scope', tree.rg, '--json']);
    expect(roles.code, roles.stderr).toBe(0);
    const listed = JSON.parse(roles.stdout) as { eligible: unknown[] };
    expect(listed.eligible).toContainEqual(expect.objectContaining({ kind: 'azureRole', name: 'Contributor', scope: tree.sub, memberType: 'Inherited', targetId: roleDefinitionId }));
    const text = await pim(alice, ['roles', '--scope', tree.rg]);
    expect(text.stdout).toMatch(/Eligible[\s\S]*Contributor\s+azure \/subscriptions\/\S+\s+Inherited/);

    const res = await pim(alice, ['activate', 'Contributor', '--scope', tree.rg, '--reason', 'Deploy hotfix', '--duration', '1h', '--wait', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/Active: ready to use/);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'Provisioned', requestType: 'SelfActivate', scope: tree.rg });
    const inAzure = await roleAssignmentsOf(standIn(), USERS.alice, tree.sub);
    expect(inAzure.filter((a) => a.role === AZURE_ROLE.contributor).map((a) => a.scope)).toEqual([tree.rg.toLowerCase()]);

    // PIM_AZURE_SCOPES stands for --scope; the activation is listed, Direct, at the resource group.
    const withEnv = await pim(alice, ['roles', '--json'], { PIM_AZURE_SCOPES: tree.sub });
    expect(withEnv.code, withEnv.stderr).toBe(0);
    expect((JSON.parse(withEnv.stdout) as { active: unknown[] }).active).toContainEqual(
      expect.objectContaining({ kind: 'azureRole', name: 'Contributor', scope: tree.rg, memberType: 'Direct', assignmentType: 'Activated' }),
    );

    // Deactivation (SelfDeactivate) after the first 5 minutes, which Azure refuses it in.
    const released = await app.later(6 * 60_000, () => pim(alice, ['deactivate', AZURE_ROLE.contributor, '--scope', tree.rg]));
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toMatch(/Deactivated Contributor at \/subscriptions\//);
    await eventually(async () => ((await roleAssignmentsOf(standIn(), USERS.alice, tree.sub)).some((a) => a.role === AZURE_ROLE.contributor) ? undefined : true), 20_000, 200);
  });

  it('says what to do when the user is not eligible at the ARM scope', async () => {
    const [tree] = await demoSubscriptions(standIn());
    const bob = await signedIn(['bob']);
    const res = await pim(bob, ['activate', AZURE_ROLE.owner, '--scope', tree.otherRg, '--reason', 'x', '--json']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ error: { code: 'NotEligible' } });
  });
});

describe('pim approvals and requests with Azure resource roles', () => {
  it('an Azure activation that needs approval is listed for the approver, approved with pim approve, and shows in the requester\'s pim requests', async () => {
    const base = process.env.PIM_ARM_BASE_URL ?? '';
    const [, second] = await demoSubscriptions(base);
    const tree = second ?? (await demoSubscriptions(base))[0];
    const roleDefinitionId = `${tree.sub}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLE.reader}`;
    await requireAzureApproval(app, tree.otherRg, roleDefinitionId, USERS.bob);
    await makeAzureEligible(app, tree.otherRg, USERS.carol, roleDefinitionId);

    const carol = await signedIn(['carol', '--scope', tree.sub]);
    const waiting = pim(carol, ['activate', 'Reader', '--scope', tree.otherRg, '--reason', 'Read the audit logs', '--wait']);
    const bob = await signedIn(['bob', '--scope', tree.sub]);
    const pending = await eventually(async () => {
      const res = await pim(bob, ['approvals', '--json']);
      expect(res.code, res.stderr).toBe(0);
      return (JSON.parse(res.stdout) as Array<{ kind: string; id: string; target: string; principal?: string; justification?: string }>).find((r) => r.kind === 'azureRole');
    }, 20_000, 300);
    expect(pending).toMatchObject({ principal: 'Carol Chen', justification: 'Read the audit logs' });
    expect(pending.target).toMatch(/^Reader at \/subscriptions\//);
    const text = await pim(bob, ['approvals']);
    expect(text.stdout).toContain(pending.id);

    const approved = await pim(bob, ['approve', pending.id, '--reason', 'Audit week']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved request ${pending.id}`);
    const done = await waiting;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/Approval pending[\s\S]*Active: ready to use/);

    const mine = await pim(carol, ['requests', '--json']);
    expect(JSON.parse(mine.stdout)).toContainEqual(expect.objectContaining({ kind: 'azureRole', id: pending.id, status: 'Provisioned', action: 'selfActivate' }));
    const nothingLeft = await pim(bob, ['approvals']);
    expect(nothingLeft.stdout).not.toContain(pending.id);
  }, 90_000);
});

describe('pim policy as code', () => {
  it('exports, diffs, dry-runs without changing anything, applies, and exports what it applied', async () => {
    const admin = await signedIn(['admin']);
    const file = join(admin, 'exchange.yaml');
    const exported = await pim(admin, ['policy', 'export', 'Exchange Administrator', file]);
    expect(exported.code, exported.stderr).toBe(0);
    const before = readFileSync(file, 'utf8');
    const doc = parse(before) as { role: string; activation: { maximumDuration: string; requireTicket: boolean } };
    expect(doc.role).toBe('Exchange Administrator');
    expect(doc.activation.maximumDuration).toBe('PT8H');

    doc.activation.maximumDuration = 'PT4H';
    doc.activation.requireTicket = true;
    writeFileSync(file, stringify(doc));
    const diffed = await pim(admin, ['policy', 'diff', file]);
    expect(diffed.code, diffed.stderr).toBe(0);
    expect(diffed.stdout).toContain('activation.maximumDuration: PT8H → PT4H');
    expect(diffed.stdout).toContain('activation.requireTicket: false → true');

    const dry = await pim(admin, ['policy', 'apply', file, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, patchedRules: ['Expiration_EndUser_Assignment', 'Enablement_EndUser_Assignment'] });
    const unchanged = await pim(admin, ['policy', 'export', 'Exchange Administrator', '--json']);
    expect(JSON.parse(unchanged.stdout)).toMatchObject({ activation: { maximumDuration: 'PT8H', requireTicket: false } });

    const applied = await pim(admin, ['policy', 'apply', file]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/changed 2 rule/);
    const after = await pim(admin, ['policy', 'export', 'Exchange Administrator', '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ activation: { maximumDuration: 'PT4H', requireTicket: true } });
    const again = await pim(admin, ['policy', 'diff', file]);
    expect(again.stdout).toMatch(/nothing to change/);
  });
});

describe('pim policy as code for a group', () => {
  it("exports a group's owner settings, applies a change to them, and leaves the member settings alone", async () => {
    const admin = await signedIn(['admin']);
    const file = join(admin, 'db-owners.yaml');
    const exported = await pim(admin, ['policy', 'export', '--group', GROUPS.dbOwners, '--owner', file]);
    expect(exported.code, exported.stderr).toBe(0);
    const doc = parse(readFileSync(file, 'utf8')) as { groupId: string; access: string; activation: { maximumDuration: string } };
    expect(doc).toMatchObject({ groupId: GROUPS.dbOwners, access: 'owner' });
    const memberBefore = JSON.parse((await pim(admin, ['policy', 'export', '--group', GROUPS.dbOwners, '--json'])).stdout) as { activation: unknown };

    const shorter = doc.activation.maximumDuration === 'PT2H' ? 'PT3H' : 'PT2H';
    writeFileSync(file, stringify({ ...doc, activation: { ...doc.activation, maximumDuration: shorter } }));
    const applied = await pim(admin, ['policy', 'apply', file, '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ groupId: GROUPS.dbOwners, access: 'owner', dryRun: false, patchedRules: ['Expiration_EndUser_Assignment'] });

    const owner = JSON.parse((await pim(admin, ['policy', 'export', '--group', GROUPS.dbOwners, '--owner', '--json'])).stdout) as { activation: { maximumDuration: string } };
    expect(owner.activation.maximumDuration).toBe(shorter);
    const member = JSON.parse((await pim(admin, ['policy', 'export', '--group', GROUPS.dbOwners, '--json'])).stdout) as { activation: unknown };
    expect(member.activation).toEqual(memberBefore.activation);

    const unknown = await pim(admin, ['policy', 'export', '--group', randomUUID()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/was not found in the directory/);
  });
});

describe('pim in a pipeline (a service principal with client credentials)', () => {
  it('asks for a role, waits until it is held, and gives it back', async () => {
    await makeEligible(PIPELINE, ROLES.appAdmin);
    // An app has no second factor: a role meant for pipelines asks for a justification only.
    const settings = await app.api('admin', 'PATCH', policyRule(ROLES.appAdmin, 'Enablement_EndUser_Assignment'), {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
      enabledRules: ['Justification'],
    });
    expect(settings.status).toBe(204);
    const pipeline = await signedIn(['--service-principal', 'deploy-pipeline']);
    const who = await pim(pipeline, ['whoami', '--json']);
    expect(JSON.parse(who.stdout)).toMatchObject({ account: { kind: 'servicePrincipal', oid: PIPELINE } });

    const res = await pim(pipeline, ['activate', ROLES.appAdmin, '--reason', 'Release 2026.11.28', '--duration', '30m', '--wait', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'Provisioned' });
    expect(await directoryHas(PIPELINE, ROLES.appAdmin)).toBe(true);

    // Entra refuses deactivation in an activation's first 5 minutes; the app's clock moves past them.
    const released = await app.later(6 * 60_000, () => pim(pipeline, ['deactivate', 'Application Administrator']));
    expect(released.code, released.stderr).toBe(0);
    await eventually(async () => ((await directoryHas(PIPELINE, ROLES.appAdmin)) ? undefined : true), 20_000, 200);
  });

  it('can do nothing for others: an admin action without PIM.Admin is refused', async () => {
    const res = await fetch(`${app.url}/v1.0/roleManagement/directory/roleEligibilityScheduleRequests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await appToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'adminAssign', principalId: PIPELINE, roleDefinitionId: ROLES.globalAdmin, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } } }),
    });
    expect(res.status).toBe(403);
  });
});

async function appToken(): Promise<string> {
  const res = await fetch(`${app.url}/.devhost/token`, { method: 'POST', body: JSON.stringify({ servicePrincipal: 'deploy-pipeline' }) });
  return ((await res.json()) as { access_token: string }).access_token;
}
