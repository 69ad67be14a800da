import type { ChainedAuditRecord } from '../../ports/audit';
import { GENESIS_HASH, type JsonValue, linkHash } from './auditChain';

/**
 * Audit exports that verify on their own. Each exported record carries its chain position: its
 * seq, the previous record's hash and its own hash (SHA-256 over the canonical JSON of {seq,
 * prevHash, record}, auditChain.ts). A reader with only the file recomputes every hash and checks
 * that each record names the one before it, so an edited, removed, inserted or reordered line
 * shows. The first record's prevHash anchors the file: compare it with the chain (or with the last
 * hash of the export before it) to know nothing was cut off the front.
 *
 * JSON lines: one `{"seq","prevHash","hash","record"}` object a line. CSV: a header row, then a
 * row a record; `record` holds the record's JSON (what the hash covers), the columns before it are
 * for reading.
 */
export type ExportFormat = 'jsonl' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv'];

type ChainedRecord = ChainedAuditRecord;

export const CSV_COLUMNS = ['seq', 'prevHash', 'hash', 'id', 'activityDateTime', 'activityDisplayName', 'category', 'result', 'initiatedByUserId', 'targetResourceIds', 'record'] as const;

export const CONTENT_TYPES: Record<ExportFormat, string> = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' };

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

interface RecordView {
  id?: string;
  activityDateTime?: string;
  activityDisplayName?: string;
  category?: string;
  result?: string;
  initiatedBy?: { user?: { id?: string } | null };
  targetResources?: Array<{ id?: string }>;
}

/** The header line of a CSV export. */
export const csvHeader = () => `${CSV_COLUMNS.join(',')}\r\n`;

/** One record as a line of the export (with its line end). */
export function exportLine(format: ExportFormat, r: ChainedRecord): string {
  if (format === 'jsonl') return `{"seq":${r.seq},"prevHash":"${r.prevHash}","hash":"${r.hash}","record":${r.json}}\n`;
  const v = JSON.parse(r.json) as RecordView;
  const fields = [
    r.seq,
    r.prevHash,
    r.hash,
    v.id ?? '',
    v.activityDateTime ?? '',
    v.activityDisplayName ?? '',
    v.category ?? '',
    v.result ?? '',
    v.initiatedBy?.user?.id ?? '',
    (v.targetResources ?? []).map((t) => t.id ?? '').join(' '),
    r.json,
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The rows of a CSV text (RFC 4180: quoted fields may hold commas, quotes and line ends). */
export function* csvRows(text: string): Generator<string[]> {
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      yield row;
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    yield row;
  }
}

export type ExportVerdict =
  | { ok: true; count: number; firstSeq?: number; lastSeq?: number; anchor?: string; lastHash?: string }
  | { ok: false; count: number; line: number; problem: string };

/** One parsed line: its chain position and record, or what is wrong with it. */
type Parsed = { seq: number; prevHash: string; hash: string; record: JsonValue } | string;

const HASH = /^[0-9a-f]{64}$/;

function position(seq: unknown, prevHash: unknown, hash: unknown, json: unknown): Parsed {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'its seq is missing or not a positive whole number';
  if (typeof prevHash !== 'string' || !HASH.test(prevHash)) return 'its prevHash is not a SHA-256 hex string';
  if (typeof hash !== 'string' || !HASH.test(hash)) return 'its hash is not a SHA-256 hex string';
  if (json === undefined) return 'it holds no record';
  return { seq, prevHash, hash, record: json as JsonValue };
}

function parseJsonLine(line: string): Parsed {
  let value: { seq?: unknown; prevHash?: unknown; hash?: unknown; record?: unknown };
  try {
    value = JSON.parse(line) as typeof value;
  } catch {
    return 'it is not JSON';
  }
  return position(value.seq, value.prevHash, value.hash, value.record);
}

function parseCsvRow(row: string[]): Parsed {
  if (row.length !== CSV_COLUMNS.length) return `it has ${row.length} columns, not ${CSV_COLUMNS.length}`;
  const [seq, prevHash, hash] = row;
  let record: unknown;
  try {
    record = JSON.parse(row[CSV_COLUMNS.length - 1] ?? '');
  } catch {
    return 'its record column is not JSON';
  }
  return position(/^\d+$/.test(seq ?? '') ? Number(seq) : undefined, prevHash, hash, record);
}

/**
 * Checks an export record by record: every record's hash, and that each names the one before it
 * with consecutive seqs. A file starting at seq 1 must start from the chain's genesis hash.
 */
export class ExportChecker {
  private previous: { seq: number; hash: string } | undefined;
  private first: { seq: number; prevHash: string } | undefined;
  private count = 0;
  private failure: ExportVerdict | undefined;

  /** Checks the next line (a JSON line, or a CSV row's fields); false once something is wrong. */
  add(line: string | string[], lineNo: number): boolean {
    if (this.failure) return false;
    const parsed = typeof line === 'string' ? parseJsonLine(line) : parseCsvRow(line);
    const fail = (problem: string) => {
      this.failure = { ok: false, count: this.count, line: lineNo, problem };
      return false;
    };
    if (typeof parsed === 'string') return fail(`line ${lineNo} is not an exported record: ${parsed}`);
    if (parsed.seq === 1 && parsed.prevHash !== GENESIS_HASH) return fail('seq 1 must start from the genesis hash: the start of the chain was replaced');
    const previous = this.previous;
    if (previous) {
      if (parsed.seq !== previous.seq + 1) return fail(`seq ${parsed.seq} follows seq ${previous.seq}: records were removed, inserted or reordered`);
      if (parsed.prevHash !== previous.hash) return fail(`seq ${parsed.seq} does not name the hash of seq ${previous.seq}: a record before it was changed or replaced`);
    }
    if (linkHash(parsed.seq, parsed.prevHash, parsed.record) !== parsed.hash) return fail(`seq ${parsed.seq}: its content does not match its hash: the record was edited`);
    this.first ??= { seq: parsed.seq, prevHash: parsed.prevHash };
    this.previous = { seq: parsed.seq, hash: parsed.hash };
    this.count++;
    return true;
  }

  verdict(): ExportVerdict {
    if (this.failure) return this.failure;
    if (!this.first || !this.previous) return { ok: true, count: 0 };
    return { ok: true, count: this.count, firstSeq: this.first.seq, lastSeq: this.previous.seq, anchor: this.first.prevHash, lastHash: this.previous.hash };
  }
}

/** Whether an export's text (or its first line) is CSV: it starts with the header row. */
export const isCsvExport = (start: string) => start.startsWith(`${CSV_COLUMNS[0]},`);

/** Checks a whole export held in memory (either format). */
export function verifyExport(text: string): ExportVerdict {
  const checker = new ExportChecker();
  if (isCsvExport(text)) {
    let lineNo = 0;
    for (const row of csvRows(text)) {
      lineNo++;
      if (lineNo === 1 || (row.length === 1 && row[0] === '')) continue;
      if (!checker.add(row, lineNo)) break;
    }
  } else {
    for (const [i, line] of text.split('\n').entries()) {
      if (line.trim() !== '' && !checker.add(line, i + 1)) break;
    }
  }
  return checker.verdict();
}
