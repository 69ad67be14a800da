/** devhost's console logging: one line per invocation like the Functions host, plus user logs. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

export class Logger {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  private enabled(level: LogLevel): boolean {
    return order[level] >= order[this.level];
  }

  private emit(level: LogLevel, message: string): void {
    if (this.enabled(level)) this.write(`[${new Date().toISOString()}] ${message}`);
  }

  debug(message: string): void {
    this.emit('debug', message);
  }
  info(message: string): void {
    this.emit('info', message);
  }
  warn(message: string): void {
    this.emit('warn', message);
  }
  error(message: string): void {
    this.emit('error', message);
  }

  /** The host's per-invocation line: function name, invocation id, duration, outcome. */
  invocation(name: string, invocationId: string, durationMs: number, outcome: 'Succeeded' | 'Failed', error?: unknown) {
    const base = `Executed 'Functions.${name}' (${outcome}, Id=${invocationId}, Duration=${Math.round(durationMs)}ms)`;
    if (outcome === 'Failed') {
      const reason = failureReason(error);
      this.emit('warn', `${base} ${reason}`);
    } else {
      this.emit('info', base);
    }
  }

  /** Logs written by the function through context.log / context.warn / ... */
  user(level: string, name: string, _invocationId: string, category: string, message: string): void {
    const mapped: LogLevel =
      level === 'error' || level === 'critical'
        ? 'error'
        : level === 'warning'
          ? 'warn'
          : level === 'trace' || level === 'debug' || category === 'system'
            ? 'debug'
            : 'info';
    this.emit(mapped, `[${name}] ${message}`);
  }
}

/** The first line of an error; for a failed orchestrator, the error inside its out-of-proc state. */
function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const label = '$OutOfProcData$:';
  const at = message.indexOf(label);
  if (at >= 0) {
    try {
      const state = JSON.parse(message.slice(at + label.length)) as { error?: string };
      if (state.error) return state.error.split('\n')[0] ?? '';
    } catch {
      // fall through to the raw message
    }
  }
  return message.split('\n')[0] ?? '';
}
