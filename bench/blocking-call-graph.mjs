#!/usr/bin/env node
// What following calls through helpers (AIO210) costs, measured in-process on a large synthetic workspace: the time
// of the AIO210 rule alone on the file of coroutines, with an empty memo (after an index change) and with a warm one.
//
//   node esbuild.mjs && node bench/blocking-call-graph.mjs [--modules=400] [--functions=25] [--runs=5]
//
// The workspace: a package of <modules> modules of <functions> plain functions each. Function j of module i calls
// function j of module i+1 and function j+1 of its own module, and every 50th module calls back into module 0 (a
// dense graph with cycles); only the last module's even functions open a file. One handlers module holds a
// coroutine per function of module 0, so searches run hundreds of calls deep through most of the graph: a worst
// case, far from real code, where helpers reach a few dozen functions.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Writes the workspace; returns its files with their sources (the handlers file first). */
function generate(dir, modules, functions) {
  const files = [];
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  writeFileSync(join(pkg, '__init__.py'), '');
  for (let i = 0; i < modules; i++) {
    const next = i + 1 < modules ? i + 1 : undefined;
    const loopsBack = i % 50 === 49 && next !== undefined;
    const lines = [...(loopsBack ? ['from . import m0'] : []), ...(next !== undefined ? [`from . import m${next}`] : []), ''];
    for (let j = 0; j < functions; j++) {
      lines.push(`def f${j}(x):`);
      if (next !== undefined) lines.push(`    m${next}.f${j}(x)`);
      if (loopsBack) lines.push(`    m0.f${j}(x)`);
      if (j + 1 < functions) lines.push(`    f${j + 1}(x)`);
      if (next === undefined && j % 2 === 0) lines.push('    return open(x).read()');
      lines.push('    return x', '');
    }
    files.push({ path: join(pkg, `m${i}.py`), source: lines.join('\n') });
  }
  const handlers = ['from pkg import m0', ''];
  for (let j = 0; j < functions; j++) handlers.push(`async def handler${j}(x):`, `    m0.f${j}(x)`, '');
  files.unshift({ path: join(dir, 'handlers.py'), source: handlers.join('\n') });
  for (const f of files) writeFileSync(f.path, f.source);
  return files;
}

/** The measuring side, bundled from the server's TypeScript sources. */
const WORKER = `
import { resolveConfig } from './server/config';
import { buildModel, indexSource, runRules } from './server/engine';
import { WorkspaceIndex } from './server/model/workspaceIndex';
import { loadParser, parse } from './server/parser';
import { ruleByCode } from './server/rules/registry';

export async function measure(files, runs) {
  const parser = await loadParser();
  const index = new WorkspaceIndex();
  const started = performance.now();
  for (const f of files) indexSource(parser, f.source, f.path, index);
  const indexMs = performance.now() - started;
  const [handlers, touched] = files;
  const tree = parse(parser, handlers.source);
  const { model } = buildModel(tree, handlers.source, handlers.path, index);
  const rule = ruleByCode('AIO210');
  const config = resolveConfig();
  const lint = () => {
    const t = performance.now();
    const { findings } = runRules(model, config, [rule]);
    return { ms: performance.now() - t, findings: findings.length };
  };
  const cold = [];
  const warm = [];
  let findings = 0;
  for (let r = 0; r < runs; r++) {
    // A change another file can see bumps the index generation: the memo starts empty.
    indexSource(parser, touched.source + '\\ndef added_' + r + '():\\n    return 1\\n', touched.path, index);
    const first = lint();
    cold.push(first.ms);
    findings = first.findings;
    warm.push(lint().ms);
  }
  tree.delete();
  return { indexMs, cold, warm, findings };
}
`;

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'tree-sitter-python.wasm'))) throw new Error('dist/ has no parser: build first with `node esbuild.mjs`.');
  const modules = option('modules', 400);
  const functions = option('functions', 25);
  const runs = option('runs', 5);
  const dir = mkdtempSync(join(tmpdir(), 'lens-call-graph-'));
  try {
    const files = generate(dir, modules, functions);
    const outfile = join(dir, 'worker.cjs');
    await esbuild.build({
      stdin: { contents: WORKER, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile,
      logLevel: 'warning',
      banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
      define: { 'import.meta.url': '__import_meta_url' },
    });
    // The bundle lives in the temporary directory: the parser's WASM files go beside it, where it looks first.
    for (const wasm of ['tree-sitter.wasm', 'tree-sitter-python.wasm']) copyFileSync(join(ROOT, 'dist', wasm), join(dir, wasm));
    const { measure } = await import(pathToFileURL(outfile).href);
    const result = await measure(files, runs);
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    process.stdout.write(
      `workspace: ${modules} modules × ${functions} functions (${modules * functions} helpers), ${functions} coroutines; indexed in ${result.indexMs.toFixed(0)} ms\n` +
        `AIO210 on the coroutines' file, empty memo (after an index change): median ${median(result.cold).toFixed(1)} ms (${(median(result.cold) / functions).toFixed(2)} ms per coroutine call)\n` +
        `AIO210 on the same file again, memo warm:                          median ${median(result.warm).toFixed(2)} ms\n` +
        `findings: ${result.findings} of ${functions} coroutine calls (${runs} runs)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
