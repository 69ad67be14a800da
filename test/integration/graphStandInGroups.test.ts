import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevHost } from '../../devhost/core/host';
import { Logger } from '../../devhost/core/logger';
import { GraphStandInExtension } from '../../devhost/graph';
import { startTestHost, testStorage, uniquePrefix } from '../devhost/helpers';

// Ids from devhost/graph/demo-directory.json.
const ADMIN = '68b8c788-ea3d-4078-bed2-32c351393298';
const ALICE = '73b0040d-6875-43f0-b197-2aeff3c6b91d';
const CAROL = 'fda5ae5d-95e1-4872-a3b8-5f9f31d5cdba';
const DAVE = '599705de-ec4f-4030-ab09-7fe0b43f0aaa';
const DB_OWNERS = 'a261738d-44fa-4fe5-b885-502ea33c4838';
const TIER0 = '644b5d40-a975-49d2-a70c-1851c610615b';
const FINANCE = 'e402c219-ba44-4a70-ae14-8d119b0f39d9';
const ALL_STAFF = '1dfcae07-02f1-450c-b1ff-32c5e3eb58cf';
const SALES = 'c7a4e29e-2866-47b8-bacc-cc19f239259e';
const NOBODY = '00000000-0000-0000-0000-0000000000a1';

let host: DevHost;
let graph: string;

beforeAll(async () => {
  host = await startTestHost([new GraphStandInExtension()]);
  graph = `${host.url}/.devhost/graph/v1.0`;
});

afterAll(async () => {
  await host?.stop();
});

interface Answer {
  status: number;
  body: Record<string, unknown> & { value?: Array<Record<string, unknown>>; error?: { code: string; message: string } };
}

async function call(method: string, path: string, body?: unknown, base = graph): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
const ids = (a: Answer) => (a.body.value ?? []).map((o) => o.id as string).sort();

describe('the Graph stand-in for groups', () => {
  it('answers a group with the properties PIM for Groups reads, and honours $select', async () => {
    const tier0 = await call('GET', `/groups/${TIER0}`);
    expect(tier0.body).toMatchObject({
      id: TIER0,
      displayName: 'Tier 0 Operators',
      isAssignableToRole: true,
      securityEnabled: true,
      mailEnabled: false,
      groupTypes: [],
      membershipRule: null,
      onPremisesSyncEnabled: null,
    });
    expect((await call('GET', `/groups/${ALL_STAFF}`)).body).toMatchObject({ groupTypes: ['DynamicMembership'], membershipRule: '(user.accountEnabled -eq true)' });
    expect((await call('GET', `/groups/${SALES}`)).body).toMatchObject({ onPremisesSyncEnabled: true });

    const picked = await call('GET', `/groups/${TIER0}?$select=id,isAssignableToRole`);
    expect(Object.keys(picked.body).filter((k) => !k.startsWith('@odata.')).sort()).toEqual(['id', 'isAssignableToRole']);
    expect(ids(await call('GET', '/groups?$select=id'))).toEqual([ALL_STAFF, DB_OWNERS, FINANCE, SALES, TIER0, 'a5135109-50e1-4961-8b3f-f3cf6aa1e9ec'].sort());
    expect((await call('GET', `/groups/${NOBODY}`)).status).toBe(404);
  });

  it('lists members, owners and transitive members, with type casts', async () => {
    expect(ids(await call('GET', `/groups/${FINANCE}/members`))).toEqual([DAVE]);
    expect(ids(await call('GET', `/groups/${FINANCE}/owners`))).toEqual([CAROL]);
    expect((await call('POST', `/groups/${FINANCE}/members/$ref`, ref(DB_OWNERS))).status).toBe(204);
    try {
      const all = await call('GET', `/groups/${FINANCE}/transitiveMembers`);
      expect(ids(all)).toEqual([DAVE, DB_OWNERS, CAROL].sort());
      const users = await call('GET', `/groups/${FINANCE}/transitiveMembers/microsoft.graph.user?$select=id`);
      expect(users.body.value).toEqual(expect.arrayContaining([{ '@odata.type': '#microsoft.graph.user', id: CAROL }]));
      expect(ids(users)).toEqual([DAVE, CAROL].sort());
      expect(ids(await call('GET', `/groups/${FINANCE}/members/microsoft.graph.group`))).toEqual([DB_OWNERS]);
      expect(ids(await call('GET', `/groups/${DB_OWNERS}/memberOf`))).toEqual([FINANCE]);
      expect(ids(await call('GET', `/users/${CAROL}/transitiveMemberOf/microsoft.graph.group`))).toContain(FINANCE);
      expect(ids(await call('GET', `/users/${CAROL}/memberOf`))).not.toContain(FINANCE);
    } finally {
      expect((await call('DELETE', `/groups/${FINANCE}/members/${DB_OWNERS}/$ref`)).status).toBe(204);
    }
    expect(ids(await call('GET', `/users/${CAROL}/ownedObjects/microsoft.graph.group`))).toEqual([DB_OWNERS, FINANCE].sort());
    expect((await call('GET', `/groups/${FINANCE}/transitiveMembers/microsoft.graph.device`)).status).toBe(400);
  });

  it('refuses kind-free memberOf on directoryObjects, as Graph does (the navigation is declared on users and groups)', async () => {
    const answer = await call('GET', `/directoryObjects/${CAROL}/memberOf`);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/segment 'memberOf'/);
    expect((await call('GET', `/directoryObjects/${FINANCE}`)).body).toMatchObject({ '@odata.type': '#microsoft.graph.group', id: FINANCE });
  });

  it("answers $ref writes with Graph's statuses and errors", async () => {
    expect((await call('POST', `/groups/${FINANCE}/members/$ref`, ref(ALICE))).status).toBe(204);
    const again = await call('POST', `/groups/${FINANCE}/members/$ref`, ref(ALICE));
    expect(again).toMatchObject({ status: 400, body: { error: { code: 'Request_BadRequest', message: "One or more added object references already exist for the following modified properties: 'members'." } } });
    expect((await call('DELETE', `/groups/${FINANCE}/members/${ALICE}/$ref`)).status).toBe(204);
    expect((await call('DELETE', `/groups/${FINANCE}/members/${ALICE}/$ref`)).body.error?.code).toBe('Request_ResourceNotFound');

    const owner = await call('POST', `/groups/${FINANCE}/owners/$ref`, ref(CAROL));
    expect(owner.body.error?.message).toMatch(/'owners'/);
    expect((await call('POST', `/groups/${NOBODY}/members/$ref`, ref(ALICE))).status).toBe(404);
    expect((await call('POST', `/groups/${FINANCE}/members/$ref`, ref(NOBODY))).body.error?.code).toBe('Request_ResourceNotFound');
    expect((await call('POST', `/groups/${FINANCE}/members/$ref`, '{not json')).status).toBe(400);
    expect((await call('POST', `/groups/${FINANCE}/members/$ref`, { id: ALICE })).status).toBe(400);
    expect((await call('POST', `/groups/${FINANCE}/members/$ref`, { '@odata.id': 'alice' })).status).toBe(400);
    expect((await call('POST', `/groups/${TIER0}/members/$ref`, ref(DB_OWNERS))).status).toBe(400);
    expect((await call('POST', `/groups/${ALL_STAFF}/members/$ref`, ref(DB_OWNERS))).status).toBe(400);
    expect((await call('POST', `/groups/${SALES}/members/$ref`, ref(CAROL))).status).toBe(400);
    expect((await call('POST', `/groups/${FINANCE}/owners/$ref`, ref(DB_OWNERS))).status).toBe(400);

    const last = await call('DELETE', `/groups/${FINANCE}/owners/${CAROL}/$ref`);
    expect(last).toMatchObject({ status: 400, body: { error: { code: 'Request_BadRequest', message: expect.stringMatching(/at least one owner/) } } });
    expect(ids(await call('GET', `/groups/${FINANCE}/members`))).toEqual([DAVE]);
    expect(ids(await call('GET', `/groups/${FINANCE}/owners`))).toEqual([CAROL]);
  });

  it('applies injected faults to group paths', async () => {
    await fetch(`${host.url}/.devhost/graph/faults`, { method: 'POST', body: JSON.stringify({ status: 503, count: 1, pathContains: '/owners/$ref' }) });
    expect((await call('POST', `/groups/${TIER0}/owners/$ref`, ref(ALICE))).status).toBe(503);
    expect(ids(await call('GET', `/groups/${TIER0}/owners`))).toEqual([ADMIN]);
  });

  it('still serves the demo directory, groups with their owners', async () => {
    const demo = (await (await fetch(`${host.url}/.devhost/directory`)).json()) as { users: unknown[]; groups: Array<{ id: string; owners: string[] }> };
    expect(demo.users).toHaveLength(6);
    expect(demo.groups.find((g) => g.id === TIER0)?.owners).toEqual(['admin']);
  });
});

describe('the Graph stand-in restarted on the same storage', () => {
  it('keeps group changes: a removed seed member stays removed, an added one stays added', async () => {
    const tablePrefix = uniquePrefix('G');
    const start = async () => {
      const h = new DevHost({ port: 0, storageConnectionString: testStorage(), tablePrefix, extensions: [new GraphStandInExtension()], logger: new Logger('error') });
      await h.start();
      return h;
    };
    const first = await start();
    try {
      const base = `${first.url}/.devhost/graph/v1.0`;
      expect((await call('DELETE', `/groups/${FINANCE}/members/${DAVE}/$ref`, undefined, base)).status).toBe(204);
      expect((await call('POST', `/groups/${FINANCE}/members/$ref`, ref(ALICE), base)).status).toBe(204);
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      expect(ids(await call('GET', `/groups/${FINANCE}/members`, undefined, `${second.url}/.devhost/graph/v1.0`))).toEqual([ALICE]);
    } finally {
      await second.stop();
    }
  });
});
