import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevHost } from '../../devhost/core/host';
import { GraphStandInExtension } from '../../devhost/graph';
import { graphDirectory } from '../../shared/adapters/graph/graphDirectory';
import { groupAccess } from '../../shared/adapters/graph/groupAccess';
import type { GroupTarget } from '../../shared/domain/target';
import type { AccessTarget } from '../../shared/ports/access';
import type { Directory } from '../../shared/ports/directory';
import { startTestHost } from '../devhost/helpers';

// Ids from devhost/graph/demo-directory.json.
const ADMIN = '68b8c788-ea3d-4078-bed2-32c351393298';
const ALICE = '73b0040d-6875-43f0-b197-2aeff3c6b91d';
const BOB = '375306f3-8c15-476d-9f9d-01dc542d1672';
const CAROL = 'fda5ae5d-95e1-4872-a3b8-5f9f31d5cdba';
const DAVE = '599705de-ec4f-4030-ab09-7fe0b43f0aaa';
const PIM_APPROVERS = 'a5135109-50e1-4961-8b3f-f3cf6aa1e9ec';
const DB_OWNERS = 'a261738d-44fa-4fe5-b885-502ea33c4838';
const TIER0 = '644b5d40-a975-49d2-a70c-1851c610615b';
const FINANCE = 'e402c219-ba44-4a70-ae14-8d119b0f39d9';
const ALL_STAFF = '1dfcae07-02f1-450c-b1ff-32c5e3eb58cf';
const SALES = 'c7a4e29e-2866-47b8-bacc-cc19f239259e';
const READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const NOBODY = '00000000-0000-0000-0000-0000000000a1';

let host: DevHost;
let directory: Directory;
let access: AccessTarget;

beforeAll(async () => {
  host = await startTestHost([new GraphStandInExtension()]);
  directory = graphDirectory({ baseUrl: `${host.url}/.devhost/graph`, getToken: async () => 'devhost', retry: { delaySeconds: 0, maxRetries: 3 } });
  access = groupAccess(directory);
});

afterAll(async () => {
  await host?.stop();
});

const inject = (fault: Record<string, unknown>) => fetch(`${host.url}/.devhost/graph/faults`, { method: 'POST', body: JSON.stringify(fault) });
const faultState = async () => (await (await fetch(`${host.url}/.devhost/graph/faults`)).json()) as { pending: unknown[]; injected: number };
const sorted = (ids: string[]) => [...ids].sort();
const group = (groupId: string, accessId: GroupTarget['accessId']): GroupTarget => ({ kind: 'group', groupId, accessId });

describe('groups in the Graph directory adapter, against the Graph stand-in', () => {
  it('reads a group as PIM for Groups needs it: role-assignable, dynamic, synced; nothing for a user or an unknown id', async () => {
    expect(await directory.getGroup(TIER0)).toEqual({ id: TIER0, displayName: 'Tier 0 Operators', isAssignableToRole: true, isDynamic: false, onPremisesSyncEnabled: false });
    expect(await directory.getGroup(FINANCE)).toMatchObject({ isAssignableToRole: false, isDynamic: false, onPremisesSyncEnabled: false });
    expect(await directory.getGroup(ALL_STAFF)).toMatchObject({ isDynamic: true, onPremisesSyncEnabled: false });
    expect(await directory.getGroup(SALES)).toMatchObject({ isDynamic: false, onPremisesSyncEnabled: true });
    expect(await directory.getGroup(ALICE)).toBeUndefined();
    expect(await directory.getGroup(NOBODY)).toBeUndefined();
    expect(await directory.getGroup('../users')).toBeUndefined();
  });

  it('adds and removes a member idempotently: the second add is not created, removing what is gone succeeds', async () => {
    expect(await directory.addToGroup(FINANCE, 'member', ALICE)).toEqual({ created: true });
    expect(await directory.addToGroup(FINANCE, 'member', ALICE)).toEqual({ created: false });
    expect(sorted(await directory.listGroupRelation(FINANCE, 'member'))).toEqual(sorted([DAVE, ALICE]));

    await directory.removeFromGroup(FINANCE, 'member', ALICE);
    await directory.removeFromGroup(FINANCE, 'member', ALICE);
    expect(await directory.listGroupRelation(FINANCE, 'member')).toEqual([DAVE]);
  });

  it('adds and removes owners, and refuses to remove the last one', async () => {
    expect(await directory.addToGroup(TIER0, 'owner', BOB)).toEqual({ created: true });
    expect(sorted(await directory.listGroupRelation(TIER0, 'owner'))).toEqual(sorted([ADMIN, BOB]));
    expect(await directory.listGroupRelation(TIER0, 'member')).toEqual([]);

    await directory.removeFromGroup(TIER0, 'owner', BOB);
    await expect(directory.removeFromGroup(TIER0, 'owner', ADMIN)).rejects.toThrow(/at least one owner/);
    expect(await directory.listGroupRelation(TIER0, 'owner')).toEqual([ADMIN]);
  });

  it("tells a principal's direct memberships and ownerships apart", async () => {
    expect(sorted((await directory.relationsOf(CAROL)).map((r) => `${r.groupId}|${r.relation}`))).toEqual(
      sorted([`${PIM_APPROVERS}|member`, `${DB_OWNERS}|member`, `${ALL_STAFF}|member`, `${DB_OWNERS}|owner`, `${FINANCE}|owner`]),
    );
    // A group principal: its memberships through /groups, and no ownerships (groups own nothing).
    expect(await directory.relationsOf(DB_OWNERS)).toEqual([]);
    expect(await directory.relationsOf(NOBODY)).toEqual([]);
  });

  it('follows nesting: a member group brings its members into the outer group, transitively only', async () => {
    expect(await directory.addToGroup(FINANCE, 'member', DB_OWNERS)).toEqual({ created: true });
    try {
      expect(await directory.groupsOf(CAROL)).toContain(FINANCE);
      expect(await directory.groupsOf(DB_OWNERS)).toEqual([FINANCE]);
      expect((await directory.relationsOf(CAROL)).some((r) => r.groupId === FINANCE && r.relation === 'member')).toBe(false);
      expect((await directory.relationsOf(DB_OWNERS)).map((r) => r.groupId)).toEqual([FINANCE]);
      // Users only, each once (Dave is in both groups), without the nested group itself.
      expect(sorted(await directory.groupMemberIds(FINANCE))).toEqual(sorted([DAVE, CAROL]));
    } finally {
      await directory.removeFromGroup(FINANCE, 'member', DB_OWNERS);
    }
    expect(await directory.groupsOf(CAROL)).not.toContain(FINANCE);
    expect(await directory.groupsOf(NOBODY)).toEqual([]);
  });

  it('surfaces what Graph refuses: nesting into a role-assignable group, dynamic and synced membership, unknown objects', async () => {
    await expect(directory.addToGroup(TIER0, 'member', DB_OWNERS)).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/Nesting/) });
    await expect(directory.addToGroup(ALL_STAFF, 'member', DB_OWNERS)).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/dynamic/) });
    await expect(directory.removeFromGroup(ALL_STAFF, 'member', ALICE)).rejects.toMatchObject({ statusCode: 400 });
    await expect(directory.addToGroup(SALES, 'member', BOB)).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/on-premises/) });
    await expect(directory.addToGroup(NOBODY, 'member', BOB)).rejects.toThrow(/does not exist/);
    await expect(directory.addToGroup(FINANCE, 'member', NOBODY)).rejects.toThrow(/does not exist/);
    expect(sorted(await directory.listGroupRelation(ALL_STAFF, 'member'))).toContain(ALICE);
    expect(await directory.listGroupRelation(SALES, 'member')).not.toContain(BOB);
  });

  it('counts a membership that landed while its answer failed as made by this call', async () => {
    // The stand-in holds the adapter's POST (found by the lower-case id) while the same
    // reference is added another way; the adapter's POST then meets "already exist".
    await inject({ status: 0, latencyMs: 1_000, count: 1, method: 'POST', pathContains: `/groups/${FINANCE}/members/$ref` });
    const adding = directory.addToGroup(FINANCE, 'member', BOB);
    const deadline = Date.now() + 10_000;
    while ((await faultState()).pending.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const direct = await fetch(`${host.url}/.devhost/graph/v1.0/groups/${FINANCE.toUpperCase()}/members/$ref`, {
      method: 'POST',
      body: JSON.stringify({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${BOB}` }),
    });
    expect(direct.status).toBe(204);
    expect(await adding).toEqual({ created: true });
    await directory.removeFromGroup(FINANCE, 'member', BOB);
  });

  it('retries an injected 503 on a group write and on a listing', async () => {
    const before = (await faultState()).injected;
    await inject({ status: 503, count: 1, retryAfterSeconds: 0, method: 'POST', pathContains: '/owners/$ref' });
    await inject({ status: 503, count: 1, retryAfterSeconds: 0, method: 'GET', pathContains: `/groups/${PIM_APPROVERS}/members` });
    expect(await directory.addToGroup(PIM_APPROVERS, 'owner', ALICE)).toEqual({ created: true });
    expect(sorted(await directory.listGroupRelation(PIM_APPROVERS, 'member'))).toEqual(sorted([BOB, CAROL]));
    expect((await faultState()).injected - before).toBe(2);
    await directory.removeFromGroup(PIM_APPROVERS, 'owner', ALICE);
    expect(await directory.listGroupRelation(PIM_APPROVERS, 'owner')).toEqual([ADMIN]);
  });

  it('assigns a directory role to a role-assignable group only', async () => {
    await expect(directory.grantRole(FINANCE, READER, '/')).rejects.toMatchObject({ statusCode: 400, message: expect.stringMatching(/IsAssignableToRole/) });
    const made = await directory.grantRole(TIER0, READER, '/');
    expect(made).toMatchObject({ principalId: TIER0, roleDefinitionId: READER, created: true });
    await directory.revokeRole(TIER0, READER, '/');
    expect(await directory.listRoleAssignments({ principalId: TIER0 })).toEqual([]);
  });
});

describe('the group access target', () => {
  const financeMember = group(FINANCE, 'member');
  const financeOwner = group(FINANCE, 'owner');

  it('grants membership idempotently, with a stable id, and revokes it', async () => {
    const first = await access.grant(CAROL, financeMember);
    expect(first).toEqual({ id: `${FINANCE}_member_${CAROL}`, principalId: CAROL, target: financeMember, created: true });
    expect(await access.grant(CAROL, financeMember)).toEqual({ ...first, created: false });
    expect(await directory.listGroupRelation(FINANCE, 'member')).toContain(CAROL);

    await access.revoke(CAROL, financeMember);
    await access.revoke(CAROL, financeMember);
    expect(await directory.listGroupRelation(FINANCE, 'member')).not.toContain(CAROL);
  });

  it("lists grants per principal, per group (each group read once), and both; refuses to list them all", async () => {
    await access.grant(ALICE, financeMember);
    try {
      const byPrincipal = await access.listGrants({ principalId: ALICE });
      expect(byPrincipal).toContainEqual({ id: `${FINANCE}_member_${ALICE}`, principalId: ALICE, target: financeMember });
      expect(byPrincipal.map((g) => g.target)).toContainEqual(group(ALL_STAFF, 'member'));
      expect(byPrincipal.every((g) => g.principalId === ALICE)).toBe(true);

      const byGroup = await access.listGrants({ targets: [financeMember, financeOwner, { ...financeMember }] });
      expect(sorted(byGroup.map((g) => g.id))).toEqual(sorted([`${FINANCE}_member_${DAVE}`, `${FINANCE}_member_${ALICE}`, `${FINANCE}_owner_${CAROL}`]));

      expect(await access.listGrants({ principalId: CAROL, targets: [financeOwner, financeMember] })).toEqual([
        { id: `${FINANCE}_owner_${CAROL}`, principalId: CAROL, target: financeOwner },
      ]);
      await expect(access.listGrants()).rejects.toThrow(/per principal or per group/);
      await expect(access.listGrants({})).rejects.toThrow(/per principal or per group/);
    } finally {
      await access.revoke(ALICE, financeMember);
    }
  });

  it('refuses targets of another kind', async () => {
    const role = { kind: 'directoryRole' as const, roleDefinitionId: READER, directoryScopeId: '/' };
    await expect(access.grant(ALICE, role)).rejects.toMatchObject({ code: 'TargetKindNotSupported' });
    await expect(access.listGrants({ targets: [role] })).rejects.toMatchObject({ code: 'TargetKindNotSupported' });
  });
});
