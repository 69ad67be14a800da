import { describe, expect, it } from 'vitest';
import { tablePolicyRepository } from '../../shared/adapters/tables/policyRepository';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { DomainError } from '../../shared/domain/errors';
import { defaultPolicy } from '../../shared/domain/policy/defaults';
import { directoryRole, policyScopeOf } from '../../shared/domain/target';
import { testStorage, uniquePrefix } from '../devhost/helpers';

const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const SCOPE = policyScopeOf(directoryRole(ROLE, '/'));

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
});
