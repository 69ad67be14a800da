/** Whether the app's storage answers, and what it is (for /healthz). */
export interface StorageHealth {
  /** A short name of the backend, e.g. "Azure Table Storage". */
  readonly backend: string;
  /** The table endpoint in use (no keys or secrets). */
  readonly endpoint: string;
  /** True when the endpoint is the local storage emulator (Azurite). */
  readonly emulator: boolean;
  /** Makes one cheap call; resolves with its latency, rejects when storage does not answer. */
  probe(): Promise<number>;
}
