/** A refused bus request, with the HTTP status and stable code the devhost endpoints answer with. */
export class BusError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BusError';
  }
}

/** The first line of whatever a failed invocation threw (what a dead-letter description shows). */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? '';
}
