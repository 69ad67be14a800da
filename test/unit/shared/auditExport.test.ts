import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, type JsonValue, linkHash } from '../../../shared/adapters/tables/auditChain';
import { csvHeader, csvRows, type ExportFormat, ExportReader, exportLine, exportTrailer, verifyExport } from '../../../shared/adapters/tables/auditExport';
import type { ChainedAuditRecord } from '../../../shared/ports/audit';

/** A chain of records from seq 1, each with a field a CSV must quote (commas, quotes, a line break). */
function chain(length: number): ChainedAuditRecord[] {
  const out: ChainedAuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const record: JsonValue = { id: `r${seq}`, activityDisplayName: 'Add member to role', details: `ticket ${seq}, "urgent"\r\nsecond line` };
    const hash = linkHash(seq, prevHash, record);
    out.push({ seq, prevHash, hash, json: JSON.stringify(record) });
    prevHash = hash;
  }
  return out;
}

/** An export as the service writes it: header (CSV), records, and the end marker when `finished`. */
function exported(format: ExportFormat, records: ChainedAuditRecord[], finished = true): string {
  const last = records.at(-1);
  return (
    (format === 'csv' ? csvHeader() : '') +
    records.map((r) => exportLine(format, r)).join('') +
    (finished ? exportTrailer(format, { records: records.length, lastSeq: last?.seq ?? null, lastHash: last?.hash ?? null }) : '')
  );
}

/** The text in pieces of `size` characters, as a download delivers it. */
function inPieces(text: string, size: number) {
  const reader = new ExportReader();
  for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
  return reader.end();
}

describe('audit export end marker', () => {
  for (const format of ['jsonl', 'csv'] as const) {
    it(`${format}: a finished export ends with the marker and verifies; without it, it is incomplete`, () => {
      const records = chain(5);
      const text = exported(format, records);
      const lastLine = text.trimEnd().split(/\r?\n/).at(-1) ?? '';
      expect(lastLine).toContain('"@export"');
      expect(verifyExport(text)).toMatchObject({ ok: true, count: 5, firstSeq: 1, lastSeq: 5, lastHash: records[4]?.hash });

      expect(verifyExport(exported(format, records, false))).toMatchObject({ ok: false, incomplete: true, count: 5, problem: expect.stringMatching(/no end marker after its 5 records/) });
      // Cut off between two records: what is left is intact, and still not complete.
      expect(verifyExport(exported(format, records.slice(0, 3), false))).toMatchObject({ ok: false, incomplete: true, count: 3 });
      // The marker of the whole export after the first three records: records were cut off the end.
      const cut = exported(format, records.slice(0, 3), false) + exportTrailer(format, { records: 5, lastSeq: 5, lastHash: records[4]?.hash ?? null });
      expect(verifyExport(cut)).toMatchObject({ ok: false, incomplete: true, problem: expect.stringMatching(/end marker says 5 records ending at seq 5 .* but the file holds 3 ending at seq 3/) });
      // A wrong hash in the marker is no match either.
      const otherHash = exported(format, records, false) + exportTrailer(format, { records: 5, lastSeq: 5, lastHash: records[3]?.hash ?? null });
      expect(verifyExport(otherHash)).toMatchObject({ ok: false, incomplete: true });
      // Anything after the marker was added later.
      expect(verifyExport(text + exportLine(format, records[0] as ChainedAuditRecord))).toMatchObject({ ok: false, incomplete: false, problem: expect.stringMatching(/follows the end marker/) });
    });

    it(`${format}: checks the same in pieces of any size as whole`, () => {
      const text = exported(format, chain(4));
      for (const size of [1, 2, 3, 7, 64, text.length]) expect(inPieces(text, size)).toEqual(verifyExport(text));
      const unfinished = exported(format, chain(4), false);
      for (const size of [1, 5, 100]) expect(inPieces(unfinished, size)).toEqual(verifyExport(unfinished));
    });
  }

  it('an empty export is complete with its marker, incomplete without', () => {
    expect(verifyExport(exported('jsonl', []))).toEqual({ ok: true, count: 0 });
    expect(verifyExport(exported('csv', []))).toEqual({ ok: true, count: 0 });
    expect(verifyExport('')).toMatchObject({ ok: false, incomplete: true, count: 0 });
    expect(verifyExport(csvHeader())).toMatchObject({ ok: false, incomplete: true, count: 0 });
  });

  it('reads CSV rows with quoted commas, quotes and line breaks', () => {
    expect([...csvRows('a,"b, ""c""\r\nd"\r\ne,f')]).toEqual([['a', 'b, "c"\r\nd'], ['e', 'f']]);
  });
});
