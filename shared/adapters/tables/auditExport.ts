import type { ChainedAuditRecord } from '../../ports/audit';
import { GENESIS_HASH, type JsonValue, linkHash } from './auditLink';

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
 *
 * The last line is the end marker, written only once every record was sent: JSON lines
 * `{"@export":"end","records":N,"lastSeq":S,"lastHash":H}`, CSV a row whose seq column is
 * `@export` and whose record column holds that object. Why: a download cut off between two lines
 * looks like a complete, shorter export; without the marker (or with one that does not match the
 * records before it) the checker says the export is incomplete.
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

/** What the end marker states: the records before it, and the last one's seq and hash (null when none). */
export interface ExportEnd {
  records: number;
  lastSeq: number | null;
  lastHash: string | null;
}

/** The marker a complete export ends with: its last line. */
export const END_MARKER = '@export';

const endJson = (end: ExportEnd) => JSON.stringify({ [END_MARKER]: 'end', records: end.records, lastSeq: end.lastSeq, lastHash: end.lastHash });

/** The end marker line (written only when every record was sent). */
export function exportTrailer(format: ExportFormat, end: ExportEnd): string {
  if (format === 'jsonl') return `${endJson(end)}\n`;
  const fields: string[] = [END_MARKER, ...Array.from({ length: CSV_COLUMNS.length - 2 }, () => ''), endJson(end)];
  return `${fields.map(csvField).join(',')}\r\n`;
}

/**
 * The export's text, produced as the chain is read (a long range is never held in memory), in
 * pieces of about 64 KiB: the CSV header, the records, and the end marker once the last record
 * was read. A read failing midway ends it without the marker, so the export checks incomplete.
 */
export async function* exportText(format: ExportFormat, records: AsyncIterable<ChainedRecord>): AsyncIterable<string> {
  let batch = format === 'csv' ? csvHeader() : '';
  let count = 0;
  let last: ChainedRecord | undefined;
  for await (const record of records) {
    batch += exportLine(format, record);
    count++;
    last = record;
    // Why batches: one write per record would make a million small chunks.
    if (batch.length >= 64 * 1024) {
      yield batch;
      batch = '';
    }
  }
  yield batch + exportTrailer(format, { records: count, lastSeq: last?.seq ?? null, lastHash: last?.hash ?? null });
}

/**
 * CSV rows from text that arrives in pieces (RFC 4180: quoted fields may hold commas, quotes and
 * line ends, and a piece may end anywhere, even inside a field or between \r and \n).
 */
export class CsvRowReader {
  private row: string[] = [];
  private field = '';
  private quoted = false;
  /** A quote or \r ending the last piece, whose meaning depends on the next character. */
  private pending = '';

  /** The rows the text completes. */
  push(piece: string): string[][] {
    const text = this.pending + piece;
    this.pending = '';
    const rows: string[][] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      const last = i === text.length - 1;
      if (this.quoted) {
        if (c === '"' && last) this.pending = c;
        else if (c === '"' && text[i + 1] === '"') {
          this.field += '"';
          i++;
        } else if (c === '"') this.quoted = false;
        else this.field += c;
      } else if (c === '"') this.quoted = true;
      else if (c === ',') {
        this.row.push(this.field);
        this.field = '';
      } else if (c === '\r' && last) this.pending = c;
      else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        rows.push(this.endRow());
      } else this.field += c;
    }
    return rows;
  }

  /** The last row, when the text does not end with a line end. */
  end(): string[][] {
    const rows: string[][] = [];
    // A quote at the very end closes its field; a \r ends the row.
    if (this.pending === '"') this.quoted = false;
    if (this.pending === '\r') rows.push(this.endRow());
    this.pending = '';
    if (this.field !== '' || this.row.length > 0) rows.push(this.endRow());
    return rows;
  }

  private endRow(): string[] {
    this.row.push(this.field);
    const row = this.row;
    this.row = [];
    this.field = '';
    return row;
  }
}

/** The rows of a CSV text (RFC 4180: quoted fields may hold commas, quotes and line ends). */
export function* csvRows(text: string): Generator<string[]> {
  const reader = new CsvRowReader();
  yield* reader.push(text);
  yield* reader.end();
}

export type ExportVerdict =
  | { ok: true; count: number; firstSeq?: number; lastSeq?: number; anchor?: string; lastHash?: string }
  /** `incomplete`: the records present are intact, but the export did not end as a finished one does. */
  | { ok: false; count: number; line: number; problem: string; incomplete: boolean };

/** One parsed line: its chain position and record, the end marker, or what is wrong with it. */
type Parsed = { seq: number; prevHash: string; hash: string; record: JsonValue } | { end: ExportEnd } | string;

function parseEnd(value: unknown): Parsed {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (v[END_MARKER] !== 'end') return `its ${END_MARKER} is not "end"`;
  const { records, lastSeq, lastHash } = v;
  if (typeof records !== 'number' || !Number.isSafeInteger(records) || records < 0) return 'the end marker\'s records is not a whole number';
  if (lastSeq !== null && (typeof lastSeq !== 'number' || !Number.isSafeInteger(lastSeq))) return 'the end marker\'s lastSeq is not a whole number';
  if (lastHash !== null && (typeof lastHash !== 'string' || !HASH.test(lastHash))) return 'the end marker\'s lastHash is not a SHA-256 hex string';
  return { end: { records, lastSeq, lastHash } };
}

const HASH = /^[0-9a-f]{64}$/;

function position(seq: unknown, prevHash: unknown, hash: unknown, json: unknown): Parsed {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'its seq is missing or not a positive whole number';
  if (typeof prevHash !== 'string' || !HASH.test(prevHash)) return 'its prevHash is not a SHA-256 hex string';
  if (typeof hash !== 'string' || !HASH.test(hash)) return 'its hash is not a SHA-256 hex string';
  if (json === undefined) return 'it holds no record';
  return { seq, prevHash, hash, record: json as JsonValue };
}

function parseJsonLine(line: string): Parsed {
  let value: { seq?: unknown; prevHash?: unknown; hash?: unknown; record?: unknown; [END_MARKER]?: unknown };
  try {
    value = JSON.parse(line) as typeof value;
  } catch {
    return 'it is not JSON';
  }
  if (typeof value === 'object' && value !== null && END_MARKER in value) return parseEnd(value);
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
  if (seq === END_MARKER) return parseEnd(record);
  return position(/^\d+$/.test(seq ?? '') ? Number(seq) : undefined, prevHash, hash, record);
}

/**
 * Checks an export record by record: every record's hash, and that each names the one before it
 * with consecutive seqs. A file starting at seq 1 must start from the chain's genesis hash. It
 * must end with the end marker, matching the records before it: else it is incomplete.
 */
export class ExportChecker {
  private previous: { seq: number; hash: string } | undefined;
  private first: { seq: number; prevHash: string } | undefined;
  private count = 0;
  private lastLine = 0;
  private ended = false;
  private failure: ExportVerdict | undefined;

  /** Checks the next line (a JSON line, or a CSV row's fields); false once something is wrong. */
  add(line: string | string[], lineNo: number): boolean {
    if (this.failure) return false;
    this.lastLine = lineNo;
    const parsed = typeof line === 'string' ? parseJsonLine(line) : parseCsvRow(line);
    const fail = (problem: string, incomplete = false) => {
      this.failure = { ok: false, count: this.count, line: lineNo, problem, incomplete };
      return false;
    };
    if (this.ended) return fail(`line ${lineNo} follows the end marker: lines were added after the end of the export`);
    if (typeof parsed === 'string') return fail(`line ${lineNo} is not an exported record: ${parsed}`);
    if ('end' in parsed) {
      this.ended = true;
      const { end } = parsed;
      const held = { records: this.count, lastSeq: this.previous?.seq ?? null, lastHash: this.previous?.hash ?? null };
      if (end.records !== held.records || end.lastSeq !== held.lastSeq || end.lastHash !== held.lastHash) {
        return fail(
          `the end marker says ${end.records} records ending at seq ${end.lastSeq ?? '-'} (hash ${end.lastHash ?? '-'}), but the file holds ${held.records} ending at seq ${held.lastSeq ?? '-'} (hash ${held.lastHash ?? '-'}): records were cut off the end, or the marker belongs to another export`,
          true,
        );
      }
      return true;
    }
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
    if (!this.ended) {
      const problem = `the export has no end marker after its ${this.count} records: the download was cut off, or the file was truncated. Download it again.`;
      return { ok: false, count: this.count, line: this.lastLine + 1, problem, incomplete: true };
    }
    if (!this.first || !this.previous) return { ok: true, count: 0 };
    return { ok: true, count: this.count, firstSeq: this.first.seq, lastSeq: this.previous.seq, anchor: this.first.prevHash, lastHash: this.previous.hash };
  }
}

/** Whether an export's text (or its first line) is CSV: it starts with the header row. */
export const isCsvExport = (start: string) => start.startsWith(`${CSV_COLUMNS[0]},`);

/**
 * Checks an export as its text arrives, in pieces of any size (a download, a file read in
 * chunks), never holding it whole: JSON lines line by line, CSV row by row (after the header).
 */
export class ExportReader {
  private readonly checker = new ExportChecker();
  private format: ExportFormat | undefined;
  /** The start, until it shows the format; then a JSON line's unfinished part. */
  private buffer = '';
  private readonly csv = new CsvRowReader();
  private lineNo = 0;

  push(piece: string): void {
    if (this.format === undefined) {
      this.buffer += piece;
      // The header's first column and its comma tell CSV apart (JSON lines start with '{').
      if (this.buffer.length <= CSV_COLUMNS[0].length && CSV_COLUMNS[0].startsWith(this.buffer)) return;
      this.format = isCsvExport(this.buffer) ? 'csv' : 'jsonl';
      piece = this.buffer;
      this.buffer = '';
    }
    if (this.format === 'csv') {
      for (const row of this.csv.push(piece)) this.row(row);
      return;
    }
    const lines = (this.buffer + piece).split('\n');
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  end(): ExportVerdict {
    if (this.format === 'csv') {
      for (const row of this.csv.end()) this.row(row);
    } else if (this.buffer !== '') {
      this.line(this.buffer);
      this.buffer = '';
    }
    return this.checker.verdict();
  }

  private row(row: string[]): void {
    this.lineNo++;
    if (this.lineNo === 1 || (row.length === 1 && row[0] === '')) return;
    this.checker.add(row, this.lineNo);
  }

  private line(line: string): void {
    this.lineNo++;
    if (line.trim() !== '') this.checker.add(line, this.lineNo);
  }
}

/** Checks a whole export held in memory (either format). */
export function verifyExport(text: string): ExportVerdict {
  const reader = new ExportReader();
  reader.push(text);
  return reader.end();
}
