import { createHash } from 'node:crypto';
import { type PolicyScope, type Target, type TargetKind, targetKey } from '../../domain/target';

/**
 * Every PartitionKey and RowKey the app writes, built in one place. Table keys may not hold
 * / \ # ? or control characters, so free text is escaped first.
 */
export function escapeKey(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what Table keys forbid.
  return value.replace(/[%/\\#?|\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}


/** Minute buckets of the due index: UTC yyyyMMddHHmm, which sorts as time does. */
export function minuteBucket(at: Date): string {
  return at.toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

const MAX_TIME = 9_999_999_999_999;
const MAX_SEQ = 999_999_999_999;
/** Milliseconds counted down from year 2286, so later times sort first. */
const invertedTime = (ms: number) => String(MAX_TIME - Math.min(MAX_TIME, Math.max(0, Math.floor(ms)))).padStart(13, '0');

/** Seqs per partition of the sealed store (LokiJS, under Azurite, walks a partition on every insert). */
export const SEALED_SEGMENT = 500;
/** Seqs per table of the sealed store (Azurite evaluates a query over its whole table). */
export const SEALED_TABLE_RECORDS = 100_000;
/** Hash buckets of people per kind in the sealed history index. */
const PERSON_BUCKETS = 64;

function personPartition(by: 'p' | 't', id: string): string {
  const bucket = createHash('sha256').update(id.toLowerCase()).digest().readUInt16BE(0) % PERSON_BUCKETS;
  return `${by}|${String(bucket).padStart(2, '0')}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The milliseconds a version 7 UUID carries in its first 48 bits; undefined for any other id. */
export function uuidV7Time(id: string): number | undefined {
  const lower = id.toLowerCase();
  if (!UUID_V7.test(lower)) return undefined;
  return Number.parseInt(lower.slice(0, 8) + lower.slice(9, 13), 16);
}

export const keys = {
  /** Policies: one partition per kind of target, a row per (scope, role or access id). */
  policy: (scope: PolicyScope) => ({ partitionKey: scope.kind, rowKey: escapeKey(`${scope.scope}|${scope.thing}`) }),
  policyPartition: (kind: TargetKind) => kind,
  /**
   * The row keys of every policy kept at one scope (an Azure role's, for each role there): they
   * all start with the escaped `{scope}|` (so '%7c'), and nothing else in the partition does.
   */
  policyScopeRange: (kind: TargetKind, scope: string) => {
    const from = escapeKey(`${scope.toLowerCase()}|`);
    return { partitionKey: kind, from, to: `${from.slice(0, -1)}d` };
  },
  /**
   * Beside a policy whose id carries a guid made at onboarding (groups): a row that points from
   * the id to the policy's row, in the same partition, so it is written in the policy's create
   * transaction and an id is found with point reads. Escaped policy row keys hold no '|'.
   */
  policyIdRow: (kind: TargetKind, policyId: string) => ({ partitionKey: kind, rowKey: `id|${escapeKey(policyId.toLowerCase())}` }),
  /**
   * The audit hash chain: every record and the chain head in one partition, so a record and the
   * head that points at it commit in one transaction. Record row keys are the zero-padded seq, so
   * rows list in chain order (and digits sort before 'head'). `id|{recordId}` rows (after 'head')
   * mark which records the chain holds, so appending the same record twice is a no-op.
   */
  audit: {
    partition: 'chain',
    head: { partitionKey: 'chain', rowKey: 'head' },
    record: (seq: number) => ({ partitionKey: 'chain', rowKey: String(seq).padStart(12, '0') }),
    marker: (recordId: string) => ({ partitionKey: 'chain', rowKey: `id|${escapeKey(recordId)}` }),
    markerPrefix: 'id|',
    /**
     * The history index (auditIndex.ts): a row per record and person it names (`p`: who did it,
     * `t`: each target), newest first under one prefix per person: `x|{by}|{id}|{inverted atMs}|{inverted seq}`.
     * In the chain's partition so a record and its index rows commit in one transaction; 'x|'
     * sorts after 'head' and the markers, so chain walks stop before it.
     */
    index: (by: 'p' | 't', id: string, atMs: number, seq: number) => ({
      partitionKey: 'chain',
      rowKey: `x|${by}|${escapeKey(id.toLowerCase())}|${invertedTime(atMs)}|${String(MAX_SEQ - seq).padStart(12, '0')}`,
    }),
    /** The index rows of one person whose atMs is in [fromMs, toMs] (either end open): a row-key range. */
    indexRange: (by: 'p' | 't', id: string, fromMs?: number, toMs?: number) => {
      const prefix = `x|${by}|${escapeKey(id.toLowerCase())}|`;
      // Inverted: the newest time is the lowest key. '~' sorts after every digit.
      return { from: toMs === undefined ? prefix : `${prefix}${invertedTime(toMs)}|`, to: fromMs === undefined ? `${prefix}~` : `${prefix}${invertedTime(fromMs)}|~` };
    },
    indexPrefix: 'x|',
    /**
     * The archive checkpoint (auditArchive.ts): the last seq moved to the archive table and its
     * hash, from which the live chain continues. 'archived' sorts between the records and 'head'.
     */
    checkpoint: { partitionKey: 'chain', rowKey: 'archived' },
    /**
     * The seal checkpoint (auditSeal.ts): the last seq moved out of the live partition into the
     * sealed store below, its hash and atMs ('sealed' sorts after 'head' and the markers, so
     * chain walks never meet it).
     */
    sealCheckpoint: { partitionKey: 'chain', rowKey: 'sealed' },
    /**
     * The sealed store: the chain's older records, out of the live partition so that it stays
     * small, in partitions of SEALED_SEGMENT seqs (a table per SEALED_TABLE_RECORDS), under the
     * same row key as live. A record row keeps its columns, so the chain checks it the same way.
     */
    sealedRecord: (seq: number) => ({ partitionKey: `s|${String(Math.floor((seq - 1) / SEALED_SEGMENT)).padStart(9, '0')}`, rowKey: String(seq).padStart(12, '0') }),
    /** Which sealed table holds a seq: `AuditSealed{n}`. */
    sealedTable: (seq: number) => `AuditSealed${Math.floor((seq - 1) / SEALED_TABLE_RECORDS)}`,
    /**
     * The sealed history index: a table per kind (`By`: who did it, `On`: each target) and month
     * of the records' atMs (`AuditPeopleBy{yyyyMM}`), a partition per hash bucket of person, rows
     * newest first under the person's id. A person's records in a window are one row-key range
     * in each month it spans; a seal pass writes few partitions whatever the number of people.
     * Why a table per kind: Azurite evaluates a query over its whole table, and a record names
     * one initiator but often two targets.
     */
    peopleTable: (by: 'p' | 't', atMs: number) => `AuditPeople${by === 'p' ? 'By' : 'On'}${new Date(atMs).toISOString().slice(0, 7).replace('-', '')}`,
    person: (by: 'p' | 't', id: string, atMs: number, seq: number) => ({
      partitionKey: personPartition(by, id),
      rowKey: `${escapeKey(id.toLowerCase())}|${invertedTime(atMs)}|${String(MAX_SEQ - seq).padStart(12, '0')}`,
    }),
    /** A person's sealed index rows whose atMs is in [fromMs, toMs] (either end open), within one month's table. */
    personRange: (by: 'p' | 't', id: string, fromMs?: number, toMs?: number) => {
      const prefix = `${escapeKey(id.toLowerCase())}|`;
      return { partitionKey: personPartition(by, id), from: toMs === undefined ? prefix : `${prefix}${invertedTime(toMs)}|`, to: fromMs === undefined ? `${prefix}~` : `${prefix}${invertedTime(fromMs)}|~` };
    },
    /**
     * Where a sealed record's id points at its seq (get by id once its live marker is gone). Ids
     * made by auditRecord carry their time (UUID version 7): partitioned by the hour, so a seal
     * pass writes a few partitions; other ids by their first two characters.
     */
    sealedId: (recordId: string) => {
      const id = recordId.toLowerCase();
      const ms = uuidV7Time(id);
      return { partitionKey: ms === undefined ? `h|${escapeKey(id.slice(0, 2))}` : `t|${Math.floor(ms / 3_600_000)}`, rowKey: escapeKey(id) };
    },
    sealedIdTable: 'AuditIds',
  },
  /**
   * One partition per principal: its live rows (one per kind and target: the slot lock holding
   * the live schedule), its ended schedules, requests and approvals, and the outbox rows of
   * commits not yet relayed. Everything one change touches commits in one transaction.
   */
  principalPartition: (principalId: string) => `p|${escapeKey(principalId)}`,
  liveRow: (kind: string, target: Target) => `live|${kind}|${escapeKey(targetKey(target))}`,
  scheduleRow: (id: string) => `schedule|${escapeKey(id)}`,
  requestRow: (id: string) => `request|${escapeKey(id)}`,
  approvalRow: (id: string) => `approval|${escapeKey(id)}`,
  /**
   * The id index: where a request, schedule or approval lives, so a read by id is a point read.
   * Partitioned by the id's first two characters; ids made together share them (see
   * `siblingId`), so one transaction indexes a request and its schedule.
   */
  idIndex: (id: string) => ({ partitionKey: `i|${escapeKey(id.slice(0, 2).toLowerCase())}`, rowKey: escapeKey(id.toLowerCase()) }),
  /**
   * The due index: rows keyed by the minute their work falls due, read only once it has. The
   * exact time is in the row key, so work filed again for a later moment of the same minute is
   * a new row, not the one being handled (and dropped) right now.
   */
  due: (at: Date, what: string, partitionKey: string, id: string) => ({
    partitionKey: minuteBucket(at),
    rowKey: `${what}|${escapeKey(partitionKey)}|${escapeKey(id)}|${at.toISOString()}`,
  }),
  /**
   * Access reviews: every definition in one partition (they are few, and listed together); each
   * definition's instances and decision items in a partition of its own, so a decision commits
   * with its audit record; and a reviewer index, one partition per reviewer.
   */
  accessReview: {
    definitions: 'defs',
    definition: (id: string) => ({ partitionKey: 'defs', rowKey: escapeKey(id.toLowerCase()) }),
    partition: (definitionId: string) => `d|${escapeKey(definitionId.toLowerCase())}`,
    instanceRow: (instanceId: string) => `inst|${escapeKey(instanceId.toLowerCase())}`,
    decisionRow: (instanceId: string, decisionId: string) => `dec|${escapeKey(instanceId.toLowerCase())}|${escapeKey(decisionId.toLowerCase())}`,
    decisionPrefix: (instanceId: string) => `dec|${escapeKey(instanceId.toLowerCase())}|`,
    reviewer: (reviewerId: string, definitionId: string, instanceId: string) => ({
      partitionKey: `rev|${escapeKey(reviewerId.toLowerCase())}`,
      rowKey: `${escapeKey(definitionId.toLowerCase())}|${escapeKey(instanceId.toLowerCase())}`,
    }),
    reviewerPartition: (reviewerId: string) => `rev|${escapeKey(reviewerId.toLowerCase())}`,
  },
};
