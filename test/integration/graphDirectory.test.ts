import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevHost } from '../../devhost/core/host';
import { GraphStandInExtension } from '../../devhost/graph';
import { graphDirectory } from '../../shared/adapters/graph/graphDirectory';
import type { Directory } from '../../shared/ports/directory';
import { startTestHost } from '../devhost/helpers';

let host: DevHost;
let graph: GraphStandInExtension;
let directory: Directory;
const ALICE = '73b0040d-6875-43f0-b197-2aeff3c6b91d';
const CAROL = 'fda5ae5d-95e1-4872-a3b8-5f9f31d5cdba';
const DAVE = '599705de-ec4f-4030-ab09-7fe0b43f0aaa';
const DB_OWNERS = 'a261738d-44fa-4fe5-b885-502ea33c4838';
const READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';

beforeAll(async () => {
  graph = new GraphStandInExtension();
  host = await startTestHost([graph]);
  directory = graphDirectory({ baseUrl: `${host.url}/.devhost/graph`, getToken: async () => 'devhost', retry: { delaySeconds: 0, maxRetries: 3 } });
});

afterAll(async () => {
  await host?.stop();
});

const inject = (fault: Record<string, unknown>) => fetch(`${host.url}/.devhost/graph/faults`, { method: 'POST', body: JSON.stringify(fault) });

describe('the Graph directory adapter against the Graph stand-in', () => {
  it('grants idempotently: a second grant returns the same assignment', async () => {
    const first = await directory.grantRole(ALICE, READER, '/');
    const second = await directory.grantRole(ALICE, READER, '/');
    expect(second.id).toBe(first.id);
    expect((await directory.listRoleAssignments({ principalId: ALICE })).filter((a) => a.roleDefinitionId === READER)).toHaveLength(1);
  });

  it('revokes idempotently: revoking what is gone succeeds', async () => {
    await directory.grantRole(CAROL, READER, '/');
    await directory.revokeRole(CAROL, READER, '/');
    await directory.revokeRole(CAROL, READER, '/');
    expect(await directory.listRoleAssignments({ principalId: CAROL })).toEqual([]);
  });

  it('retries 429 and 503 answers, honouring Retry-After', async () => {
    await inject({ status: 503, count: 1, retryAfterSeconds: 1, pathContains: 'roleDefinitions' });
    await inject({ status: 429, count: 1, retryAfterSeconds: 0, pathContains: 'roleDefinitions' });
    const started = Date.now();
    const roles = await directory.listRoleDefinitions();
    expect(roles).toHaveLength(9);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('gives up after its retries and reports the error', async () => {
    await inject({ status: 503, count: 10, retryAfterSeconds: 0, pathContains: 'directoryObjects' });
    await expect(directory.getPrincipal(ALICE)).rejects.toMatchObject({ statusCode: 503 });
    await fetch(`${host.url}/.devhost/graph/faults`, { method: 'DELETE' });
  });

  it('looks up users and groups and expands group members', async () => {
    expect(await directory.getPrincipal(ALICE)).toMatchObject({ kind: 'user', userPrincipalName: 'alice@contoso.test' });
    expect(await directory.getPrincipal(DB_OWNERS)).toMatchObject({ kind: 'group', displayName: 'DB Owners' });
    expect(await directory.getPrincipal('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect((await directory.groupMemberIds(DB_OWNERS)).sort()).toEqual([CAROL, DAVE].sort());
    expect(await directory.getRoleDefinition('nope')).toBeUndefined();
  });

  it("reads a user's manager (users/{id}/manager), and none where none is set", async () => {
    expect(await directory.managerOf(ALICE)).toBe(CAROL);
    expect(await directory.managerOf('68b8c788-ea3d-4078-bed2-32c351393298')).toBeUndefined();
    expect(await directory.managerOf('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });
});
