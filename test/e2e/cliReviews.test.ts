import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHost, startAppHost } from './appHost';
import { type Run, runPim, signedInProfile } from './cliRunner';
import { ROLES, USERS } from './demo';

const REVIEWS = '/v1.0/identityGovernance/accessReviews';

let app: AppHost;
let bob: string;
let definitionId: string;
let instanceId: string;

const pim = (configDir: string, args: string[]): Promise<Run> => runPim(app.url, configDir, args);

const signedIn = (user: string): Promise<string> => signedInProfile(app.url, [user]);

interface Item {
  id: string;
  decision: string;
  justification: string;
  principal: { id: string; displayName: string };
}

const decisions = async () => (await app.api('admin', 'GET', `${REVIEWS}/definitions/${definitionId}/instances/${instanceId}/decisions`)).body.value as Item[];
const itemOf = async (principalId: string) => (await decisions()).find((d) => d.principal.id === principalId);

beforeAll(async () => {
  app = await startAppHost();
  for (const principalId of [USERS.alice, USERS.carol]) {
    const res = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      action: 'adminAssign', principalId, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const created = await app.api('admin', 'POST', `${REVIEWS}/definitions`, {
    displayName: 'Helpdesk review',
    scope: { '@odata.type': '#microsoft.graph.accessReviewQueryScope', queryType: 'MicrosoftGraph', query: `/roleManagement/directory/roleDefinitions/${ROLES.helpdesk}` },
    reviewers: [{ query: `/users/${USERS.bob}`, queryType: 'MicrosoftGraph' }],
    settings: { instanceDurationInDays: 7, recommendationsEnabled: true, justificationRequiredOnApproval: true, recurrence: null },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  definitionId = String(created.body.id);
  await app.runAccessReviews();
  const instances = (await app.api('admin', 'GET', `${REVIEWS}/definitions/${definitionId}/instances`)).body.value as Array<{ id: string }>;
  instanceId = instances[0]?.id ?? '';
  bob = await signedIn('bob');
}, 120_000);

afterAll(async () => {
  await app?.host.stop();
});

describe('pim reviews and pim review decide', () => {
  it('lists the reviewer\'s open review with the items left, and says so to someone with none', async () => {
    const text = await pim(bob, ['reviews']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Helpdesk review (definition ${definitionId}, instance ${instanceId})`);
    expect(text.stdout).toMatch(/Alice Anders\s+Helpdesk Administrator\s+Deny \(Not activated in the last 30 days\)\s+never\s+NotReviewed/);
    expect(text.stdout).toContain('Carol Chen');

    const json = await pim(bob, ['reviews', '--json']);
    const reviews = JSON.parse(json.stdout) as Array<{ definitionId: string; instanceId: string; items: Item[] }>;
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.items.map((i) => i.principal.displayName).sort()).toEqual(['Alice Anders', 'Carol Chen']);

    const none = await pim(await signedIn('dave'), ['reviews']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout.trim()).toBe('You have no access reviews in progress.');
  }, 60_000);

  it('decides one item by its id; it leaves the list of items left and shows with --all', async () => {
    const alice = await itemOf(USERS.alice);
    const res = await pim(bob, ['review', 'decide', alice?.id ?? '', '--decision', 'approve', '--justification', 'Still on the help desk']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Recorded Approve for Alice Anders – Helpdesk Administrator in Helpdesk review.');
    expect(await itemOf(USERS.alice)).toMatchObject({ decision: 'Approve', justification: 'Still on the help desk' });

    const left = await pim(bob, ['reviews']);
    expect(left.stdout).not.toContain('Alice Anders');
    expect(left.stdout).toContain('Carol Chen');
    const all = await pim(bob, ['reviews', '--all']);
    expect(all.stdout).toMatch(/Alice Anders.*Approve/);
  }, 60_000);

  it('decides every item of an instance with --all', async () => {
    const res = await pim(bob, ['review', 'decide', '--all', '--definition', definitionId, '--instance', instanceId, '--decision', 'deny', '--justification', 'Team disbanded']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Recorded Deny for all 2 items you review in Helpdesk review.');
    expect(await itemOf(USERS.carol)).toMatchObject({ decision: 'Deny', justification: 'Team disbanded' });
    expect((await pim(bob, ['reviews'])).stdout).toContain('(nothing left to decide)');
  }, 60_000);

  it('refuses a bad decision word, a missing id and an item that is not the caller\'s, changing nothing', async () => {
    const before = await decisions();
    const word = await pim(bob, ['review', 'decide', before[0]?.id ?? '', '--decision', 'maybe']);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('Give --decision approve, deny or dontknow.');
    const noId = await pim(bob, ['review', 'decide', '--decision', 'deny']);
    expect(noId.code).toBe(2);
    const notYours = await pim(await signedIn('carol'), ['review', 'decide', before[0]?.id ?? '', '--decision', 'approve', '--justification', 'Mine']);
    expect(notYours.code).toBe(1);
    expect(notYours.stderr).toMatch(/is yours to decide/);
    expect(await decisions()).toEqual(before);
  }, 60_000);
});
