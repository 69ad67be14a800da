import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditLog, AuditRecord } from '../../ports/audit';
import { AUDIT_TABLE, type AuditHeadEntity, type AuditRecordEntity, type ChainLink, type JsonValue, nextLink } from './auditChain';
import { keys } from './keys';
import { statusCodeOf, type TableAccess } from './tableAccess';

export interface AuditLogOptions {
  /** Tries per append: each lost race re-reads the head and tries the next seq. */
  maxAttempts?: number;
  /** Told of each lost race (for metrics and load tests). */
  onConflict?: (attempt: number) => void;
}

interface Head {
  seq: number;
  hash: string;
  etag: string;
}

const DEFAULT_MAX_ATTEMPTS = 50;
const BACKOFF_BASE_MS = 4;
const BACKOFF_CAP_MS = 200;

export function fromRecordEntity(e: Pick<AuditRecordEntity, 'rowKey' | 'json'>): AuditRecord {
  const r = JSON.parse(e.json) as AuditRecord;
  if (typeof r.id !== 'string' || typeof r.activityDateTime !== 'string') throw new Error(`Malformed audit row ${e.rowKey}`);
  return r;
}

async function readHead(table: TableClient): Promise<Head | undefined> {
  let e: AuditHeadEntity & { etag: string };
  try {
    e = await table.getEntity<AuditHeadEntity>(keys.audit.head.partitionKey, keys.audit.head.rowKey);
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
  if (typeof e.seq !== 'number' || typeof e.hash !== 'string') {
    throw new Error('The audit chain head is malformed; run `npm run audit:verify`.');
  }
  return { seq: e.seq, hash: e.hash, etag: e.etag };
}

/** The new record row and the head moved onto it, as one entity-group transaction. */
function appendActions(head: Head | undefined, link: ChainLink, json: string): TransactionAction[] {
  const headRow: AuditHeadEntity = { ...keys.audit.head, seq: link.seq, hash: link.hash };
  const recordRow: AuditRecordEntity = { ...keys.audit.record(link.seq), ...link, json };
  // Why: the head's ETag is the lock. Of all appenders that read the same head, exactly one
  // commits; the others fail as a whole (no record row without its head move) and retry.
  const moveHead: TransactionAction = head ? ['update', headRow, 'Replace', { etag: head.etag }] : ['create', headRow];
  return [moveHead, ['create', recordRow]];
}

/** Commits the link; false when another append moved the head first (409/412). */
async function commit(table: TableClient, head: Head | undefined, link: ChainLink, json: string): Promise<boolean> {
  try {
    await table.submitTransaction(appendActions(head, link, json));
    return true;
  } catch (error) {
    const status = statusCodeOf(error);
    if (status === 409 || status === 412) return false;
    throw error;
  }
}

/**
 * Whether `link` is already stored: the SDK retries a transaction after a timeout, so one that
 * did commit can come back as a conflict. Counting it as lost would store the record twice.
 */
async function alreadyStored(table: TableClient, head: Head | undefined, link: ChainLink): Promise<boolean> {
  if (!head || head.seq < link.seq) return false;
  if (head.seq === link.seq) return head.hash === link.hash;
  const { partitionKey, rowKey } = keys.audit.record(link.seq);
  try {
    const row = await table.getEntity<AuditRecordEntity>(partitionKey, rowKey, { queryOptions: { select: ['hash'] } });
    return row.hash === link.hash;
  } catch (error) {
    if (statusCodeOf(error) === 404) return false;
    throw error;
  }
}

/** Full jitter, growing with the attempt: losers spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/**
 * Append-only, hash-chained audit in Table Storage (see auditChain.ts for the chain). Appends
 * from any number of processes are serialised by the chain head's ETag; within one process
 * (one instance of this log) they also queue, because racing our own requests for the head only
 * burns attempts that the other processes' appends need.
 */
export function tableAuditLog(tables: TableAccess, options: AuditLogOptions = {}): AuditLog {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let queue: Promise<unknown> = Promise.resolve();

  function append(record: AuditRecord): Promise<void> {
    const appended = queue.then(() => appendNow(record));
    queue = appended.catch(() => undefined);
    return appended;
  }

  async function appendNow(record: AuditRecord): Promise<void> {
    const table = await tables.table(AUDIT_TABLE);
    const json = JSON.stringify(record);
    // Why: hash what a verifier will read back (parsed stored JSON), not the object in hand,
    // which may hold undefined properties that the stored text does not.
    const stored = JSON.parse(json) as JsonValue;
    let head = await readHead(table);
    for (let attempt = 1; ; attempt++) {
      const link = nextLink(head, stored);
      if (await commit(table, head, link, json)) return;
      options.onConflict?.(attempt);
      if (attempt >= maxAttempts) {
        throw new Error(
          `Could not append audit record ${record.id} in ${maxAttempts} attempts: the chain head kept moving ` +
            'or is out of step with the records (run `npm run audit:verify`).',
        );
      }
      await backoff(attempt);
      head = await readHead(table);
      if (await alreadyStored(table, head, link)) return;
      // Starting a chain lost to rows already there, yet still no head: someone removed it.
      if (!head) throw new Error('The audit chain head is missing but records exist (run `npm run audit:verify`).');
    }
  }

  async function list(filter: { from?: string; to?: string } = {}): Promise<AuditRecord[]> {
    const table = await tables.table(AUDIT_TABLE);
    const query = odata`PartitionKey eq ${keys.audit.partition} and RowKey ne ${keys.audit.head.rowKey}`;
    const out: AuditRecord[] = [];
    for await (const e of table.listEntities<AuditRecordEntity>({ queryOptions: { filter: query, select: ['json'] } })) {
      // Why: filter on the record's own time (covered by the hash), not on an unchained column.
      const record = fromRecordEntity(e);
      if (filter.from && record.activityDateTime < filter.from) continue;
      if (filter.to && record.activityDateTime > filter.to) continue;
      out.push(record);
    }
    // Concurrent appends commit in any order, so seq order is not time order.
    return out.sort((a, b) => a.activityDateTime.localeCompare(b.activityDateTime) || a.id.localeCompare(b.id));
  }

  return { append, list };
}
