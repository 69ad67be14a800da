/** One thing the app needs to reach, as /healthz reports it. No field carries a key or secret. */
export interface DependencyHealth {
  /** A short name of the backend, e.g. "Azure Table Storage". */
  readonly backend: string;
  /** Where the app reaches it (no keys, signatures or query strings). */
  readonly endpoint: string;
  /** True for a local stand-in (Azurite, devhost's bus or Graph stand-in). */
  readonly emulator: boolean;
  /**
   * Makes one cheap call the way the app itself calls (same connection, same identity);
   * resolves with its latency in ms, rejects when it fails. Stops when `signal` aborts.
   */
  probe(signal?: AbortSignal): Promise<number>;
}
