import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { testStorage } from '../devhost/helpers';
import { type AppHost, startAppHost } from './appHost';

let app: AppHost;
const ELIGIBILITY = '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests';
const ROLE = '29232cdf-9323-42fd-ade2-1d097af3e4de';
const DAVE = '599705de-ec4f-4030-ab09-7fe0b43f0aaa';
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const slot = { principalId: DAVE, roleDefinitionId: ROLE, directoryScopeId: '/' };

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

async function post(user: string, json: unknown) {
  const res = await app.call(user, ELIGIBILITY, { method: 'POST', json });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

async function currentEnd(): Promise<string | null | undefined> {
  const res = await app.call('dave', "/v1.0/roleManagement/directory/roleEligibilitySchedules/filterByCurrentUser(on='principal')");
  const body = (await res.json()) as { value: Array<{ roleDefinitionId: string; scheduleInfo: { expiration: { endDateTime: string | null } } }> };
  return body.value.find((s) => s.roleDefinitionId === ROLE)?.scheduleInfo.expiration.endDateTime;
}

describe('changing eligible assignments', () => {
  it('updates, extends only in the last 14 days, and validates without saving when asked', async () => {
    expect((await post('admin', { action: 'adminAssign', ...slot, scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: inDays(60) } } })).status).toBe(201);

    const validation = await post('admin', { action: 'adminUpdate', ...slot, isValidationOnly: true, scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: inDays(100) } } });
    expect(validation.status).toBe(201);
    expect(Date.parse(String(await currentEnd()))).toBeLessThan(Date.parse(inDays(61)));

    const early = await post('admin', { action: 'adminExtend', ...slot, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P90D' } } });
    expect(early.status).toBe(400);
    expect(early.body.error?.message).toMatch(/only in its last 14 days/);

    const updated = await post('admin', { action: 'adminUpdate', ...slot, scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: inDays(10) } } });
    expect(updated.status).toBe(201);
    expect(Date.parse(String(await currentEnd()))).toBeLessThan(Date.parse(inDays(11)));

    const extended = await post('admin', { action: 'adminExtend', ...slot, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P60D' } } });
    expect(extended.status).toBe(201);
    expect(Date.parse(String(await currentEnd()))).toBeGreaterThan(Date.parse(inDays(59)));
  });

  it('renews an expired eligibility, and refuses to renew one still live', async () => {
    const live = await post('admin', { action: 'adminRenew', ...slot, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } });
    expect(live.status).toBe(400);
    expect(live.body.error?.message).toMatch(/use adminExtend/);

    await post('admin', { action: 'adminUpdate', ...slot, scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: new Date(Date.now() + 800).toISOString() } } });
    await new Promise((r) => setTimeout(r, 1_000));
    await app.reconcile();
    expect(await currentEnd()).toBeUndefined();

    const renewed = await post('admin', { action: 'adminRenew', ...slot, scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } });
    expect(renewed.status).toBe(201);
    expect(await currentEnd()).toBeTruthy();
  });

  it('writes one audit record per change, naming who, what, whom and the request', async () => {
    const audit = await tableAuditLog(new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX))).list();
    const mine = audit.filter((a) => a.targetResources.some((t) => t.id === ROLE));
    // assign, update, extend, update (shorten), expiry, renew
    expect(mine.map((a) => a.activityDisplayName)).toEqual([
      'Add eligible member to role in PIM completed (timebound)',
      'Update eligible member of role in PIM completed',
      'Update eligible member of role in PIM completed',
      'Update eligible member of role in PIM completed',
      'Remove eligible member from role in PIM completed (expired)',
      'Add eligible member to role in PIM completed (timebound)',
    ]);
    const first = mine[0];
    expect(first?.initiatedBy.user?.id).toBe('68b8c788-ea3d-4078-bed2-32c351393298');
    expect(first?.targetResources[0]).toMatchObject({ id: DAVE, type: 'User' });
    expect(first?.additionalDetails.map((d) => d.key)).toContain('requestId');
    expect(mine.every((a) => a.loggedByService === 'PIM' && a.result === 'success' && a.correlationId)).toBe(true);
  });
});
