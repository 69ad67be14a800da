import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page and fails on serious or critical violations. Why evaluate and not
 * a script tag: the portal's CSP forbids inline script, which is the point; devtools evaluation
 * is not subject to it. A string, as the test program has no DOM types.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(`axe.run(document).then((r) => r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ': ' + JSON.stringify(v.nodes.map((n) => n.target))))`)) as string[];
  expect(violations, `axe on ${what}`).toEqual([]);
}
