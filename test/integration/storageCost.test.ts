import { randomUUID } from 'node:crypto';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { tableScheduleRepository } from '../../shared/adapters/tables/scheduleRepository';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { reconcile } from '../../shared/app/reconcile';
import { isLive, type Schedule } from '../../shared/domain/schedules';
import { testStorage, uniquePrefix } from '../devhost/helpers';
import { request, schedule } from './fixtures';
import { reconcileDeps } from './reconcileDeps';

/** Table requests as the storage account sees them: method and decoded path with query. */
function recorder(): { policy: PipelinePolicy; requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    policy: {
      name: 'recordTableRequests',
      async sendRequest(req, next) {
        requests.push(`${req.method} ${decodeURIComponent(req.url)}`);
        return next(req);
      },
    },
  };
}

/** A point read names both keys; a partition query filters on one PartitionKey. A scan does neither. */
const POINT_READ = /\(PartitionKey='[^']*',RowKey='[^']*'\)/;
const PARTITION_QUERY = /\$filter=PartitionKey eq '[^']*'/;
const isScan = (r: string) => r.startsWith('GET') && !POINT_READ.test(r) && !PARTITION_QUERY.test(r);

function eligibility(principalId: string, end: Date): Schedule {
  const s = schedule();
  return { ...s, principalId, startDateTime: new Date(end.getTime() - 86_400_000).toISOString(), endDateTime: end.toISOString() };
}

/** `count` live eligibilities of distinct principals, each with the request that made it. */
async function seed(repo: ReturnType<typeof tableScheduleRepository>, count: number, end: (i: number) => Date): Promise<Array<{ schedule: Schedule; requestId: string }>> {
  const made: Array<{ schedule: Schedule; requestId: string }> = [];
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, (_, k) => {
      const s = eligibility(randomUUID(), end(i + k));
      return { schedule: s, request: { ...request(s.id), principalId: s.principalId } };
    });
    await Promise.all(batch.map((b) => repo.create(b.schedule, b.request)));
    made.push(...batch.map((b) => ({ schedule: b.schedule, requestId: b.request.id })));
  }
  return made;
}

describe('storage cost follows live work, not history', () => {
  it('reads a request and a schedule by id with point reads, however many others are stored', async () => {
    const prefix = uniquePrefix('Cost');
    const writer = tableScheduleRepository(new TableAccess(testStorage(), prefix));
    const stored = await seed(writer, 120, () => new Date(Date.now() + 86_400_000));
    const wanted = stored[77] as { schedule: Schedule; requestId: string };

    // A fresh process: nothing cached.
    const { policy, requests } = recorder();
    const reader = tableScheduleRepository(new TableAccess(testStorage(), prefix, { additionalPolicies: [{ policy, position: 'perCall' }] }));
    const found = await reader.getSchedule('eligibility', wanted.schedule.id);
    const req = await reader.getRequest('eligibility', wanted.requestId);

    expect(found?.id).toBe(wanted.schedule.id);
    expect(req?.targetScheduleId).toBe(wanted.schedule.id);
    const reads = requests.filter((r) => r.startsWith('GET'));
    expect(reads.filter(isScan)).toEqual([]);
    // The id index and the rows (a schedule may be in its slot row or its own), for each.
    expect(reads.length).toBeLessThanOrEqual(6);
  });

  it('a reconcile pass over many live schedules reads the few that are due, not all of them', async () => {
    const prefix = uniquePrefix('Cost');
    const plain = new TableAccess(testStorage(), prefix);
    const writer = tableScheduleRepository(plain);
    const soon = new Date(Date.now() + 1_500);
    await seed(writer, 3, () => soon);
    await seed(writer, 150, (i) => new Date(Date.now() + 365 * 86_400_000 + i * 1_000));
    await new Promise((r) => setTimeout(r, soon.getTime() - Date.now() + 200));

    const { policy, requests } = recorder();
    const tables = new TableAccess(testStorage(), prefix, { additionalPolicies: [{ policy, position: 'perCall' }] });
    // No directory here: eligibilities expire without one (role names are looked up best-effort).
    const report = await reconcile(reconcileDeps(tables, 'http://127.0.0.1:9'));

    expect(report.failed).toEqual([]);
    expect(report.settled).toBe(3);
    expect((await writer.listSlots('eligibility')).filter(isLive).length).toBe(150);
    const scheduleReads = requests.filter((r) => r.startsWith('GET') && r.includes('Schedules'));
    expect(scheduleReads.filter(isScan)).toEqual([]);
    // A handful of reads per due schedule, whatever the 150 others.
    expect(scheduleReads.length).toBeLessThanOrEqual(3 * 8);
    // A second pass finds nothing due and reads only the due index.
    requests.length = 0;
    const again = await reconcile(reconcileDeps(tables, 'http://127.0.0.1:9'));
    expect(again.settled).toBe(0);
    expect(requests.filter((r) => r.includes('Schedules'))).toEqual([]);
  });
});
