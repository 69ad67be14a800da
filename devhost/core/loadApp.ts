import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

const SOURCE = new Set(['.ts', '.js', '.mjs', '.cjs', '.mts', '.cts']);

/**
 * Loads the app's function modules (every source file under the given folders, or the given
 * files), so their `app.*` registrations reach devhost's registry. The real host does the
 * same with the glob in package.json "main".
 */
export function loadApp(root: string, paths: string[]): string[] {
  const files = appFiles(root, paths);
  // The host loads the entry points with require(); so does devhost (tsx compiles .ts on the fly).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of files) require(file);
  return files;
}

/** The source files under the given folders (or the given files), sorted. */
export function appFiles(root: string, paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    const full = resolve(root, p);
    if (!existsSync(full)) throw new Error(`DEVHOST_APP: "${p}" does not exist.`);
    if (statSync(full).isDirectory()) files.push(...walk(full));
    else files.push(full);
  }
  return files.sort();
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (SOURCE.has(extname(entry.name)) && !/\.(d|test|spec)\.[cm]?[jt]s$/.test(entry.name)) out.push(full);
  }
  return out;
}
