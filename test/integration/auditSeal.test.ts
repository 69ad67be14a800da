import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableAuditArchiver } from '../../shared/adapters/tables/auditArchive';
import { AUDIT_ARCHIVE_TABLE, AUDIT_TABLE, type AuditRecordEntity, type JsonValue, type TableSource } from '../../shared/adapters/tables/auditChain';
import { exportText, verifyExport } from '../../shared/adapters/tables/auditExport';
import { indexRows } from '../../shared/adapters/tables/auditIndex';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { matchesAudit } from '../../shared/adapters/tables/auditReads';
import { type AuditSealOptions, sealedRowsOf, tableAuditSealer, writeSealedRows } from '../../shared/adapters/tables/auditSeal';
import { verifyAuditChain } from '../../shared/adapters/tables/auditVerify';
import { keys } from '../../shared/adapters/tables/keys';
import { statusCodeOf, TableAccess } from '../../shared/adapters/tables/tableAccess';
import { uuidV7 } from '../../shared/app/audit';
import type { AuditLog, AuditQuery, AuditRecord } from '../../shared/ports/audit';
import { testStorage, uniquePrefix } from '../devhost/helpers';

const HOUR = 3_600_000;
/** Small seal options, so a test chain of a few hundred records exercises every step of a pass. */
const MIN_AGE_MS = HOUR;
const SEAL: AuditSealOptions = { keepLive: 20, minAgeMs: MIN_AGE_MS, step: 50 };
/** The seal passes' clock: after every record of the test chains (all of them are from early 2026). */
const NOW = new Date(Date.UTC(2026, 3, 1));
/** Three bursts of activity, at the end of January, February and March 2026. */
const BURSTS = [Date.UTC(2026, 0, 30), Date.UTC(2026, 1, 27), Date.UTC(2026, 2, 29)];
/** Mixed case on purpose: a person's history is found whatever case the query uses. */
const PEOPLE = ['Alice-1', 'bob-2', 'carol-3', 'dave-4', 'erin-5'];

/**
 * When record `i` of a chain of `n` happens: a third of them in each burst, ten an hour. Some are
 * stamped by a clock 10 hours fast (one at the end of January lands in February, so the records
 * after it have a chain time in another month than their own) and some are relayed 3 hours late:
 * chain order is time order only roughly.
 */
function timeOf(i: number, n: number): number {
  const perBurst = Math.ceil(n / BURSTS.length);
  const k = i % perBurst;
  const slot = (BURSTS[Math.floor(i / perBurst)] as number) + Math.floor(k / 10) * HOUR + (k % 10) * 300_000;
  if (i % 97 === 96) return slot + 10 * HOUR;
  if (i % 37 === 36) return slot - 3 * HOUR;
  return slot;
}

const user = (id: string) => ({ user: { id, displayName: null, userPrincipalName: null }, app: null });
const target = (id: string): AuditRecord['targetResources'][number] => ({ id, displayName: null, type: 'User', modifiedProperties: [] });

/** A record made as shared/app/audit.ts makes them (a version 7 id carrying its time), by and about the five people. */
function record(ms: number, i: number): AuditRecord {
  return {
    id: uuidV7(ms),
    activityDateTime: new Date(ms).toISOString(),
    category: i % 5 === 0 ? 'GroupManagement' : 'RoleManagement',
    activityDisplayName: i % 2 === 0 ? 'Add member to role requested (PIM activation)' : 'Remove member from role completed (PIM deactivate)',
    operationType: 'Add',
    correlationId: randomUUID(),
    loggedByService: 'PIM',
    result: i % 7 === 0 ? 'failure' : 'success',
    resultReason: '',
    // Some by the service itself (no person), some about two people at once.
    initiatedBy: i % 11 === 0 ? { user: null, app: { displayName: 'PIM' } } : user(PEOPLE[i % 5] as string),
    targetResources: i % 6 === 0 ? [target(PEOPLE[(i * 3 + 1) % 5] as string), target(PEOPLE[(i + 3) % 5] as string)] : [target(PEOPLE[(i * 3 + 1) % 5] as string)],
    additionalDetails: [],
  };
}

function records(n: number, first = 0, at: (i: number) => number = (i) => timeOf(i, n)): AuditRecord[] {
  return Array.from({ length: n }, (_, k) => record(at(first + k), first + k));
}

/** A fresh chain holding `n` records, with a log that knows the seal age (as the app's composition would). */
async function chain(n: number) {
  const prefix = uniquePrefix('AuditSeal');
  const tables = new TableAccess(testStorage(), prefix);
  const log = tableAuditLog(tables, { sealMinAgeMs: MIN_AGE_MS });
  const appended = records(n);
  await log.appendAll(appended);
  /** The log of another process (its own storage clients), as a second Function instance would have. */
  const otherProcess = () => tableAuditLog(new TableAccess(testStorage(), prefix), { sealMinAgeMs: MIN_AGE_MS });
  return { tables, log, appended, otherProcess, live: await tables.table(AUDIT_TABLE), sealer: tableAuditSealer(tables, SEAL) };
}

/** Every page of a query, each checked to be no longer than `top`: the ids, newest first. */
async function everything(log: AuditLog, query: AuditQuery, top: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await log.page(query, top, cursor);
    expect(page.records.length).toBeLessThanOrEqual(top);
    ids.push(...page.records.map((r) => r.id));
    cursor = page.next;
  } while (cursor);
  return ids;
}

/** What a query should answer: the matching records, newest (last chained) first. */
const expected = (chained: AuditRecord[], query: AuditQuery) => [...chained].reverse().filter((r) => matchesAudit(r, query)).map((r) => r.id);

/** The seqs of the record rows in the live partition. */
async function liveSeqs(live: TableClient): Promise<number[]> {
  const seqs: number[] = [];
  const filter = `PartitionKey eq '${keys.audit.partition}' and RowKey lt 'a'`;
  for await (const row of live.listEntities<{ seq: number }>({ queryOptions: { filter, select: ['seq'] } })) seqs.push(row.seq);
  return seqs;
}

async function readOrUndefined<T extends object>(table: TableClient, key: { partitionKey: string; rowKey: string }): Promise<T | undefined> {
  try {
    return await table.getEntity<T>(key.partitionKey, key.rowKey);
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/** A record row in the sealed store, or undefined. */
async function sealedRow(tables: TableAccess, seq: number): Promise<AuditRecordEntity | undefined> {
  return readOrUndefined<AuditRecordEntity>(await tables.table(keys.audit.sealedTable(seq)), keys.audit.sealedRecord(seq));
}

async function exported(log: AuditLog, range: { from?: string; to?: string } = {}): Promise<string> {
  let text = '';
  for await (const piece of exportText('jsonl', await log.exportRange(range))) text += piece;
  return text;
}

const exportedIds = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { record?: { id?: string } })
    .flatMap((line) => (line.record?.id ? [line.record.id] : []));

/**
 * The tables as one process sees them when it pauses right after reading a row of the Audit table
 * (each read of that row is answered, then held until `resume()` settles): a deterministic
 * interleaving of two passes over the real storage.
 */
function pausedAfterReading(tables: TableAccess, rowKey: string, resume: () => Promise<unknown>): TableSource {
  return {
    async table(name) {
      const client = await tables.table(name);
      if (name !== AUDIT_TABLE) return client;
      return new Proxy(client, {
        get(target, property) {
          if (property === 'getEntity') {
            return async (...args: Parameters<TableClient['getEntity']>) => {
              try {
                return await target.getEntity(...args);
              } finally {
                // Answered or not found alike: what was read is what the process goes on with.
                if (args[1] === rowKey) await resume();
              }
            };
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}

const duplicates = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);

const iso = (r: AuditRecord | undefined) => r?.activityDateTime as string;

/**
 * 80 records whose first 40 were chained before the history index (no index rows, no
 * indexedFrom on the head, as auditReads.test.ts makes one), the other 40 after it.
 */
async function lateIndexChain(): Promise<{ tables: TableAccess; log: AuditLog; all: AuditRecord[] }> {
  const tables = new TableAccess(testStorage(), uniquePrefix('AuditSeal'));
  const log = tableAuditLog(tables, { sealMinAgeMs: MIN_AGE_MS });
  const live = await tables.table(AUDIT_TABLE);
  const all = records(80);
  await log.appendAll(all.slice(0, 40));
  for await (const row of live.listEntities({ queryOptions: { filter: `PartitionKey eq 'chain' and RowKey ge 'x|'` } })) {
    await live.deleteEntity(row.partitionKey ?? '', row.rowKey ?? '');
  }
  const head = await live.getEntity<Record<string, unknown>>(keys.audit.partition, keys.audit.head.rowKey);
  await live.updateEntity({ ...keys.audit.head, seq: head.seq, hash: head.hash, atMs: head.atMs, lagMs: head.lagMs }, 'Replace');
  await tableAuditLog(tables, { sealMinAgeMs: MIN_AGE_MS }).appendAll(all.slice(40));
  return { tables, log, all };
}

describe('the audit chain\'s sealed store: 1,200 records over three months, sealed down to the newest 20 (Azurite)', () => {
  const n = 1_200;
  let built: Awaited<ReturnType<typeof chain>>;
  let listedBefore: string[];
  let pagedBefore: string[];
  let moved: number;

  beforeAll(async () => {
    built = await chain(n);
    listedBefore = (await built.log.list()).map((r) => r.id);
    pagedBefore = await everything(built.log, {}, 50);
    moved = await built.sealer.seal(NOW);
  }, 120_000);

  it('moves all but the newest records out of the live partition, and the chain still verifies and reads the same', async () => {
    const { tables, log, appended, live } = built;
    expect(moved).toBe(n - 20);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: n });
    expect(await liveSeqs(live)).toEqual(Array.from({ length: 20 }, (_, i) => n - 19 + i));
    // An old record is gone from the live partition and is in the sealed store, as it was chained (three segments of it).
    for (const seq of [1, 500, 501, 1_000, 1_001, n - 20]) {
      await expect(live.getEntity(keys.audit.partition, keys.audit.record(seq).rowKey)).rejects.toMatchObject({ statusCode: 404 });
      expect(JSON.parse((await sealedRow(tables, seq))?.json ?? 'null')).toEqual(appended[seq - 1]);
    }
    expect(await sealedRow(tables, n - 19)).toBeUndefined();
    // The history index of the sealed records is filed by month: all three months hold some.
    for (const month of ['202601', '202602', '202603']) {
      for (const kind of ['By', 'On']) {
        const people = await tables.table(`AuditPeople${kind}${month}`);
        const first = await people.listEntities().byPage({ maxPageSize: 1 }).next();
        expect(first.value?.length, `${kind} ${month}`).toBe(1);
      }
    }

    expect((await log.list()).map((r) => r.id)).toEqual(listedBefore);
    expect((await log.page({}, 50)).records.map((r) => r.id)).toEqual(appended.slice(-50).reverse().map((r) => r.id));
    const paged = await everything(log, {}, 50);
    expect(paged).toEqual(pagedBefore);
    expect(paged).toEqual(appended.map((r) => r.id).reverse());
    // Time windows over sealed records: one inside the sealed store, one from it into the live partition.
    for (const window of [{ from: iso(appended[380]), to: iso(appended[420]) }, { from: iso(appended[1_150]) }]) {
      expect(await everything(log, window, 30)).toEqual(expected(appended, window));
    }
  });

  it('answers a person\'s history across the live index and the sealed months, newest first, exactly once each', async () => {
    const { log, appended } = built;
    const queries: Array<[AuditQuery, number]> = [
      [{ initiatedByUserId: 'alice-1' }, 7],
      [{ initiatedByUserId: 'BOB-2', from: iso(appended[300]), to: iso(appended[900]) }, 9],
      [{ targetResourceId: 'carol-3' }, 25],
      // Across the end of January, where chain time and own time fall in different months.
      [{ targetResourceId: 'Dave-4', from: iso(appended[370]), to: iso(appended[430]) }, 4],
      // Only the newest records (live and the last sealed ones), and only the oldest.
      [{ initiatedByUserId: 'erin-5', from: iso(appended[1_170]) }, 3],
      [{ targetResourceId: 'alice-1', to: iso(appended[120]) }, 6],
      [{ initiatedByUserId: 'carol-3', result: 'failure' }, 5],
    ];
    for (const [query, top] of queries) {
      const got = await everything(log, query, top);
      expect(duplicates(got), JSON.stringify(query)).toEqual([]);
      expect(got, JSON.stringify(query)).toEqual(expected(appended, query));
    }

    await fc.assert(
      fc.asyncProperty(
        fc.record({
          byTarget: fc.boolean(),
          who: fc.constantFrom(...PEOPLE.map((p) => p.toLowerCase())),
          from: fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: undefined }),
          span: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
          top: fc.integer({ min: 3, max: 40 }),
        }),
        async ({ byTarget, who, from, span, top }) => {
          const query: AuditQuery = {
            ...(byTarget ? { targetResourceId: who } : { initiatedByUserId: who }),
            ...(from !== undefined ? { from: iso(appended[from]) } : {}),
            ...(span !== undefined ? { to: iso(appended[Math.min(n - 1, (from ?? 0) + span)]) } : {}),
          };
          expect(await everything(log, query, top)).toEqual(expected(appended, query));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('gets a sealed record by id (its live marker is gone), a live one, and nothing for an unknown id', async () => {
    const { log, appended, live } = built;
    const sealed = appended[700] as AuditRecord;
    expect(await readOrUndefined(live, keys.audit.marker(sealed.id))).toBeUndefined();
    expect(await log.get(sealed.id)).toEqual(sealed);
    expect(await log.get((appended[0] as AuditRecord).id)).toEqual(appended[0]);
    expect(await log.get((appended[n - 1] as AuditRecord).id)).toEqual(appended[n - 1]);
    expect(await log.get(uuidV7(Date.parse(sealed.activityDateTime)))).toBeUndefined();
    expect(await log.get(randomUUID())).toBeUndefined();
  });

  it('exports a window across the sealed store and the live partition as consecutive, linked records', async () => {
    const { log, appended } = built;
    const window = { from: iso(appended[1_100]) };
    const text = await exported(log, window);
    const verdict = verifyExport(text);
    expect(verdict).toMatchObject({ ok: true, lastSeq: n });
    if (!verdict.ok) return;
    expect(verdict.firstSeq).toBeLessThanOrEqual(1_101);
    expect(verdict.count).toBe(n - (verdict.firstSeq ?? 0) + 1);
    expect(exportedIds(text)).toEqual(expect.arrayContaining(expected(appended, window)));

    // Across two sealed segments, and the whole chain.
    const middle = await exported(log, { from: iso(appended[450]), to: iso(appended[560]) });
    expect(verifyExport(middle)).toMatchObject({ ok: true });
    expect(exportedIds(middle)).toEqual(expect.arrayContaining(expected(appended, { from: iso(appended[450]), to: iso(appended[560]) })));
    expect(verifyExport(await exported(log))).toMatchObject({ ok: true, count: n, firstSeq: 1, lastSeq: n });
  });
});

describe('sealing while the chain goes on (Azurite)', () => {
  it('keeps recent records live, goes on appending after a pass, and seals more on the next', async () => {
    const { tables, log, appended, live, sealer } = await chain(150);
    // Only records older than the seal age move: a clock one seal age after record 120's time seals the 120 before it.
    const sealedUpTo = 120;
    const first = await sealer.seal(new Date(Date.parse(iso(appended[sealedUpTo])) + MIN_AGE_MS));
    expect(first).toBe(sealedUpTo);
    expect((await liveSeqs(live))[0]).toBe(sealedUpTo + 1);

    const more = records(60, 150, (i) => Date.UTC(2026, 2, 31) + i * 60_000);
    await log.appendAll(more);
    const all = [...appended, ...more];
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 210 });
    expect((await log.page({}, 5)).records.map((r) => r.id)).toEqual(all.slice(-5).reverse().map((r) => r.id));

    expect(await sealer.seal(NOW)).toBe(210 - 20 - sealedUpTo);
    expect(await liveSeqs(live)).toEqual(Array.from({ length: 20 }, (_, i) => 191 + i));
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 210 });
    expect(await everything(log, {}, 40)).toEqual(all.map((r) => r.id).reverse());
    expect(await everything(log, { initiatedByUserId: 'bob-2' }, 6)).toEqual(expected(all, { initiatedByUserId: 'bob-2' }));
    expect(await log.get((more[0] as AuditRecord).id)).toEqual(more[0]);
    // Nothing left to move: a pass moves nothing and changes nothing.
    expect(await sealer.seal(NOW)).toBe(0);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 210 });
  });

  it('pages through a person\'s history and the whole chain once each while a pass seals between pages', async () => {
    const queries: Array<[AuditQuery, number]> = [
      [{ initiatedByUserId: 'alice-1' }, 5],
      [{ targetResourceId: 'bob-2', from: '2026-01-30T06:00:00.000Z' }, 4],
      [{}, 30],
    ];
    for (const [query, top] of queries) {
      const { log, appended, sealer } = await chain(150);
      // The first page is read while every record is live, the rest after a pass sealed all but the newest 20.
      const first = await log.page(query, top);
      expect(first.next).toBeDefined();
      const ids = first.records.map((r) => r.id);
      expect(await sealer.seal(NOW)).toBe(130);
      let cursor = first.next;
      while (cursor) {
        const page = await log.page(query, top, cursor);
        ids.push(...page.records.map((r) => r.id));
        cursor = page.next;
      }
      expect(duplicates(ids), JSON.stringify(query)).toEqual([]);
      expect(ids, JSON.stringify(query)).toEqual(expected(appended, query));
    }
  });

  it('lets two passes overlap (two timer instances): the one that read an old checkpoint stops quietly, nothing lost or doubled', async () => {
    const { tables, log, appended, live } = await chain(400);
    // Pass B reads the checkpoints, then pauses while pass A seals everything, then goes on with what it read.
    let checkpointRead!: () => void;
    const bRead = new Promise<void>((resolve) => (checkpointRead = resolve));
    let aFinished!: () => void;
    const gate = new Promise<void>((resolve) => (aFinished = resolve));
    const b = tableAuditSealer(pausedAfterReading(tables, keys.audit.sealCheckpoint.rowKey, () => (checkpointRead(), gate)), SEAL).seal(NOW);
    await bRead;
    const aDone = tableAuditSealer(tables, SEAL).seal(NOW);
    void aDone.finally(aFinished);
    expect(await aDone).toBe(380);
    expect(await b).toBe(0);
    expect(await liveSeqs(live)).toEqual(Array.from({ length: 20 }, (_, i) => 381 + i));
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 400 });
    expect(await everything(log, {}, 100)).toEqual(appended.map((r) => r.id).reverse());
    expect(await everything(log, { targetResourceId: 'erin-5' }, 30)).toEqual(expected(appended, { targetResourceId: 'erin-5' }));
  });

  it('tidies a pass cut short (live copies left at or below the checkpoint), which readers never show twice', async () => {
    const { tables, log, appended, live, sealer } = await chain(150);
    expect(await sealer.seal(NOW)).toBe(130);
    // As if the pass stopped after moving the checkpoint: the last step's live rows are back (record, marker, index rows).
    const left = [126, 127, 128, 129, 130];
    for (const seq of left) {
      const copy = (await sealedRow(tables, seq)) as AuditRecordEntity;
      const { seq: s, prevHash, hash, json, atMs } = copy;
      await live.createEntity({ ...keys.audit.record(seq), seq: s, prevHash, hash, json, atMs });
      await live.createEntity({ ...keys.audit.marker((appended[seq - 1] as AuditRecord).id), seq });
      for (const row of indexRows(json, JSON.parse(json) as JsonValue, seq, atMs as number)) await live.createEntity(row);
    }
    expect((await liveSeqs(live)).slice(0, 5)).toEqual(left);

    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 150 });
    const paged = await everything(log, {}, 30);
    expect(paged).toEqual(appended.map((r) => r.id).reverse());
    const listed = (await log.list()).map((r) => r.id);
    expect(duplicates(listed)).toEqual([]);
    expect(listed).toHaveLength(150);
    for (const person of PEOPLE) {
      for (const query of [{ initiatedByUserId: person }, { targetResourceId: person }]) {
        expect(await everything(log, query, 4)).toEqual(expected(appended, query));
      }
    }
    expect(await log.get((appended[127] as AuditRecord).id)).toEqual(appended[127]);

    // The next pass (nothing new to move) deletes the copies: record rows, markers and index rows.
    expect(await sealer.seal(NOW)).toBe(0);
    expect(await liveSeqs(live)).toEqual(Array.from({ length: 20 }, (_, i) => 131 + i));
    const index: number[] = [];
    for await (const row of live.listEntities<{ seq: number }>({ queryOptions: { filter: `PartitionKey eq 'chain' and RowKey ge 'id|'`, select: ['RowKey', 'seq'] } })) {
      if (row.rowKey?.startsWith(keys.audit.markerPrefix) || row.rowKey?.startsWith(keys.audit.indexPrefix)) index.push(row.seq);
    }
    // Each of the 20 live records keeps its marker and two or three index rows; none of the copies' rows is left.
    expect(index.length).toBeGreaterThanOrEqual(20 * 2);
    expect(Math.min(...index)).toBe(131);
    expect(await log.get((appended[127] as AuditRecord).id)).toEqual(appended[127]);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 150 });
  });

  it('has audit:verify name a sealed record that was edited or deleted, saying it is in the sealed store', async () => {
    const { tables, sealer } = await chain(150);
    expect(await sealer.seal(NOW)).toBe(130);
    const store = await tables.table(keys.audit.sealedTable(40));

    const original = (await sealedRow(tables, 40)) as AuditRecordEntity;
    const edited = { ...(JSON.parse(original.json) as AuditRecord), resultReason: 'nothing to see here' };
    await store.updateEntity({ ...keys.audit.sealedRecord(40), json: JSON.stringify(edited) }, 'Merge');
    expect(await verifyAuditChain(tables)).toMatchObject({ ok: false, count: 39, firstBroken: { seq: 40, kind: 'edited', problem: expect.stringMatching(/^in the sealed store: /) } });
    await store.updateEntity({ ...keys.audit.sealedRecord(40), json: original.json }, 'Merge');
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 150 });

    await store.deleteEntity(keys.audit.sealedRecord(77).partitionKey, keys.audit.sealedRecord(77).rowKey);
    expect(await verifyAuditChain(tables)).toMatchObject({ ok: false, count: 76, firstBroken: { seq: 77, kind: 'missing', problem: expect.stringMatching(/^in the sealed store: record seq 77 is missing/) } });

    // The last sealed record deleted: nothing after it in the sealed store shows the gap, the seal checkpoint does.
    const { tables: other, sealer: otherSealer } = await chain(150);
    expect(await otherSealer.seal(NOW)).toBe(130);
    await (await other.table(keys.audit.sealedTable(130))).deleteEntity(keys.audit.sealedRecord(130).partitionKey, keys.audit.sealedRecord(130).rowKey);
    expect(await verifyAuditChain(other)).toMatchObject({ ok: false, count: 129, firstBroken: { seq: 130, kind: 'missing', problem: expect.stringMatching(/sealed store ends at seq 129 but the seal checkpoint says seq 130/) } });
  });

  it('archives sealed records: they leave the listings, stay exportable, and the chain still verifies', async () => {
    const { tables, log, appended, live, sealer } = await chain(150);
    expect(await sealer.seal(NOW)).toBe(130);
    const archiver = tableAuditArchiver(tables);
    // Everything before the February burst: the January records, all sealed.
    const cutoff = new Date(BURSTS[1] as number);
    const archivedCount = await archiver.archiveBefore(cutoff);
    expect(archivedCount).toBe(50);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 150 });
    const archive = await tables.table(AUDIT_ARCHIVE_TABLE);
    expect(JSON.parse((await readOrUndefined<AuditRecordEntity>(archive, keys.audit.record(1)))?.json ?? 'null')).toEqual(appended[0]);
    expect(await sealedRow(tables, 1)).toBeUndefined();
    expect(await sealedRow(tables, 51)).toBeDefined();

    const kept = appended.slice(50);
    expect(await everything(log, {}, 30)).toEqual(kept.map((r) => r.id).reverse());
    expect((await log.list()).map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
    expect(await log.get((appended[10] as AuditRecord).id)).toBeUndefined();
    expect(await log.get((appended[60] as AuditRecord).id)).toEqual(appended[60]);
    for (const query of [{ initiatedByUserId: 'alice-1' }, { targetResourceId: 'erin-5' }, { targetResourceId: 'carol-3', to: iso(appended[70]) }]) {
      expect(await everything(log, query, 4)).toEqual(expected(kept, query));
    }
    expect(verifyExport(await exported(log))).toMatchObject({ ok: true, count: 150, firstSeq: 1, lastSeq: 150 });
    const across = await exported(log, { from: iso(appended[40]), to: iso(appended[60]) });
    expect(verifyExport(across)).toMatchObject({ ok: true });
    expect(exportedIds(across)).toEqual(expect.arrayContaining(expected(appended, { from: iso(appended[40]), to: iso(appended[60]) })));

    // The archive overtakes the seal checkpoint (into the live records); sealing then goes on after it.
    expect(await archiver.archiveBefore(new Date(Date.parse(iso(appended[140])) - 1))).toBe(140 - 50);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 150 });
    const more = records(40, 150, (i) => Date.UTC(2026, 2, 31) + i * 60_000);
    await log.appendAll(more);
    expect(await sealer.seal(NOW)).toBe(170 - 140);
    expect(await liveSeqs(live)).toEqual(Array.from({ length: 20 }, (_, i) => 171 + i));
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 190 });
    const all = [...appended, ...more];
    const { seq: archivedThrough } = await live.getEntity<{ seq: number }>(keys.audit.checkpoint.partitionKey, keys.audit.checkpoint.rowKey);
    const listedNow = all.slice(archivedThrough);
    expect(await everything(log, {}, 25)).toEqual(listedNow.map((r) => r.id).reverse());
    expect(await everything(log, { initiatedByUserId: 'dave-4' }, 3)).toEqual(expected(listedNow, { initiatedByUserId: 'dave-4' }));
    expect(verifyExport(await exported(log))).toMatchObject({ ok: true, count: 190 });
  });

  it('tidies an archive run cut short after sealing: the sealed copies it left are never shown, and the next run deletes them', async () => {
    const { tables, log, appended, sealer } = await chain(150);
    expect(await sealer.seal(NOW)).toBe(130);
    const archiver = tableAuditArchiver(tables);
    const cutoff = new Date(BURSTS[1] as number);
    expect(await archiver.archiveBefore(cutoff)).toBe(50);
    // As if the run stopped after moving its checkpoint: its last step's sealed rows are back (records, history index, id map).
    const archive = await tables.table(AUDIT_ARCHIVE_TABLE);
    const copies: AuditRecordEntity[] = [];
    for (let seq = 41; seq <= 50; seq++) copies.push((await readOrUndefined<AuditRecordEntity>(archive, keys.audit.record(seq))) as AuditRecordEntity);
    await writeSealedRows(tables, sealedRowsOf(copies));
    expect(await sealedRow(tables, 45)).toBeDefined();

    const kept = appended.slice(50);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 150 });
    expect(await everything(log, {}, 30)).toEqual(kept.map((r) => r.id).reverse());
    expect(await log.get((appended[44] as AuditRecord).id)).toBeUndefined();
    for (const query of [{ initiatedByUserId: 'alice-1' }, { targetResourceId: 'bob-2' }]) {
      expect(await everything(log, query, 4)).toEqual(expected(kept, query));
    }

    expect(await archiver.archiveBefore(cutoff)).toBe(0);
    expect(await sealedRow(tables, 45)).toBeUndefined();
    const ids = await tables.table(keys.audit.sealedIdTable);
    expect(await readOrUndefined(ids, keys.audit.sealedId((appended[44] as AuditRecord).id))).toBeUndefined();
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 150 });
  });

  it('seals a chain whose history index started late, and a person\'s history still finds every record', async () => {
    const { tables, log, all } = await lateIndexChain();

    const queries: AuditQuery[] = [{ initiatedByUserId: 'carol-3' }, { targetResourceId: 'dave-4', from: iso(all[20]), to: iso(all[60]) }];
    // First only part of the unindexed records are sealed, then all of them and some indexed ones.
    for (const keepLive of [50, 20]) {
      expect(await tableAuditSealer(tables, { ...SEAL, keepLive }).seal(NOW)).toBe(30);
      expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 80 });
      for (const query of queries) expect(await everything(log, query, 3), `${keepLive} ${JSON.stringify(query)}`).toEqual(expected(all, query));
      expect(await everything(log, {}, 25)).toEqual(all.map((r) => r.id).reverse());
    }
  });

  it('pages once through a person\'s history on a chain whose index started late while a pass seals the walked records between pages', async () => {
    const { tables, log, all } = await lateIndexChain();
    // Seqs 1-10 sealed first, so the walk of the unindexed live records (11-40) hands over to the sealed index.
    expect(await tableAuditSealer(tables, { ...SEAL, keepLive: 70 }).seal(NOW)).toBe(10);
    // Up to a time among the unindexed records: the live index has nothing, the walk starts at once.
    const query: AuditQuery = { initiatedByUserId: 'carol-3', to: iso(all[38]) };
    const ids: string[] = [];
    let cursor: string | undefined;
    let sealedBetween = 0;
    let pages = 0;
    do {
      const page = await log.page(query, 2, cursor);
      ids.push(...page.records.map((r) => r.id));
      cursor = page.next;
      pages++;
      // After each page a pass seals more: the walked records move to the sealed store under the reader.
      sealedBetween += await tableAuditSealer(tables, { ...SEAL, keepLive: Math.max(20, 70 - 12 * pages) }).seal(NOW);
    } while (cursor);
    expect(sealedBetween).toBeGreaterThan(20);
    expect(duplicates(ids)).toEqual([]);
    expect(ids).toEqual(expected(all, query));
  });

  it('skips a stale retry of a record that was sealed meanwhile: the chain does not grow', async () => {
    const { tables, log, otherProcess, sealer } = await chain(100);
    // A relay stalled for months: its record (old id, old time) reaches the chain late, then is sealed.
    const oldMs = Date.UTC(2026, 0, 2, 9);
    const stale: AuditRecord = { ...record(oldMs, 3), id: uuidV7(oldMs) };
    await log.appendAll([stale]);
    await log.appendAll(records(30, 100, (i) => Date.UTC(2026, 2, 31) + i * 60_000));
    expect(await sealer.seal(NOW)).toBe(111);
    expect(await readOrUndefined(await tables.table(AUDIT_TABLE), keys.audit.marker(stale.id))).toBeUndefined();

    // The retry comes again, through a log of another process, alone and with a new record.
    const fresh = record(Date.UTC(2026, 2, 31, 12), 5);
    await log.appendAll([stale]);
    await otherProcess().appendAll([stale, fresh]);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 132 });
    const listed = (await log.list()).map((r) => r.id);
    expect(listed.filter((id) => id === stale.id)).toHaveLength(1);
    expect(listed).toContain(fresh.id);
    expect(await log.get(stale.id)).toEqual(stale);
  });

  it('loses nothing when appends from several processes run while a pass seals', async () => {
    const { tables, appended, otherProcess: instance, sealer } = await chain(150);
    const batches = [0, 1, 2, 3].map((b) => records(25, 150 + b * 25, (i) => Date.UTC(2026, 2, 31) + i * 60_000));
    const [, , , , sealed] = await Promise.all([...batches.map((batch) => instance().appendAll(batch)), sealer.seal(NOW)]);
    expect(sealed).toBeGreaterThanOrEqual(130);
    const all = [...appended, ...batches.flat()];
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 250 });
    const listed = (await instance().list()).map((r) => r.id);
    expect(duplicates(listed)).toEqual([]);
    expect(listed.sort()).toEqual(all.map((r) => r.id).sort());

    // A second pass seals what the first left (it started before most appends), and every record is still there once.
    await sealer.seal(NOW);
    expect(await verifyAuditChain(tables)).toEqual({ ok: true, count: 250 });
    const paged = await everything(instance(), {}, 60);
    expect(duplicates(paged)).toEqual([]);
    expect([...paged].sort()).toEqual(all.map((r) => r.id).sort());
  });
});
