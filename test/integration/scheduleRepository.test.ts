import { describe, expect, it } from 'vitest';
import { tableScheduleRepository } from '../../shared/adapters/tables/scheduleRepository';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { testStorage, uniquePrefix } from '../devhost/helpers';
import { request, schedule, slot } from './fixtures';

describe('schedule repository on Azurite', () => {
  it('lets exactly one of many concurrent creates claim a slot', async () => {
    const repo = tableScheduleRepository(new TableAccess(testStorage(), uniquePrefix()));
    const attempts = Array.from({ length: 10 }, () => {
      const s = schedule();
      return repo.create(s, request(s.id));
    });
    const results = await Promise.all(attempts);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repo.listSchedules('eligibility')).toHaveLength(1);
    expect(await repo.listRequests('eligibility')).toHaveLength(1);
  });

  it('refuses an update based on a stale version, and frees the slot when a schedule ends', async () => {
    const repo = tableScheduleRepository(new TableAccess(testStorage(), uniquePrefix()));
    const s = schedule();
    await repo.create(s, request(s.id));
    const read = await repo.liveInSlot('eligibility', slot);
    if (!read) throw new Error('no live schedule');
    await repo.update({ ...read.value, status: 'Revoked' }, read.etag, request(s.id));
    await expect(repo.update({ ...read.value, endDateTime: 'x' }, read.etag)).rejects.toMatchObject({ status: 409 });
    expect(await repo.liveInSlot('eligibility', slot)).toBeUndefined();
    const again = schedule();
    expect(await repo.create(again, request(again.id))).toBe(true);
  });
});
