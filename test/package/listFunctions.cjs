// Loads every file under the given functions folder as the Functions worker does (package.json
// "main" globs them), then prints the names of the functions they registered, as JSON.
// Run with NODE_PATH pointing at a folder holding only @azure/functions-core (the worker's
// module), and, for TypeScript sources, with `--import tsx`.
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const [dir, ext] = process.argv.slice(2);
const walk = (d) => readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : e.endsWith(ext) && !e.endsWith(`.d${ext}`) ? [join(d, e)] : []));
for (const file of walk(dir).sort()) require(file);
const registry = globalThis[Symbol.for('pim.devhost.functionsCore')];
process.stdout.write(JSON.stringify([...(registry?.functions.values() ?? [])].map((f) => f.metadata.name).sort()));
