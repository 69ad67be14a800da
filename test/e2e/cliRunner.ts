import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../../bin/pim');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A config folder of its own: one signed-in identity, as on one person's machine. */
export const profile = () => mkdtempSync(join(tmpdir(), 'pim-cli-'));

/**
 * `pim ...` as a child process against the app at `url`. Never spawnSync: the app answers from
 * this very process, which must keep running while the CLI waits.
 */
export function runPim(url: string, configDir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, PIM_URL: url, PIM_CONFIG_DIR: configDir, PIM_POLL_MS: '200', NODE_OPTIONS: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** A fresh profile signed in through `pim login --dev ...who` (a user's alias, or `--service-principal` and a name). */
export async function signedInProfile(url: string, who: string[]): Promise<string> {
  const dir = profile();
  const res = await runPim(url, dir, ['login', '--dev', ...who]);
  if (res.code !== 0) throw new Error(`pim login --dev ${who.join(' ')} failed (${res.code}): ${res.stderr}`);
  return dir;
}
