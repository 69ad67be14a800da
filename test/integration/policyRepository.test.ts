import { describe, expect, it } from 'vitest';
import { tablePolicyRepository } from '../../shared/adapters/tables/policyRepository';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { DomainError } from '../../shared/domain/errors';
import { randomUUID } from 'node:crypto';
import { defaultGroupPolicy, defaultPolicy } from '../../shared/domain/policy/defaults';
import { directoryRole, policyScopeOf } from '../../shared/domain/target';
import { testStorage, uniquePrefix } from '../devhost/helpers';

const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const SCOPE = policyScopeOf(directoryRole(ROLE, '/'));
const GROUP = 'A261738D-44fa-4fe5-b885-502ea33c4838';

describe('policy repository on Azurite', () => {
  it('creates once: a second create of the same role reports it exists and changes nothing', async () => {
    const repo = tablePolicyRepository(new TableAccess(testStorage(), uniquePrefix()));
    const policy = defaultPolicy('t', ROLE);
    expect(await repo.create(policy)).toBe(true);
    expect(await repo.create({ ...policy, lastModifiedDateTime: 'changed' })).toBe(false);
    expect((await repo.get(SCOPE))?.value.lastModifiedDateTime).toBeNull();
  });

  it('refuses a write based on a stale read with a 409, keeping the first write', async () => {
    const repo = tablePolicyRepository(new TableAccess(testStorage(), uniquePrefix()));
    await repo.create(defaultPolicy('t', ROLE));
    const read = await repo.get(SCOPE);
    if (!read) throw new Error('policy missing');
    await repo.replace({ ...read.value, lastModifiedDateTime: 'first' }, read.etag);
    const second = repo.replace({ ...read.value, lastModifiedDateTime: 'second' }, read.etag);
    await expect(second).rejects.toBeInstanceOf(DomainError);
    await expect(second).rejects.toMatchObject({ status: 409, code: 'ConcurrentModification' });
    expect((await repo.get(SCOPE))?.value.lastModifiedDateTime).toBe('first');
  });

  it('finds a group\'s policy by its id with point reads, whatever the id\'s case, and a directory role\'s not that way', async () => {
    const repo = tablePolicyRepository(new TableAccess(testStorage(), uniquePrefix()));
    const member = defaultGroupPolicy(GROUP, 'member', randomUUID());
    const owner = defaultGroupPolicy(GROUP, 'owner', randomUUID());
    expect(await repo.create(member)).toBe(true);
    expect(await repo.create(owner)).toBe(true);
    await repo.create(defaultPolicy('t', ROLE));
    expect((await repo.getById(member.id))?.value).toEqual(member);
    expect((await repo.getById(owner.id.toUpperCase()))?.value).toEqual(owner);
    expect((await repo.get(policyScopeOf({ kind: 'group', groupId: GROUP.toLowerCase(), accessId: 'owner' })))?.value.id).toBe(owner.id);
    expect(await repo.getById(`Group_${GROUP}_${randomUUID()}`)).toBeUndefined();
    expect(await repo.getById(defaultPolicy('t', ROLE).id)).toBeUndefined();
    expect(await repo.getById(`Group_${'%/'.repeat(2_000)}`)).toBeUndefined();
    // The id rows beside the policies are no policies.
    expect((await repo.list('group')).map((p) => p.id).sort()).toEqual([member.id, owner.id].sort());
  });

  it('onboards a group access once: of two creates with their own guids, the first wins whole and the second leaves no id behind', async () => {
    const repo = tablePolicyRepository(new TableAccess(testStorage(), uniquePrefix()));
    const first = defaultGroupPolicy(GROUP, 'member', randomUUID());
    const second = defaultGroupPolicy(GROUP, 'member', randomUUID());
    const created = await Promise.all([repo.create(first), repo.create(second)]);
    expect(created.filter(Boolean)).toHaveLength(1);
    const winner = created[0] ? first : second;
    const loser = created[0] ? second : first;
    expect((await repo.get(policyScopeOf({ kind: 'group', groupId: GROUP, accessId: 'member' })))?.value.id).toBe(winner.id);
    expect(await repo.getById(loser.id)).toBeUndefined();
    expect((await repo.getById(winner.id))?.value.id).toBe(winner.id);
  });

  it('replaces a group\'s policy in place, so its id still finds the changed policy', async () => {
    const repo = tablePolicyRepository(new TableAccess(testStorage(), uniquePrefix()));
    const policy = defaultGroupPolicy(GROUP, 'owner', randomUUID());
    await repo.create(policy);
    const read = await repo.getById(policy.id);
    if (!read) throw new Error('policy missing');
    await repo.replace({ ...read.value, lastModifiedDateTime: 'changed' }, read.etag);
    expect((await repo.getById(policy.id))?.value.lastModifiedDateTime).toBe('changed');
    await expect(repo.replace({ ...read.value, lastModifiedDateTime: 'stale' }, read.etag)).rejects.toMatchObject({ status: 409 });
  });
});
