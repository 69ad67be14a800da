import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of DESIGN.md, checked on the source: shared/domain imports nothing
 * outside itself; shared/app imports the domain, the ports and itself (never shared/http,
 * shared/adapters or an SDK); and no module of shared/ imports itself round a cycle (type-only
 * imports included: they tie modules together just the same).
 */

const ROOT = resolve(__dirname, '../../..');
const SHARED = join(ROOT, 'shared');

interface Module {
  file: string;
  /** Relative imports, resolved to files. */
  local: string[];
  /** Package and built-in imports, as written. */
  bare: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveLocal(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  throw new Error(`${rel(from)} imports '${spec}', which resolves to no file.`);
}

/** Every import, export-from, import type, dynamic import and require of a file (TypeScript's own scanner). */
function parse(file: string): Module {
  const specs = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
  const local = [...new Set(specs.filter((s) => s.startsWith('.')).map((s) => resolveLocal(file, s)))];
  return { file, local, bare: specs.filter((s) => !s.startsWith('.')) };
}

const rel = (path: string) => relative(ROOT, path).split(sep).join('/');
const under = (path: string, dir: string) => rel(path).startsWith(`shared/${dir}/`);

const modules = new Map(sourceFiles(SHARED).map((file) => [file, parse(file)]));
const layer = (dir: string) => [...modules.values()].filter((m) => under(m.file, dir));

/** Every import cycle, each as the chain of files that closes it (one per strongly connected group). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('dependency rule', () => {
  it('finds the modules it checks', () => {
    expect(layer('domain').length).toBeGreaterThan(5);
    expect(layer('app').length).toBeGreaterThan(10);
  });

  it('finds a cycle when there is one (the checker itself works)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('shared/ has no import cycles', () => {
    const graph = new Map([...modules.values()].map((m) => [m.file, m.local]));
    const cycles = findCycles(graph).map((cycle) => cycle.map(rel).join(' -> '));
    expect(cycles, 'move what both sides need into a module of its own').toEqual([]);
  });

  it('shared/domain imports nothing outside itself (no packages, no built-ins, no other layer)', () => {
    const outside = layer('domain').flatMap((m) => [...m.bare, ...m.local.filter((f) => !under(f, 'domain')).map(rel)].map((what) => `${rel(m.file)} imports ${what}`));
    expect(outside).toEqual([]);
  });

  it('shared/app imports only the domain, the ports and itself, plus built-ins and zod (no http, adapters or SDKs)', () => {
    const allowedLocal = ['domain', 'ports', 'app'];
    const allowedBare = (spec: string) => spec.startsWith('node:') || spec === 'zod';
    const outside = layer('app').flatMap((m) =>
      [...m.bare.filter((s) => !allowedBare(s)), ...m.local.filter((f) => !allowedLocal.some((dir) => under(f, dir))).map(rel)].map((what) => `${rel(m.file)} imports ${what}`),
    );
    expect(outside).toEqual([]);
  });

  it('shared/domain and shared/app keep no MAC or signature code of their own (it goes through the Signer port)', () => {
    const crypto = /\b(createHmac|createSign|createVerify|timingSafeEqual|subtle)\b/;
    const found = [...layer('domain'), ...layer('app')].filter((m) => crypto.test(readFileSync(m.file, 'utf8'))).map((m) => rel(m.file));
    expect(found).toEqual([]);
  });
});
