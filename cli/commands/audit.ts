import { createWriteStream } from 'node:fs';
import { connect } from '../api';
import { type ParsedCommand, stringOption, UsageError } from '../args';
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
  await api.download(`${EXPORT}?${query.toString()}`, target);
  if (file) out.result({ file, format }, `Wrote the audit export to ${file}. Check it with: npm run audit:verify -- --export ${file}`);
}
