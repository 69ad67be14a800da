import { accessSync, constants } from 'node:fs';

/** Whether an executable file is at `path` (the tools the test command fetches: chromium, bicep). */
export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
