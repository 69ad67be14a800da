import { ApiError } from './api';

/** An error as the user reads it: the API's message with its stable code. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}
