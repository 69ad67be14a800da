import { join, resolve } from 'node:path';
import { useBrowserSuite } from './browserSuite';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type AppHost } from '../e2e/appHost';
import { profile, type Run, runPim } from '../e2e/cliRunner';
import { ROLES, USERS } from '../e2e/demo';

/** The README's picture of the CLI is this test's screenshot: a real session against devhost. */
const SHOTS = resolve(__dirname, '../../test-results/screenshots/cli');

let app: AppHost;
let browser: Browser;
useBrowserSuite(SHOTS, (started) => ({ app, browser } = started));

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A terminal window showing each command and what it printed (stdout and stderr, as a terminal interleaves them). */
function terminal(session: Array<{ command: string; run: Run }>): string {
  const body = session.map(({ command, run }) => `<span class="prompt">$</span> ${escape(command)}\n${escape(run.stderr)}${escape(run.stdout)}`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pim</title><style>
    body { margin: 0; background: #1e1e1e; }
    pre { margin: 0; padding: 16px 20px; color: #e6e6e6; font: 14px/1.45 "DejaVu Sans Mono", monospace; white-space: pre-wrap; }
    .prompt { color: #7ec699; }
  </style></head><body><pre>${body}</pre></body></html>`;
}

describe('the pim CLI, as a person sees it', () => {
  it('signs in, lists roles, activates with --wait until active, and the transcript is kept as the README picture', async () => {
    const eligible = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'On-call rota',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P90D' } },
    });
    expect(eligible.status).toBe(201);
    const dir = profile();
    const session: Array<{ command: string; run: Run }> = [];
    const pim = async (args: string[], shown: string) => {
      const run = await runPim(app.url, dir, args);
      expect(run.code, run.stderr).toBe(0);
      // The temporary config folder and port are this test's; the picture shows what a user types.
      session.push({ command: shown, run: { ...run, stdout: run.stdout.replaceAll(app.url, 'http://localhost:7071') } });
      return run;
    };
    await pim(['login', '--dev', 'alice'], 'pim login --dev alice');
    const roles = await pim(['roles'], 'pim roles');
    expect(roles.stdout).toMatch(/Eligible[\s\S]*Helpdesk Administrator/);
    const activated = await pim(['activate', 'Helpdesk Administrator', '--reason', 'INC-4711: reset a locked-out user', '--duration', '2h', '--wait'], "pim activate 'Helpdesk Administrator' --reason 'INC-4711: reset a locked-out user' --duration 2h --wait");
    expect(activated.stderr).toMatch(/Request submitted[\s\S]*Active: ready to use/);
    expect(activated.stdout).toMatch(/Helpdesk Administrator is active until/);
    const after = await pim(['roles'], 'pim roles');
    expect(after.stdout).toMatch(/Active[\s\S]*Helpdesk Administrator/);

    const page = await browser.newPage({ viewport: { width: 980, height: 400 } });
    await page.setContent(terminal(session));
    expect(await page.locator('pre').textContent()).toContain('Active: ready to use');
    await page.screenshot({ path: join(SHOTS, 'pim-activate.png'), fullPage: true });
    await page.close();
  }, 120_000);
});
