// Bundles the extension, the language server and the CLI into dist/, and the TypeScript tests into out/.
// The parser's WASM files are copied next to the bundles because web-tree-sitter loads them from disk at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { shared } from './scripts/esbuild-shared.mjs';
import { generate as generateTypeshedTables } from './scripts/gen-typeshed-tables.mjs';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** The typeshed tables (2.5 MB) load about twice as fast through `JSON.parse` as through an object literal. */
const jsonTablesViaParse = {
  name: 'json-tables-via-parse',
  setup(build) {
    build.onLoad({ filter: /[\\/]generated[\\/][^\\/]+\.json$/ }, (args) => ({
      contents: `module.exports = JSON.parse(${JSON.stringify(readFileSync(args.path, 'utf8'))});`,
      loader: 'js',
    }));
  },
};

const common = {
  ...shared,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  plugins: [...shared.plugins, jsonTablesViaParse],
};

const entries = [
  { entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['server/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/cli.ts'], outfile: 'dist/cli.js' },
];

function testEntries(dir) {
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (name === 'fixtures' || name === 'node_modules') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) found.push(p);
    }
  };
  walk(dir);
  return found;
}

function copyWasm() {
  mkdirSync('dist', { recursive: true });
  copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), 'dist/tree-sitter.wasm');
  copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), 'dist/tree-sitter-python.wasm');
}

copyWasm();
// Stale bundles of deleted tests would otherwise keep running.
if (!production) rmSync('out', { recursive: true, force: true });
// The AIO1xx rules import library tables derived from typeshed; regenerated only when pyright changes.
const typeshedTables = await generateTypeshedTables();
if (!typeshedTables.skipped) console.log(`typeshed tables generated in ${typeshedTables.seconds.toFixed(1)} s`);
const builds = entries.map((e) => ({ ...common, ...e }));
if (!production) {
  builds.push({
    ...common,
    entryPoints: testEntries('test').filter((p) => !p.startsWith(join('test', 'python'))),
    outdir: 'out/test',
    outbase: 'test',
    external: ['vscode', 'mocha', 'playwright-core'],
  });
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
