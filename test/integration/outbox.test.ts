import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableOutbox } from '../../shared/adapters/tables/outbox';
import { tableScheduleRepository } from '../../shared/adapters/tables/scheduleRepository';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { verifyAuditChain } from '../../shared/adapters/tables/auditVerify';
import { auditRecord } from '../../shared/app/audit';
import type { AuditLog } from '../../shared/ports/audit';
import { type DomainEvent, newEvent, SYSTEM_ACTOR } from '../../shared/domain/events';
import type { EventPublisher } from '../../shared/ports/events';
import { testStorage, uniquePrefix } from '../devhost/helpers';
import { request, schedule, slot } from './fixtures';

/** A bus that records what reached it, and can be "down". */
class RecordingBus implements EventPublisher {
  readonly received: DomainEvent[] = [];
  down = false;
  async publish(events: DomainEvent[]) {
    if (this.down) throw new Error('bus unreachable');
    this.received.push(...events);
  }
}

const event = (type: DomainEvent['type']) =>
  newEvent(type, { id: randomUUID(), occurredAt: new Date().toISOString(), actor: SYSTEM_ACTOR, subject: { ...slot, targetDisplayName: null }, request: null });

function setup() {
  const tables = new TableAccess(testStorage(), uniquePrefix('Outbox'));
  const bus = new RecordingBus();
  const outbox = new TableOutbox(tables, bus, tableAuditLog(tables), () => undefined);
  return { tables, bus, outbox, repo: tableScheduleRepository(tables, outbox) };
}

describe('transactional outbox on Azurite', () => {
  it('publishes the events of a committed change and leaves no row behind', async () => {
    const { bus, outbox, repo } = setup();
    const s = schedule();
    const assigned = event('eligibility.assigned');
    expect(await repo.create(s, request(s.id), { events: [assigned] })).toBe(true);
    expect(bus.received.map((e) => e.id)).toEqual([assigned.id]);
    expect(await outbox.pendingCount()).toBe(0);
  });

  it('writes no event for a change that did not happen (a stale version)', async () => {
    const { bus, outbox, repo } = setup();
    const s = schedule();
    await repo.create(s, request(s.id));
    const read = await repo.liveInSlot('eligibility', slot);
    if (!read) throw new Error('no live schedule');
    await repo.update({ ...read.value, endDateTime: new Date().toISOString() }, read.etag, request(s.id), { events: [event('eligibility.updated')] });
    const stale = event('eligibility.removed');
    await expect(repo.update({ ...read.value, status: 'Revoked' }, read.etag, request(s.id), { events: [stale] })).rejects.toMatchObject({ status: 409 });
    expect(bus.received.map((e) => e.type)).toEqual(['eligibility.updated']);
    expect(await outbox.pendingCount()).toBe(0);
  });

  it('keeps the event when the bus is down, and the sweep publishes it once', async () => {
    const { bus, outbox, repo } = setup();
    bus.down = true;
    const s = schedule();
    const assigned = event('eligibility.assigned');
    expect(await repo.create(s, request(s.id), { events: [assigned] })).toBe(true);
    // The change is stored whatever the bus does.
    expect((await repo.liveInSlot('eligibility', slot))?.value.id).toBe(s.id);
    expect(await outbox.pendingCount()).toBe(1);
    expect(await outbox.sweep(0)).toEqual({ published: 0, failed: 1 });
    bus.down = false;
    expect(await outbox.sweep(60_000)).toEqual({ published: 0, failed: 0 });
    expect(await outbox.sweep(0)).toEqual({ published: 1, failed: 0 });
    expect(await outbox.sweep(0)).toEqual({ published: 0, failed: 0 });
    expect(bus.received.map((e) => e.id)).toEqual([assigned.id]);
    expect(bus.received[0]).toEqual(assigned);
  });

  it('commits an audit record with its change: a relay cut off before the chain leaves it to the sweep, which chains it once', async () => {
    const tables = new TableAccess(testStorage(), uniquePrefix('Outbox'));
    const chain = tableAuditLog(tables);
    let cutOff = true;
    // The writer "dies" between its commit and the chain append (the relay never gets there).
    const dying: AuditLog = { ...chain, appendAll: (records) => (cutOff ? Promise.reject(new Error('process killed')) : chain.appendAll(records)) };
    const bus = new RecordingBus();
    const outbox = new TableOutbox(tables, bus, dying, () => undefined);
    const repo = tableScheduleRepository(tables, outbox);
    const s = schedule();
    const record = auditRecord({ activity: 'Add eligible member to role in PIM completed (timebound)', operationType: 'Assign', caller: null, correlationId: 'c', at: new Date(), targets: [] });
    expect(await repo.create(s, request(s.id), { events: [event('eligibility.assigned')], audit: [record] })).toBe(true);
    expect(await chain.list()).toEqual([]);
    expect(bus.received).toEqual([]);
    cutOff = false;
    expect(await outbox.sweep(0)).toEqual({ published: 1, failed: 0 });
    expect(await outbox.sweep(0)).toEqual({ published: 0, failed: 0 });
    // A relay that runs again (e.g. the inline one, late) does not chain it twice.
    await chain.appendAll([record]);
    expect((await chain.list()).map((r) => r.id)).toEqual([record.id]);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 1 });
  });

  it('audits nothing for a change that did not happen (a stale version)', async () => {
    const { tables, repo } = setup();
    const s = schedule();
    await repo.create(s, request(s.id));
    const read = await repo.liveInSlot('eligibility', slot);
    if (!read) throw new Error('no live schedule');
    await repo.update({ ...read.value, endDateTime: new Date().toISOString() }, read.etag, request(s.id));
    const record = auditRecord({ activity: 'Remove eligible member from role in PIM completed', operationType: 'Unassign', caller: null, correlationId: 'c', at: new Date(), targets: [] });
    await expect(repo.update({ ...read.value, status: 'Revoked' }, read.etag, request(s.id), { audit: [record] })).rejects.toMatchObject({ status: 409 });
    expect(await tableAuditLog(tables).list()).toEqual([]);
  });

  it('records a settlement once when two passes settle the same ended schedule', async () => {
    const { tables, repo } = setup();
    const s = { ...schedule(), kind: 'assignment' as const, roleAssignmentOriginId: 'grant-1' };
    await repo.create(s, { ...request(s.id), kind: 'assignment' });
    const read = await repo.liveInSlot('assignment', slot);
    if (!read) throw new Error('no live schedule');
    const ended = { ...read.value, status: 'Revoked' as const };
    await repo.update(ended, read.etag);
    const record = (n: number) => auditRecord({ activity: `Role assignment removed from the directory by PIM (${n})`, operationType: 'Unassign', caller: null, correlationId: 'c', at: new Date(), targets: [] });
    // The removal's own pass and its workflow's, both from the same ended copy.
    await repo.saveEnded({ ...ended, roleAssignmentOriginId: null }, { audit: [record(1)] });
    await repo.saveEnded({ ...ended, roleAssignmentOriginId: null }, { audit: [record(2)] });
    expect((await tableAuditLog(tables).list()).map((r) => r.activityDisplayName)).toEqual(['Role assignment removed from the directory by PIM (1)']);
    expect((await repo.getSchedule('assignment', s.id))?.roleAssignmentOriginId).toBeNull();
  });
});
