import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What `pim login` stores: the service and a bearer token for it. */
export interface StoredLogin {
  url: string;
  accessToken: string;
  /** ISO time the token expires; the CLI asks for a new login after it. */
  expiresOn: string;
  /** Who signed in, for `pim whoami` and messages. */
  account: { kind: 'user' | 'servicePrincipal'; oid: string; name: string };
  /** How to sign in again ("dev" or "entra"). */
  method: 'dev' | 'entra';
  /** A token for the ARM surface (Azure resource roles), when the sign-in got one. */
  armAccessToken?: string;
  /** ARM scopes (subscriptions, management groups) `pim roles` lists Azure roles at; may be edited by hand. */
  scopes?: string[];
}

/** PIM_CONFIG_DIR, else $XDG_CONFIG_HOME/pim, else ~/.config/pim (also on macOS, as gh and az do). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIM_CONFIG_DIR) return env.PIM_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'pim');
}

const file = () => join(configDir(), 'login.json');

export function readLogin(): StoredLogin | undefined {
  try {
    return JSON.parse(readFileSync(file(), 'utf8')) as StoredLogin;
  } catch {
    return undefined;
  }
}

export function writeLogin(login: StoredLogin): void {
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  // Why: the file holds a bearer token; only its owner may read it.
  writeFileSync(file(), `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
}

export function removeLogin(): void {
  rmSync(file(), { force: true });
}
