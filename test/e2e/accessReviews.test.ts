import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../shared/domain/events';
import { eventually } from '../devhost/helpers';
import { capturePublished, startAppHost, type AppHost } from './appHost';
import { armAs, makeAzureEligible } from './azureSetup';
import { AZURE_ROLE, demoSubscriptions } from './armStandIn';
import { ROLES, USERS } from './demo';

/**
 * Access reviews end to end through HTTP, with the app's clock moved forward where time must
 * pass: instances start on the timer, reviewers are mailed and reminded, decisions are recorded
 * (never on one's own access, one consistent outcome under a race), and at the end the default
 * decision is applied and denied access removed as an admin's removal would.
 */
let app: AppHost;
const DAY = 86_400_000;
const REVIEWS = '/v1.0/identityGovernance/accessReviews/definitions';
const FINANCE = 'e402c219-ba44-4a70-ae14-8d119b0f39d9';
const APPROVERS = 'a5135109-50e1-4961-8b3f-f3cf6aa1e9ec';
const today = () => new Date().toISOString().slice(0, 10);
const eligibleUsersOf = (roleId: string) =>
  `/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '${roleId}')`;
const user = (id: string) => ({ query: `/users/${id}`, queryType: 'MicrosoftGraph' });

interface Decision {
  id: string;
  decision: string;
  recommendation: string;
  recommendationReason: string | null;
  lastActivationDateTime: string | null;
  justification: string;
  reviewedBy: { id: string; displayName: string | null };
  applyResult: string;
  appliedBy: { id: string };
  principal: { id: string; displayName: string };
  resource: { id: string; type: string };
}

/** Every event the app publishes, captured on its way to the bus. */
const published: DomainEvent[] = [];

beforeAll(async () => {
  app = await startAppHost();
  await capturePublished(published);
});

afterAll(async () => {
  await app?.host.stop();
});

async function makeEligible(principalId: string, roleDefinitionId: string) {
  const res = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
    action: 'adminAssign', principalId, roleDefinitionId, directoryScopeId: '/', justification: 'rota', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P365D' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function activate(alias: 'alice' | 'bob' | 'carol' | 'dave', roleDefinitionId: string) {
  const res = await app.api(alias, 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', {
    action: 'selfActivate', principalId: USERS[alias], roleDefinitionId, directoryScopeId: '/', justification: 'ticket 7',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function createReview(body: Record<string, unknown>): Promise<string> {
  const res = await app.api('admin', 'POST', REVIEWS, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return String(res.body.id);
}

async function instancesOf(definitionId: string): Promise<Array<{ id: string; status: string; startDateTime: string; endDateTime: string }>> {
  const res = await app.api('admin', 'GET', `${REVIEWS}/${definitionId}/instances`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.value as Array<{ id: string; status: string; startDateTime: string; endDateTime: string }>;
}

async function decisionsOf(who: string, definitionId: string, instanceId: string, mine = false): Promise<Decision[]> {
  const res = await app.api(who, 'GET', `${REVIEWS}/${definitionId}/instances/${instanceId}/decisions${mine ? "/filterByCurrentUser(on='reviewer')" : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.value as Decision[];
}

const decide = (who: string, definitionId: string, instanceId: string, decisionId: string, decision: string, justification: string) =>
  app.api(who, 'PATCH', `${REVIEWS}/${definitionId}/instances/${instanceId}/decisions/${decisionId}`, { decision, justification });

async function audits(activity: string): Promise<Array<{ category: string; activityDisplayName: string; targetResources: Array<{ id: string }> }>> {
  const res = await app.api('admin', 'GET', `/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq '${activity}'`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.value as Array<{ category: string; activityDisplayName: string; targetResources: Array<{ id: string }> }>;
}

/** The role's eligible principals, as the role API lists them. */
async function eligibleFor(roleId: string): Promise<string[]> {
  const res = await app.api('admin', 'GET', `/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '${roleId}'`);
  expect(res.status).toBe(200);
  return (res.body.value as Array<{ principalId: string }>).map((i) => i.principalId);
}

describe('access reviews', () => {
  it('reviews a role quarterly: starts, mails, reminds, denies the unreviewed unused eligibility by default and removes it', async () => {
    const role = ROLES.helpdesk;
    for (const id of [USERS.alice, USERS.bob, USERS.dave]) await makeEligible(id, role);
    await activate('alice', role);
    await activate('bob', role);
    const id = await createReview({
      displayName: 'Helpdesk quarterly review',
      descriptionForReviewers: 'Keep only who still works the helpdesk.',
      scope: { '@odata.type': '#microsoft.graph.accessReviewQueryScope', query: eligibleUsersOf(role), queryType: 'MicrosoftGraph' },
      reviewers: [user(USERS.carol)],
      settings: {
        mailNotificationsEnabled: true,
        reminderNotificationsEnabled: true,
        defaultDecisionEnabled: true,
        defaultDecision: 'Deny',
        autoApplyDecisionsEnabled: true,
        recommendationsEnabled: true,
        instanceDurationInDays: 14,
        recurrence: { pattern: { type: 'absoluteMonthly', interval: 3 }, range: { type: 'noEnd', startDate: today() } },
      },
    });
    const created = await app.api('admin', 'GET', `${REVIEWS}/${id}`);
    expect(created.body).toMatchObject({ status: 'NotStarted', settings: { defaultDecision: 'Deny', recommendationLookBackDuration: 'P30D', recurrence: { pattern: { type: 'absoluteMonthly', interval: 3 } } } });
    expect((await audits('Create access review')).some((a) => a.category === 'Policy' && a.targetResources.some((t) => t.id === id))).toBe(true);

    await app.runAccessReviews();
    const [instance, ...others] = await instancesOf(id);
    expect(others).toEqual([]);
    expect(instance).toMatchObject({ status: 'InProgress' });
    if (!instance) throw new Error('no instance');
    expect(Date.parse(instance.endDateTime) - Date.parse(instance.startDateTime)).toBe(14 * DAY);

    const items = await decisionsOf('admin', id, instance.id);
    const of = (userId: string) => items.find((d) => d.principal.id === userId);
    expect(items).toHaveLength(3);
    expect(of(USERS.dave)).toMatchObject({ decision: 'NotReviewed', recommendation: 'Deny', recommendationReason: 'Not activated in the last 30 days', lastActivationDateTime: null, applyResult: 'New' });
    expect(of(USERS.alice)).toMatchObject({ recommendation: 'Approve', resource: { id: role, type: 'directoryRole' } });
    expect(of(USERS.alice)?.lastActivationDateTime).not.toBeNull();

    const link = `/#/review-access/${id}/${instance.id}`;
    const invitation = await eventually(async () => (await app.mailTo('carol@contoso.test')).find((m) => m.subject.startsWith('Review access to') && m.body.includes(link)));
    expect(invitation.text ?? invitation.body).toContain('Keep only who still works the helpdesk.');

    // Carol reviews from her own list; Alice, whose access it is, is no reviewer here.
    const carols = await decisionsOf('carol', id, instance.id, true);
    expect(carols.map((d) => d.principal.id).sort()).toEqual([USERS.alice, USERS.bob, USERS.dave].sort());
    const alicesItem = of(USERS.alice)?.id ?? '';
    const own = await decide('alice', id, instance.id, alicesItem, 'Approve', 'I still need it');
    expect(own.status).toBe(403);
    expect(own.body.error?.code).toBe('SelfReviewNotAllowed');
    expect((await decide('carol', id, instance.id, alicesItem, 'Approve', 'On the rota')).status).toBe(204);
    expect((await decide('carol', id, instance.id, of(USERS.bob)?.id ?? '', 'Approve', 'On the rota')).status).toBe(204);
    expect((await audits('Approve decision')).filter((a) => a.category === 'Policy').length).toBeGreaterThanOrEqual(2);

    // Halfway: Carol still has Dave's item undecided, so she is reminded.
    await app.later(8 * DAY, () => app.runAccessReviews());
    await eventually(async () => (await app.mailTo('carol@contoso.test')).find((m) => m.subject.startsWith('Reminder: review access') && m.body.includes(link)));

    // The end: Dave's item is denied by default and applied; the approvals keep their access.
    await app.later(15 * DAY, () => app.runAccessReviews());
    expect((await instancesOf(id))[0]?.status).toBe('Completed');
    const ended = await decisionsOf('admin', id, instance.id);
    const endedOf = (userId: string) => ended.find((d) => d.principal.id === userId);
    expect(endedOf(USERS.dave)).toMatchObject({ decision: 'Deny', reviewedBy: { displayName: 'AAD Access Reviews' }, applyResult: 'AppliedSuccessfully' });
    expect(endedOf(USERS.alice)).toMatchObject({ decision: 'Approve', justification: 'On the rota', applyResult: 'AppliedSuccessfully' });
    const eligible = await eligibleFor(role);
    expect(eligible).not.toContain(USERS.dave);
    expect(eligible).toEqual(expect.arrayContaining([USERS.alice, USERS.bob]));
    const removal = await eventually(async () => (await app.mailTo('dave@contoso.test')).find((m) => m.subject.includes('removed from Dave Diaz')));
    expect(removal.body).toContain('Helpdesk quarterly review');
    expect((await audits('Access review ended')).some((a) => a.targetResources.some((t) => t.id === id))).toBe(true);
    expect((await audits('Apply decision')).filter((a) => a.targetResources.some((t) => t.id === id))).toHaveLength(3);
    const removedAudit = await audits('Remove eligible member from role in PIM completed');
    expect(removedAudit.some((a) => a.targetResources.some((t) => t.id === USERS.dave))).toBe(true);

    const events = published.filter((e) => e.data.definitionId === id);
    expect(events.filter((e) => e.type === 'accessReview.instanceStarted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'accessReview.reminder')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'accessReview.instanceEnded')).toHaveLength(1);
    const applied = events.filter((e) => e.type === 'accessReview.decisionApplied');
    expect(applied.map((e) => e.subject.principalId).sort()).toEqual([USERS.alice, USERS.bob, USERS.dave].sort());
    expect(applied.find((e) => e.subject.principalId === USERS.dave)?.data).toMatchObject({ decision: 'Deny', applyResult: 'AppliedSuccessfully' });
    expect(published.some((e) => e.type === 'eligibility.removed' && e.subject.principalId === USERS.dave && e.request?.justification?.includes('Helpdesk quarterly review'))).toBe(true);

    // A quarter on, the recurrence starts the next instance.
    await app.later(92 * DAY, () => app.runAccessReviews());
    const next = await instancesOf(id);
    expect(next).toHaveLength(2);
    expect(next.map((i) => i.status).sort()).toEqual(['Completed', 'InProgress']);
    const second = next.find((i) => i.status === 'InProgress');
    expect(Date.parse(second?.startDateTime ?? '') - Date.parse(instance.startDateTime)).toBeGreaterThan(88 * DAY);
    expect((await decisionsOf('admin', id, second?.id ?? '')).map((d) => d.principal.id).sort()).toEqual([USERS.alice, USERS.bob].sort());
  });

  it('lets people review their own access in a self-review, and managers review their reports', async () => {
    const role = ROLES.security;
    await makeEligible(USERS.bob, role);
    await makeEligible(USERS.erin, role);
    const self = await createReview({ displayName: 'Security self-review', scope: { query: eligibleUsersOf(role), queryType: 'MicrosoftGraph' }, reviewers: [], settings: { mailNotificationsEnabled: true } });
    const byManager = await createReview({
      displayName: 'Security manager review',
      scope: { query: eligibleUsersOf(role), queryType: 'MicrosoftGraph' },
      reviewers: [{ query: './manager', queryType: 'MicrosoftGraph', queryRoot: 'decisions' }],
      fallbackReviewers: [user(USERS.admin)],
    });
    await app.runAccessReviews();
    const [selfInstance] = await instancesOf(self);
    const [bobsItem] = await decisionsOf('bob', self, selfInstance?.id ?? '', true);
    expect(bobsItem?.principal.id).toBe(USERS.bob);
    expect((await decide('bob', self, selfInstance?.id ?? '', bobsItem?.id ?? '', 'Approve', 'Still on call')).status).toBe(204);
    expect((await decide('carol', self, selfInstance?.id ?? '', bobsItem?.id ?? '', 'Deny', 'no')).status).toBe(404);
    await eventually(async () => (await app.mailTo('bob@contoso.test')).find((m) => m.subject === 'Review access to Security Administrator: Security self-review'));
    const mine = await app.api('bob', 'GET', `${REVIEWS}/filterByCurrentUser(on='reviewer')`);
    expect((mine.body.value as Array<{ id: string }>).map((d) => d.id)).toContain(self);

    // Bob's manager is Carol (the demo directory): she reviews him.
    const [managerInstance] = await instancesOf(byManager);
    const carols = await decisionsOf('carol', byManager, managerInstance?.id ?? '', true);
    expect(carols.map((d) => d.principal.id)).toEqual([USERS.bob]);
    expect(await decisionsOf('bob', byManager, managerInstance?.id ?? '', true)).toEqual([]);
    // Erin has no manager: the fallback reviewer reviews her.
    expect((await decisionsOf('admin', byManager, managerInstance?.id ?? '', true)).map((d) => d.principal.id)).toEqual([USERS.erin]);
  });

  it('has the owners of a PIM group review its members; a denial removes the eligible membership', async () => {
    const GROUP_BASE = '/v1.0/identityGovernance/privilegedAccess/group';
    for (const principalId of [USERS.alice, USERS.bob]) {
      const res = await app.api('admin', 'POST', `${GROUP_BASE}/eligibilityScheduleRequests`, {
        accessId: 'member', principalId, groupId: FINANCE, action: 'adminAssign', justification: 'finance rota',
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P90D' } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const id = await createReview({
      displayName: 'Finance approvers membership',
      scope: { query: `/groups/${FINANCE}/transitiveMembers`, queryType: 'MicrosoftGraph' },
      reviewers: [{ query: `/groups/${FINANCE}/owners`, queryType: 'MicrosoftGraph' }],
      fallbackReviewers: [user(USERS.admin)],
      settings: { autoApplyDecisionsEnabled: true },
    });
    await app.runAccessReviews();
    const [instance] = await instancesOf(id);
    const carols = await decisionsOf('carol', id, instance?.id ?? '', true);
    expect(carols.map((d) => d.principal.id).sort()).toEqual([USERS.alice, USERS.bob].sort());
    const alices = carols.find((d) => d.principal.id === USERS.alice);
    expect(alices?.resource).toMatchObject({ id: FINANCE, type: 'group' });
    expect((await decide('carol', id, instance?.id ?? '', alices?.id ?? '', 'Deny', 'Left finance')).status).toBe(204);
    expect((await audits('Deny decision')).some((a) => a.category === 'Policy' && a.targetResources.some((t) => t.id === USERS.alice))).toBe(true);
    expect((await app.api('admin', 'POST', `${REVIEWS}/${id}/instances/${instance?.id}/stop`)).status).toBe(204);
    const after = await app.api('admin', 'GET', `${GROUP_BASE}/eligibilityScheduleInstances?$filter=groupId eq '${FINANCE}'`);
    const members = (after.body.value as Array<{ principalId: string; accessId: string }>).filter((e) => e.accessId === 'member').map((e) => e.principalId);
    expect(members).toContain(USERS.bob);
    expect(members).not.toContain(USERS.alice);
    expect((await decisionsOf('admin', id, instance?.id ?? '')).find((d) => d.principal.id === USERS.alice)).toMatchObject({ applyResult: 'AppliedSuccessfully', appliedBy: { id: USERS.admin } });
  });

  it('ends two reviewers deciding one item at once with one of them, whole', async () => {
    const role = ROLES.exchange;
    await makeEligible(USERS.dave, role);
    const id = await createReview({
      displayName: 'Exchange review',
      scope: { query: eligibleUsersOf(role), queryType: 'MicrosoftGraph' },
      reviewers: [{ query: `/groups/${APPROVERS}/transitiveMembers`, queryType: 'MicrosoftGraph' }],
    });
    await app.runAccessReviews();
    const [instance] = await instancesOf(id);
    const [item] = await decisionsOf('admin', id, instance?.id ?? '');
    const [bobs, carols] = await Promise.all([
      decide('bob', id, instance?.id ?? '', item?.id ?? '', 'Approve', 'bob says keep'),
      decide('carol', id, instance?.id ?? '', item?.id ?? '', 'Deny', 'carol says remove'),
    ]);
    expect([bobs.status, carols.status]).toEqual([204, 204]);
    const [final] = await decisionsOf('admin', id, instance?.id ?? '');
    const outcome = final?.reviewedBy.id === USERS.bob ? { decision: 'Approve', justification: 'bob says keep' } : { decision: 'Deny', justification: 'carol says remove' };
    expect([USERS.bob, USERS.carol]).toContain(final?.reviewedBy.id);
    expect(final).toMatchObject(outcome);
  });

  it('reviews Azure role eligibilities at a scope (the ARM extension scope); a denial removes them', async () => {
    const [tree] = await demoSubscriptions(process.env.PIM_ARM_BASE_URL ?? '');
    const roleDefinitionId = `${tree.sub}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_ROLE.reader}`;
    await makeAzureEligible(app, tree.rg, USERS.carol, roleDefinitionId);
    const id = await createReview({
      displayName: 'Readers of the subscription',
      scope: { query: `${tree.sub}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '${roleDefinitionId}'`, queryType: 'AzureResourceManager' },
      reviewers: [user(USERS.bob)],
      settings: { autoApplyDecisionsEnabled: true },
    });
    await app.runAccessReviews();
    const [instance] = await instancesOf(id);
    const [item, ...rest] = await decisionsOf('bob', id, instance?.id ?? '', true);
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ principal: { id: USERS.carol }, resource: { id: AZURE_ROLE.reader, type: 'azureRole', displayName: 'Reader' } });
    expect((await decide('bob', id, instance?.id ?? '', item?.id ?? '', 'Deny', 'No longer on the project')).status).toBe(204);
    expect((await app.api('admin', 'POST', `${REVIEWS}/${id}/instances/${instance?.id}/stop`)).status).toBe(204);
    const listed = await armAs(app, 'admin', 'GET', `${tree.rg}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01`);
    expect(listed.status).toBe(200);
    const holders = (listed.body.value as Array<{ properties: { principalId: string; roleDefinitionId: string } }>).filter((e) => e.properties.roleDefinitionId.toLowerCase().endsWith(AZURE_ROLE.reader));
    expect(holders.map((e) => e.properties.principalId)).not.toContain(USERS.carol);
  });

  it('batch-records, pages decisions with $top and $skip, asks a justification to approve where required, and reminds on demand', async () => {
    const role = ROLES.userAdmin;
    for (const id of [USERS.alice, USERS.bob, USERS.dave]) await makeEligible(id, role);
    const id = await createReview({
      displayName: 'User admins',
      scope: { query: eligibleUsersOf(role), queryType: 'MicrosoftGraph' },
      reviewers: [user(USERS.carol)],
      settings: { justificationRequiredOnApproval: true },
    });
    await app.runAccessReviews();
    const [instance] = await instancesOf(id);
    const path = `${REVIEWS}/${id}/instances/${instance?.id}`;
    const first = await app.api('carol', 'GET', `${path}/decisions/filterByCurrentUser(on='reviewer')?$top=2`);
    expect((first.body.value as unknown[]).length).toBe(2);
    const next = new URL(String(first.body['@odata.nextLink']));
    expect(next.searchParams.get('$skip')).toBe('2');
    const second = await app.api('carol', 'GET', `${next.pathname}${next.search}`);
    expect((second.body.value as unknown[]).length).toBe(1);
    expect(second.body['@odata.nextLink']).toBeUndefined();

    const unjustified = await app.api('carol', 'POST', `${path}/batchRecordDecisions`, { decision: 'Approve' });
    expect(unjustified.status).toBe(400);
    expect(unjustified.body.error?.code).toBe('JustificationRequired');
    expect((await app.api('carol', 'POST', `${path}/batchRecordDecisions`, { decision: 'Approve', justification: 'All on the team', principalId: USERS.bob })).status).toBe(204);
    const items = await decisionsOf('admin', id, instance?.id ?? '');
    expect(items.filter((d) => d.decision === 'Approve').map((d) => d.principal.id)).toEqual([USERS.bob]);
    expect((await app.api('carol', 'POST', `${path}/resetDecisions`)).status).toBe(403);
    expect((await app.api('admin', 'POST', `${path}/resetDecisions`)).status).toBe(204);
    expect((await decisionsOf('admin', id, instance?.id ?? '')).map((d) => [d.decision, d.justification, d.reviewedBy.id])).toEqual(items.map(() => ['NotReviewed', '', '00000000-0000-0000-0000-000000000000']));

    const before = (await app.mailTo('carol@contoso.test')).filter((m) => m.subject.startsWith('Reminder: review access to User Administrator')).length;
    expect((await app.api('alice', 'POST', `${path}/sendReminder`)).status).toBe(403);
    expect((await app.api('admin', 'POST', `${path}/sendReminder`)).status).toBe(204);
    await eventually(async () => ((await app.mailTo('carol@contoso.test')).filter((m) => m.subject.startsWith('Reminder: review access to User Administrator')).length > before ? true : undefined));
  });

  it('starts only the current occurrence of a review whose first start is weeks in the past', async () => {
    const role = ROLES.globalReader;
    await makeEligible(USERS.bob, role);
    const threeWeeksAgo = new Date(Date.now() - 21 * DAY).toISOString().slice(0, 10);
    const id = await createReview({
      displayName: 'Weekly readers',
      scope: { query: eligibleUsersOf(role), queryType: 'MicrosoftGraph' },
      reviewers: [user(USERS.carol)],
      settings: { instanceDurationInDays: 3, recurrence: { pattern: { type: 'weekly', interval: 1 }, range: { type: 'noEnd', startDate: threeWeeksAgo } } },
    });
    await app.runAccessReviews();
    await app.runAccessReviews();
    const instances = await instancesOf(id);
    expect(instances).toHaveLength(1);
    expect(Date.now() - Date.parse(instances[0]?.startDateTime ?? '')).toBeLessThan(7 * DAY);
    await app.later(7 * DAY, () => app.runAccessReviews());
    expect((await instancesOf(id)).map((i) => i.status).sort()).toEqual(['Completed', 'InProgress']);
  });

  it('moves a review not yet started when its recurrence changes; reviewers accept recommendations; admins see who was contacted', async () => {
    const role = ROLES.appAdmin;
    await makeEligible(USERS.dave, role);
    const inAMonth = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
    const id = await createReview({
      displayName: 'App admins',
      scope: { query: eligibleUsersOf(role), queryType: 'MicrosoftGraph' },
      reviewers: [user(USERS.carol)],
      settings: { recurrence: { pattern: { type: 'absoluteMonthly', interval: 6 }, range: { type: 'numbered', numberOfOccurrences: 2, startDate: inAMonth } } },
    });
    await app.runAccessReviews();
    expect(await instancesOf(id)).toEqual([]);
    expect((await app.api('alice', 'PATCH', `${REVIEWS}/${id}`, { displayName: 'Mine now' })).status).toBe(403);
    const changed = await app.api('admin', 'PATCH', `${REVIEWS}/${id}`, {
      displayName: 'App admins (semi-annual)',
      settings: { recurrence: { pattern: { type: 'absoluteMonthly', interval: 6 }, range: { type: 'numbered', numberOfOccurrences: 2, startDate: today() } } },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(204);
    expect((await app.api('admin', 'GET', `${REVIEWS}/${id}`)).body).toMatchObject({ displayName: 'App admins (semi-annual)', settings: { recurrence: { range: { type: 'numbered', numberOfOccurrences: 2, startDate: today() } } } });
    await app.runAccessReviews();
    const [instance] = await instancesOf(id);
    expect(instance?.status).toBe('InProgress');
    const path = `${REVIEWS}/${id}/instances/${instance?.id}`;
    expect((await app.api('carol', 'POST', `${path}/acceptRecommendations`)).status).toBe(204);
    const [item] = await decisionsOf('admin', id, instance?.id ?? '');
    expect(item).toMatchObject({ decision: 'Deny', justification: 'Accepted the recommendation (Not activated in the last 30 days).', reviewedBy: { id: USERS.carol } });
    const contacted = await app.api('admin', 'GET', `${path}/contactedReviewers`);
    expect((contacted.body.value as Array<{ id: string; displayName: string }>).map((r) => r.displayName)).toEqual(['Carol Chen']);
    // The old date's start finds the review started already: still one instance, and the second of two comes six months on.
    await app.later(31 * DAY, () => app.runAccessReviews());
    expect(await instancesOf(id)).toHaveLength(1);
    await app.later(190 * DAY, () => app.runAccessReviews());
    await app.later(400 * DAY, () => app.runAccessReviews());
    expect(await instancesOf(id)).toHaveLength(2);
    expect((await app.api('admin', 'GET', `${REVIEWS}/${id}`)).body.status).toBe('Completed');
    expect((await app.api('admin', 'DELETE', `${REVIEWS}/${id}`)).status).toBe(204);
    expect((await app.api('admin', 'GET', `${REVIEWS}/${id}`)).status).toBe(404);
  });

  it('answers bad definitions with Graph errors and creates nothing', async () => {
    const before = ((await app.api('admin', 'GET', REVIEWS)).body.value as unknown[]).length;
    const base = { displayName: 'Bad', scope: { query: eligibleUsersOf(ROLES.helpdesk), queryType: 'MicrosoftGraph' }, reviewers: [user(USERS.carol)] };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, scope: { query: '/users', queryType: 'MicrosoftGraph' } }, 'InvalidScope'],
      [{ ...base, settings: { recurrence: { pattern: { type: 'weekly', interval: 1 }, range: { type: 'noEnd' } } } }, 'InvalidRecurrence'],
      [{ ...base, reviewers: [user('00000000-1111-2222-3333-444444444444')] }, 'InvalidReviewers'],
      [{ ...base, settings: { instanceDurationInDays: 30, recurrence: { pattern: { type: 'weekly', interval: 1 }, range: { type: 'noEnd', startDate: today() } } } }, 'InvalidSettings'],
    ];
    for (const [body, code] of cases) {
      const res = await app.api('admin', 'POST', REVIEWS, body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error?.code).toBe(code);
      expect(res.body.error?.message.length).toBeGreaterThan(20);
    }
    const notAdmin = await app.api('alice', 'POST', REVIEWS, base);
    expect(notAdmin.status).toBe(403);
    expect(((await app.api('admin', 'GET', REVIEWS)).body.value as unknown[]).length).toBe(before);
    expect((await app.api('alice', 'GET', REVIEWS)).status).toBe(403);
    expect((await app.api('erin', 'GET', REVIEWS)).status).toBe(200);
  });

  it('answers any JSON body and any id with a 4xx, never a 5xx, and stores nothing', async () => {
    const before = ((await app.api('admin', 'GET', REVIEWS)).body.value as unknown[]).length;
    const fields = fc.record(
      { displayName: fc.jsonValue(), scope: fc.jsonValue(), reviewers: fc.jsonValue(), fallbackReviewers: fc.jsonValue(), settings: fc.oneof(fc.jsonValue(), fc.record({ recurrence: fc.jsonValue(), defaultDecision: fc.jsonValue(), instanceDurationInDays: fc.jsonValue() })) },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fields), async (body) => {
        const res = await app.api('admin', 'POST', REVIEWS, body);
        expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
        expect(res.status, JSON.stringify(body)).toBeLessThan(500);
        expect(typeof res.body.error?.code).toBe('string');
      }),
      { numRuns: 40 },
    );
    for (const idText of ['nope', '..', '%2e%2e', 'a%2Fb', 'x'.repeat(600), '00000000-0000-0000-0000-000000000000']) {
      for (const path of [`${REVIEWS}/${idText}`, `${REVIEWS}/${idText}/instances`, `${REVIEWS}/${idText}/instances/${idText}/decisions`]) {
        const res = await app.api('admin', 'GET', path);
        expect(res.status, path).toBeGreaterThanOrEqual(400);
        expect(res.status, path).toBeLessThan(500);
      }
      const patched = await app.api('carol', 'PATCH', `${REVIEWS}/${idText}/instances/${idText}/decisions/${idText}`, { decision: 'Approve', justification: 'x' });
      expect(patched.status).toBeGreaterThanOrEqual(400);
      expect(patched.status).toBeLessThan(500);
    }
    expect(((await app.api('admin', 'GET', REVIEWS)).body.value as unknown[]).length).toBe(before);
  });
});
