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
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
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
