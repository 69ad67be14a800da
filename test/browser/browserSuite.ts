import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type AppHost, startAppHost } from '../e2e/appHost';
import { launchDebianChromium } from './debianChromium';

export interface BrowserSuite {
  app: AppHost;
  browser: Browser;
}

/**
 * A browser test file's set-up: the whole app in devhost and Debian's chromium, started once
 * before its tests (with `shots`, where its screenshots go, made) and stopped after them.
 * `started` hands them to the file's variables.
 */
export function useBrowserSuite(shots: string, started: (suite: BrowserSuite) => void): void {
  let suite: Partial<BrowserSuite> = {};
  beforeAll(async () => {
    // `npm test` builds the portal first (pretest); run alone, a test says what is missing.
    if (!existsSync(resolve(__dirname, '../../portal/dist/index.html'))) throw new Error('The portal is not built: run `npm run build:portal`.');
    mkdirSync(shots, { recursive: true });
    const app = await startAppHost();
    suite = { app };
    const browser = await launchDebianChromium();
    suite = { app, browser };
    started({ app, browser });
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.app?.host.stop();
  });
}
