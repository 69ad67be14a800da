import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { chromiumPath, missingChromiumMessage } from '../../scripts/chromium';

/**
 * Debian's chromium, headless, with no background networking on this closed machine. `npm
 * test` installs it first where it can (scripts/chromium.ts); run alone, a browser test says
 * what is missing in one line instead of the launcher's error.
 */
export async function launchDebianChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw Object.assign(new Error(missingChromiumMessage(executablePath)), { stack: missingChromiumMessage(executablePath) });
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
