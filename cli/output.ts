/**
 * Where a command's answer goes: JSON on stdout with --json, else text on stdout; progress and
 * messages always on stderr, so `--json` output stays parseable.
 */
export interface Output {
  readonly json: boolean;
  /** The command's answer: `data` as JSON, or `text` for people. */
  result(data: unknown, text: string): void;
  progress(text: string): void;
}

export function createOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  return {
    json,
    result(data, text) {
      stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
    },
    progress(text) {
      stderr.write(`${text}\n`);
    },
  };
}

/** A plain table: columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
