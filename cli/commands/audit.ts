import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { ExportReader } from '../../shared/adapters/tables/auditExport';
import { connect } from '../api';
import { type ParsedCommand, stringOption, UsageError } from '../args';
import { CliError } from '../errors';
import type { Output } from '../output';

const EXPORT = '/v1.0/auditLogs/directoryAudits/export';

/**
 * `pim audit export`: the audit records of a time window with their hash-chain positions, as
 * JSON lines (default) or CSV, streamed to a file (-o) or stdout. The service checks the
 * options and the caller's rights before the first byte, so a refusal never leaves a partial file.
 */
export async function audit(cmd: ParsedCommand, out: Output): Promise<void> {
  const sub = cmd.command[1];
  if (sub !== 'export') throw new UsageError(`Unknown 'pim audit ${sub}': use export.`);
  const format = stringOption(cmd.options, 'format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format '${format}' is not a format: use jsonl or csv.`);
  const query = new URLSearchParams({ format });
  for (const name of ['from', 'to']) {
    const value = stringOption(cmd.options, name);
    if (value !== undefined) query.set(name, value);
  }
  const api = connect(cmd.global.url);
  const file = stringOption(cmd.options, 'output');
  const target = file ? createWriteStream(file) : process.stdout;
  const reader = new ExportReader();
  const decoder = new StringDecoder('utf8');
  // Why check while downloading: a connection cut between two lines leaves a file that looks
  // whole; the export's end marker (or its absence) tells.
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      reader.push(decoder.write(chunk));
      done(null, chunk);
    },
  });
  const written = pipeline(checked, target);
  // A failed download is reported by download() itself; this only keeps its echo quiet.
  written.catch(() => undefined);
  try {
    await api.download(`${EXPORT}?${query.toString()}`, checked);
    await written;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`The download of the audit export was cut off (${error instanceof Error ? error.message : String(error)})${file ? `: ${file} is incomplete` : ''}. Download it again.`, 1, 'ExportIncomplete');
  }
  reader.push(decoder.end());
  const verdict = reader.end();
  if (!verdict.ok) {
    const where = file ? ` in ${file}` : '';
    throw new CliError(`The audit export${where} is ${verdict.incomplete ? 'incomplete' : 'broken'} (line ${verdict.line}, after ${verdict.count} good records): ${verdict.problem}`, 1, verdict.incomplete ? 'ExportIncomplete' : 'ExportBroken');
  }
  const summary = verdict.count === 0 ? 'no records' : `${verdict.count} records, seq ${verdict.firstSeq} to ${verdict.lastSeq}`;
  if (file) out.result({ file, format, records: verdict.count, firstSeq: verdict.firstSeq, lastSeq: verdict.lastSeq, anchor: verdict.anchor, lastHash: verdict.lastHash }, `Wrote the audit export to ${file}: ${summary}, complete and intact. Check it again any time with: npm run audit:verify -- --export ${file}`);
  else out.progress(`Audit export: ${summary}, complete and intact.`);
}
