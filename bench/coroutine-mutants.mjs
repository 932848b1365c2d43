#!/usr/bin/env node
// Recall, precision and speed of the AIO1xx coroutine rules on real async code, side by side with pyright.
//
//   node bench/coroutine-mutants.mjs [--no-pyright] [--max-batches=N] <dir>...
//
// Each <dir> holds a Python project (a folder containing its package, e.g. a copy of CPython's Lib/asyncio in
// <dir>/asyncio). Third-party code is only read; nothing is written into <dir>.
//
// Mutants: every `await f(...)` whose callee name is, unambiguously within the project, an `async def` (the name has
// no plain `def` and no async generator of the same name anywhere in the project) loses its `await`. The oracle is
// deliberately name-based, independent of the resolution the rules use. A mutant is caught when a new AIO100 /
// AIO101 finding (primary metric) or any new AIO1xx finding starts on its line. Mutants are grouped by where the
// coroutine ends up: a bare statement, an assignment to a name, a `return`, or anything else (argument, condition…).
//
// pyright sees the same mutants in batches (one mutant per function per batch, so mutants do not interact through a
// function's own body) and catches one when `reportUnusedCoroutine` (strict) or any new diagnostic (loose) appears on
// its line. Precision: every AIO1xx finding on the unmutated code is listed for inspection. Speed: the CLI (index +
// all rules) against pyright on the same files. Results: printed, and written to bench/results/coroutine-mutants.json.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { generate as generateTypeshedTables } from '../scripts/gen-typeshed-tables.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const PRIMARY = new Set(['AIO100', 'AIO101']);

function parseArgs(argv) {
  const options = { pyright: true, maxBatches: Infinity, dirs: [] };
  for (const arg of argv) {
    if (arg === '--no-pyright') options.pyright = false;
    else if (arg.startsWith('--max-batches=')) options.maxBatches = Number(arg.slice('--max-batches='.length));
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.dirs.push(resolve(arg));
  }
  if (options.dirs.length === 0) throw new Error('usage: node bench/coroutine-mutants.mjs [--no-pyright] [--max-batches=N] <project dir>...');
  return options;
}

const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__import_meta_url' },
};
// Bundled into a private folder (with the parser's WASM beside them, as in dist/): other builds clean out/.
const BUNDLES = mkdtempSync(join(tmpdir(), 'lens-mutants-bundle-'));
const ENGINE_BUNDLE = join(BUNDLES, 'engine.js');
const CLI_BUNDLE = join(BUNDLES, 'cli.js');

/**
 * Bundles the engine for in-process use and the CLI for timing: the same code the server and `asyncio-lens check`
 * run, built here so that the benchmark does not depend on the rest of the tree building.
 */
async function buildEngine() {
  await generateTypeshedTables();
  await esbuild.build({
    ...BUNDLE_OPTIONS,
    stdin: {
      contents: [
        "export { WorkspaceIndex } from './server/model/workspaceIndex';",
        "export { analyzeSource, indexSource, buildModel } from './server/engine';",
        "export { loadParser, parse } from './server/parser';",
        "export { resolveConfig } from './server/config';",
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    outfile: ENGINE_BUNDLE,
  });
  await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [join(ROOT, 'server', 'cli.ts')], outfile: CLI_BUNDLE });
  const require = createRequire(import.meta.url);
  copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), join(BUNDLES, 'tree-sitter.wasm'));
  copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), join(BUNDLES, 'tree-sitter-python.wasm'));
  return require(ENGINE_BUNDLE);
}

function pythonFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['__pycache__', 'tests', 'test'].includes(entry.name)) out.push(...pythonFiles(full));
    } else if (entry.name.endsWith('.py')) out.push(full);
  }
  return out.sort();
}

function lineCount(text) {
  return text.split('\n').length;
}

// ---- mutants -------------------------------------------------------------------------------------------------

/** The name a call is made by: `f` for `f()`, `m` for `x.y.m()`. */
function calledName(call) {
  const fn = call.childForFieldName('function');
  if (fn?.type === 'identifier') return fn.text;
  if (fn?.type === 'attribute') return fn.childForFieldName('attribute')?.text;
  return undefined;
}

function category(awaitNode) {
  let node = awaitNode;
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  const parent = node.parent;
  if (parent?.type === 'expression_statement') return 'statement';
  if (parent?.type === 'assignment' && parent.childForFieldName('left')?.type === 'identifier') return 'assignment';
  if (parent?.type === 'return_statement') return 'return';
  return 'other';
}

function findMutants(engine, project) {
  const kinds = new Map(); // name → Set of 'coroutine' | 'plain' | 'asyncgen'
  for (const file of project.files) {
    for (const fn of file.model.functions) {
      const kind = fn.isAsync ? (fn.isGenerator ? 'asyncgen' : 'coroutine') : 'plain';
      if (!kinds.has(fn.name)) kinds.set(fn.name, new Set());
      kinds.get(fn.name).add(kind);
    }
  }
  const coroutineNames = new Set([...kinds].filter(([, k]) => k.size === 1 && k.has('coroutine')).map(([n]) => n));
  const mutants = [];
  for (const file of project.files) {
    for (const awaitNode of file.model.nodesOfType('await')) {
      let operand = awaitNode.namedChild(0);
      while (operand?.type === 'parenthesized_expression') operand = operand.namedChild(0);
      if (operand?.type !== 'call' || !coroutineNames.has(calledName(operand))) continue;
      const fn = file.model.enclosingFunction(awaitNode);
      mutants.push({
        path: file.path,
        line: awaitNode.startPosition.row,
        start: awaitNode.startIndex,
        operandStart: operand.startIndex,
        category: category(awaitNode),
        functionKey: `${file.path}:${fn ? fn.node.startIndex : -1}`,
        text: awaitNode.text.split('\n')[0].slice(0, 100),
      });
    }
  }
  return mutants;
}

/** Source positions are UTF-16 based in the model (JS strings), so slicing the string is exact. */
function mutate(source, mutants) {
  let text = source;
  for (const m of [...mutants].sort((a, b) => b.start - a.start)) text = text.slice(0, m.start) + text.slice(m.operandStart);
  return text;
}

// ---- our rules ------------------------------------------------------------------------------------------------

function aio1(findings) {
  return findings.filter((f) => f.code.startsWith('AIO1'));
}

function runOurs(engine, project, mutants) {
  const config = engine.resolveConfig({ targetVersion: '3.12' });
  const baseline = new Map();
  for (const file of project.files) {
    const { findings } = engine.analyzeSource(project.parser, file.source, file.path, project.index, config);
    baseline.set(file.path, aio1(findings));
  }
  const started = performance.now();
  for (const mutant of mutants) {
    const file = project.byPath.get(mutant.path);
    const before = new Set(baseline.get(mutant.path).map((f) => `${f.code}@${f.range.start.line}`));
    const { findings } = engine.analyzeSource(project.parser, mutate(file.source, [mutant]), file.path, project.index, config);
    const fresh = aio1(findings).filter((f) => f.range.start.line === mutant.line && !before.has(`${f.code}@${f.range.start.line}`));
    mutant.ours = [...new Set(fresh.map((f) => f.code))];
    engine.indexSource(project.parser, file.source, file.path, project.index); // back to the unmutated summary
  }
  return { baseline, mutantSeconds: (performance.now() - started) / 1000 };
}

// ---- pyright --------------------------------------------------------------------------------------------------

/**
 * Runs a Node program under /usr/bin/time: wall seconds, and CPU seconds (user + system), which the machine's load
 * disturbs less than wall time.
 */
function timedNode(args) {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const wall = (performance.now() - started) / 1000;
  const cpuLine = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr ?? '');
  return { result, wall, cpu: cpuLine ? Number(cpuLine[1]) + Number(cpuLine[2]) : NaN };
}

function runPyright(dir) {
  writeFileSync(join(dir, 'pyrightconfig.json'), JSON.stringify({ typeCheckingMode: 'standard', pythonVersion: '3.12', reportMissingImports: false, reportMissingModuleSource: false }));
  const { result, wall, cpu } = timedNode([join(ROOT, 'node_modules', 'pyright', 'index.js'), '--outputjson', '-p', dir]);
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`pyright produced no JSON (exit ${result.status}): ${(result.stderr || result.stdout).slice(0, 500)}`);
  }
  return { wall, cpu, diagnostics: report.generalDiagnostics ?? [] };
}

function diagnosticKey(d) {
  return `${d.range.start.line}|${d.rule ?? ''}|${d.message}`;
}

function byFile(diagnostics, root) {
  const map = new Map();
  for (const d of diagnostics) {
    const rel = relative(root, d.file);
    if (!map.has(rel)) map.set(rel, []);
    map.get(rel).push(d);
  }
  return map;
}

/**
 * pyright's verdicts are cached in bench/results/ (per project, mutant and pyright version): they do not depend on
 * this repository's code, and a run takes many minutes. Delete the file to measure again.
 */
const PYRIGHT_CACHE = join(RESULTS, 'coroutine-mutants-pyright-cache.json');

function pyrightCacheKey(project, mutant) {
  const pyright = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'pyright', 'package.json'), 'utf8')).version;
  return `${pyright}|${project.dir}|${relative(project.dir, mutant.path)}:${mutant.start}`;
}

function pyrightMutants(project, mutants, maxBatches) {
  const cache = existsSync(PYRIGHT_CACHE) ? JSON.parse(readFileSync(PYRIGHT_CACHE, 'utf8')) : { projects: {}, mutants: {} };
  const timing = cache.projects[project.dir];
  if (timing && mutants.every((m) => cache.mutants[pyrightCacheKey(project, m)])) {
    for (const m of mutants) m.pyright = cache.mutants[pyrightCacheKey(project, m)];
    process.stderr.write(`  pyright verdicts from ${relative(process.cwd(), PYRIGHT_CACHE)}\n`);
    return timing;
  }
  const outcome = runPyrightMutants(project, mutants, maxBatches);
  cache.projects[project.dir] = outcome;
  for (const m of mutants) if (m.pyright) cache.mutants[pyrightCacheKey(project, m)] = m.pyright;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(PYRIGHT_CACHE, JSON.stringify(cache));
  return outcome;
}

function runPyrightMutants(project, mutants, maxBatches) {
  const work = mkdtempSync(join(tmpdir(), 'lens-mutants-'));
  try {
    const copy = join(work, 'project');
    cpSync(project.dir, copy, { recursive: true });
    const baseline = runPyright(copy);
    const baselineKeys = new Map([...byFile(baseline.diagnostics, copy)].map(([f, ds]) => [f, new Set(ds.map(diagnosticKey))]));
    const perFunction = new Map();
    for (const m of mutants) {
      if (!perFunction.has(m.functionKey)) perFunction.set(m.functionKey, []);
      perFunction.get(m.functionKey).push(m);
    }
    const batchCount = Math.min(maxBatches, Math.max(0, ...[...perFunction.values()].map((l) => l.length)));
    for (let b = 0; b < batchCount; b++) {
      const batch = [...perFunction.values()].map((l) => l[b]).filter(Boolean);
      const byPath = new Map();
      for (const m of batch) byPath.set(m.path, [...(byPath.get(m.path) ?? []), m]);
      for (const [path, ms] of byPath) writeFileSync(join(copy, relative(project.dir, path)), mutate(project.byPath.get(path).source, ms));
      const { diagnostics } = runPyright(copy);
      const found = byFile(diagnostics, copy);
      for (const m of batch) {
        const rel = relative(project.dir, m.path);
        const known = baselineKeys.get(rel) ?? new Set();
        const onLine = (found.get(rel) ?? []).filter((d) => d.range.start.line === m.line && !known.has(diagnosticKey(d)));
        m.pyright = { strict: onLine.some((d) => d.rule === 'reportUnusedCoroutine'), loose: onLine.length > 0, rules: [...new Set(onLine.map((d) => d.rule ?? d.severity))] };
      }
      for (const path of byPath.keys()) writeFileSync(join(copy, relative(project.dir, path)), project.byPath.get(path).source);
      process.stderr.write(`  pyright batch ${b + 1}/${batchCount}: ${batch.length} mutants\n`);
    }
    return { wall: baseline.wall, cpu: baseline.cpu, batches: batchCount, diagnostics: baseline.diagnostics.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---- speed ----------------------------------------------------------------------------------------------------

function timeCli(dir) {
  const { result, wall, cpu } = timedNode([CLI_BUNDLE, 'check', '--format', 'json', dir]);
  // Exit 1 means "findings"; the output must still be the JSON report.
  let findings;
  try {
    findings = JSON.parse(result.stdout);
  } catch {
    throw new Error(`asyncio-lens check failed (exit ${result.status}): ${result.stderr.slice(0, 500)}`);
  }
  return { wall, cpu, findings: findings.length };
}

// ---- report ---------------------------------------------------------------------------------------------------

function rate(part, whole) {
  return whole ? `${part}/${whole} (${((100 * part) / whole).toFixed(1)}%)` : '0/0';
}

function summarize(mutants, withPyright) {
  const rows = {};
  for (const cat of ['all', 'statement', 'assignment', 'return', 'other']) {
    const ms = cat === 'all' ? mutants : mutants.filter((m) => m.category === cat);
    rows[cat] = {
      mutants: ms.length,
      oursPrimary: ms.filter((m) => m.ours.some((c) => PRIMARY.has(c))).length,
      oursAny: ms.filter((m) => m.ours.length > 0).length,
      ...(withPyright && { pyrightStrict: ms.filter((m) => m.pyright?.strict).length, pyrightLoose: ms.filter((m) => m.pyright?.loose).length }),
    };
  }
  return rows;
}

function printTable(title, rows, withPyright) {
  console.log(`\n${title}`);
  const header = ['mutants', 'AIO100/101', 'any AIO1xx', ...(withPyright ? ['pyright unused-coroutine', 'pyright any new'] : [])];
  console.log(`  ${'where the coroutine ends up'.padEnd(28)}${header.map((h) => h.padEnd(26)).join('')}`);
  for (const [cat, r] of Object.entries(rows)) {
    const cells = [String(r.mutants), rate(r.oursPrimary, r.mutants), rate(r.oursAny, r.mutants), ...(withPyright ? [rate(r.pyrightStrict, r.mutants), rate(r.pyrightLoose, r.mutants)] : [])];
    console.log(`  ${cat.padEnd(28)}${cells.map((c) => c.padEnd(26)).join('')}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const engine = await buildEngine();
  const parser = await engine.loadParser();
  const report = { date: new Date().toISOString(), projects: [] };
  const allMutants = [];
  for (const dir of options.dirs) {
    const index = new engine.WorkspaceIndex();
    const paths = pythonFiles(dir);
    const files = paths.map((path) => ({ path, source: readFileSync(path, 'utf8') }));
    const indexStarted = performance.now();
    for (const f of files) engine.indexSource(parser, f.source, f.path, index);
    const indexSeconds = (performance.now() - indexStarted) / 1000;
    for (const f of files) f.model = engine.buildModel(engine.parse(parser, f.source), f.source, f.path, index).model;
    const project = { dir, files, parser, index, byPath: new Map(files.map((f) => [f.path, f])) };
    const lines = files.reduce((n, f) => n + lineCount(f.source), 0);
    console.log(`\n== ${dir}: ${files.length} files, ${lines} lines (indexed in ${indexSeconds.toFixed(2)} s)`);

    const mutants = findMutants(engine, project);
    const { baseline } = runOurs(engine, project, mutants);
    const findings = [...baseline].flatMap(([path, fs]) => fs.map((f) => ({ path: relative(dir, path), line: f.range.start.line + 1, code: f.code, message: f.message })));
    let pyright;
    if (options.pyright) pyright = pyrightMutants(project, mutants, options.maxBatches);
    const cli = timeCli(dir);
    const rows = summarize(mutants, !!pyright);
    printTable(`recall on ${mutants.length} mutants`, rows, !!pyright);
    console.log(`\n  precision: ${findings.length} AIO1xx finding(s) on unmutated code (${((findings.length * 20000) / lines).toFixed(2)} per 20,000 lines) — inspect each:`);
    for (const f of findings) console.log(`    ${f.path}:${f.line} ${f.code} ${f.message}`);
    const seconds = (t) => `${t.wall.toFixed(2)} s wall / ${t.cpu.toFixed(2)} s CPU`;
    console.log(`\n  speed: asyncio-lens check (index + all rules) ${seconds(cli)}` + (pyright ? `; pyright ${seconds(pyright)} → ${(pyright.wall / cli.wall).toFixed(1)}× (wall), ${(pyright.cpu / cli.cpu).toFixed(1)}× (CPU) faster` : ''));
    const missed = mutants.filter((m) => !m.ours.some((c) => PRIMARY.has(c)) && m.category !== 'return');
    if (missed.length) {
      console.log(`\n  missed (not return), first 40 of ${missed.length}:`);
      for (const m of missed.slice(0, 40)) console.log(`    ${relative(dir, m.path)}:${m.line + 1} [${m.category}] ${m.text}${m.ours.length ? ` (${m.ours.join(',')})` : ''}`);
    }
    allMutants.push(...mutants);
    report.projects.push({
      dir, files: files.length, lines, mutants: rows, findings, cli, pyright: pyright && { wall: pyright.wall, cpu: pyright.cpu, batches: pyright.batches },
      missed: missed.map((m) => ({ path: relative(dir, m.path), line: m.line + 1, category: m.category, text: m.text, ours: m.ours, pyright: m.pyright })),
    });
  }
  if (options.dirs.length > 1) {
    printTable(`all projects: ${allMutants.length} mutants`, summarize(allMutants, options.pyright), options.pyright);
    const sum = (pick) => report.projects.reduce((n, p) => n + (pick(p) ?? 0), 0);
    const lines = sum((p) => p.lines);
    const findings = sum((p) => p.findings.length);
    console.log(`\n  precision: ${findings} AIO1xx finding(s) in ${lines} lines (${((findings * 20000) / lines).toFixed(2)} per 20,000 lines)`);
    const ours = { wall: sum((p) => p.cli.wall), cpu: sum((p) => p.cli.cpu) };
    let speed = `  speed over ${lines} lines: asyncio-lens ${ours.wall.toFixed(1)} s wall / ${ours.cpu.toFixed(1)} s CPU`;
    if (options.pyright) {
      const theirs = { wall: sum((p) => p.pyright?.wall), cpu: sum((p) => p.pyright?.cpu) };
      speed += `; pyright ${theirs.wall.toFixed(1)} s wall / ${theirs.cpu.toFixed(1)} s CPU → ${(theirs.wall / ours.wall).toFixed(1)}× (wall), ${(theirs.cpu / ours.cpu).toFixed(1)}× (CPU)`;
    }
    console.log(speed);
  }
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'coroutine-mutants.json'), JSON.stringify(report, null, 2));
  console.log(`\nwritten: ${relative(process.cwd(), join(RESULTS, 'coroutine-mutants.json'))}`);
}

main()
  .catch((e) => {
    console.error(e.stack ?? String(e));
    process.exitCode = 1;
  })
  .finally(() => rmSync(BUNDLES, { recursive: true, force: true }));
