#!/usr/bin/env node
// How many of flake8-async's own expected blocking-call findings (ASYNC2xx in its tests/eval_files) the AIO2xx rules
// report, and which they miss.
//
//   node esbuild.mjs && node bench/flake8-async-eval.mjs <flake8-async> [--verbose]
//
// <flake8-async> is a checkout of github.com/python-trio/flake8-async, or a bare/mirror git directory of it (read
// with `git show`). Its files are only read, copied to a temporary directory and linted with dist/cli.js; nothing of
// it is kept. Asyncio-relevant files: every eval file with ASYNC2xx expectations, taking the `<name>_asyncio.py`
// variant where one exists (the other variant only changes trio/anyio wording). ASYNC200 (user-configured) is run
// with the file's `# ARG --async200-blocking-calls=...` as our `blocking-calls` setting.
//
// A finding counts when one of ours with the mapped code starts on the same line and column (1-based line, 0-based
// column in their comments). Results: printed, and written to bench/results/flake8-async-eval.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const RESULTS = join(ROOT, 'bench', 'results');
const EVAL_DIR = 'tests/eval_files';

/** flake8-async code → ours. */
const CODE_MAP = {
  ASYNC200: 'AIO211',
  ASYNC210: 'AIO201',
  ASYNC211: 'AIO201',
  ASYNC212: 'AIO201',
  ASYNC220: 'AIO202',
  ASYNC221: 'AIO202',
  ASYNC222: 'AIO202',
  ASYNC230: 'AIO203',
  ASYNC231: 'AIO203',
  ASYNC232: 'AIO203',
  ASYNC240: 'AIO203',
  ASYNC250: 'AIO204',
  ASYNC251: 'AIO200',
};

/** `# ASYNC221_asyncio: 8, 'subprocess.getoutput'`: code and column of each expectation in a line's comments. */
const EXPECTATION = /#\s*(ASYNC2\d\d)(?:_asyncio)?:\s*(\d+)/g;

function usage(problem) {
  process.stderr.write(
    `${problem}\n\nusage: node bench/flake8-async-eval.mjs <path to a flake8-async checkout or git directory> [--verbose]\n` +
      'Get one with: git clone https://github.com/python-trio/flake8-async (its files are only read, never kept).\n',
  );
  process.exit(2);
}

/** Reads `tests/eval_files/*.py` from a work tree, or from HEAD of a (bare) git directory. */
function evalFiles(source) {
  const inTree = join(source, EVAL_DIR);
  if (existsSync(inTree) && statSync(inTree).isDirectory()) {
    return new Map(readdirSync(inTree).filter((f) => f.endsWith('.py')).map((f) => [f, readFileSync(join(inTree, f), 'utf8')]));
  }
  const git = (...args) => spawnSync('git', ['--git-dir', source, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const listing = git('ls-tree', '--name-only', `HEAD:${EVAL_DIR}`);
  if (listing.status !== 0) return undefined;
  const files = new Map();
  for (const name of listing.stdout.split('\n').filter((f) => f.endsWith('.py'))) {
    const shown = git('show', `HEAD:${EVAL_DIR}/${name}`);
    if (shown.status === 0) files.set(name, shown.stdout);
  }
  return files;
}

/** `--async200-blocking-calls=bar -> BAR, bee.bonnet->BEEBONNET,` → `[{ name, replacement }]`. */
function configuredCalls(text) {
  const arg = /^#\s*ARG\s+--async200-blocking-calls=(.*)$/m.exec(text);
  if (!arg) return [];
  return arg[1]
    .split(',')
    .map((pair) => pair.split('->').map((s) => s.trim()))
    .filter(([name]) => name)
    .map(([name, replacement]) => ({ name, replacement }));
}

function tomlString(s) {
  return JSON.stringify(s);
}

function main() {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const positional = args.filter((a) => !a.startsWith('--'));
  if (positional.length !== 1) usage('Give the path of a flake8-async checkout (or of its git directory).');
  const source = resolve(positional[0]);
  if (!existsSync(source)) usage(`${source}: no such file or directory — the flake8-async checkout is absent.`);
  const files = evalFiles(source);
  if (!files || files.size === 0) usage(`${source}: not a flake8-async checkout (no ${EVAL_DIR}/*.py in it or in its git HEAD).`);
  if (!existsSync(CLI)) usage(`${CLI} is missing: build first with \`node esbuild.mjs\`.`);

  // Pick the files and their expectations.
  const used = [];
  const skipped = [];
  for (const [name, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const expected = [];
    text.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(EXPECTATION)) expected.push({ line: i + 1, column: Number(m[2]), code: m[1], text: line.trim() });
    });
    if (expected.length === 0) continue;
    const twin = name.replace(/\.py$/, '_asyncio.py');
    if (!name.endsWith('_asyncio.py') && files.has(twin)) {
      skipped.push(`${name} (its asyncio variant ${twin} is used)`);
      continue;
    }
    used.push({ name, text, expected });
  }

  // Lint each file in its own folder, with its configured calls, in one CLI run.
  const work = mkdtempSync(join(tmpdir(), 'lens-flake8-async-'));
  try {
    for (const file of used) {
      const dir = join(work, file.name.replace(/\.py$/, ''));
      mkdirSync(dir);
      writeFileSync(join(dir, file.name), file.text);
      const calls = configuredCalls(file.text);
      const blocking = calls.length
        ? `blocking-calls = [\n${calls.map((c) => `  { name = ${tomlString(c.name)}${c.replacement ? `, replacement = ${tomlString(c.replacement)}` : ''} },`).join('\n')}\n]\n`
        : '';
      writeFileSync(join(dir, 'pyproject.toml'), `[tool.asyncio-lens]\ntarget-version = "3.11"\n${blocking}`);
    }
    const run = spawnSync(process.execPath, [CLI, 'check', '--format', 'json', ...used.map((f) => join(work, f.name.replace(/\.py$/, '')))], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0 && run.status !== 1) throw new Error(`asyncio-lens check failed (${run.status}): ${run.stderr}`);
    const findings = JSON.parse(run.stdout);
    const ours = new Map(used.map((f) => [f.name, []]));
    for (const f of findings) {
      const name = f.path.split(/[\\/]/).pop();
      ours.get(name)?.push(f);
    }

    // Compare.
    const byCode = {};
    const missed = [];
    const extra = [];
    for (const file of used) {
      const mine = ours.get(file.name).filter((f) => f.code.startsWith('AIO2'));
      const claimed = new Set();
      for (const e of file.expected) {
        const code = CODE_MAP[e.code];
        const stats = (byCode[e.code] ??= { ours: code, expected: 0, reported: 0, reportedAsOther: 0 });
        stats.expected++;
        const hit = mine.find((f, i) => !claimed.has(i) && f.code === code && f.line === e.line && f.column === e.column + 1);
        if (hit) {
          claimed.add(mine.indexOf(hit));
          stats.reported++;
        } else {
          // The call may still be reported, by another of our rules (`bar()` defined in the file: AIO210's chain).
          const other = mine.find((f) => f.line === e.line && f.column === e.column + 1);
          const near = mine.find((f) => f.code === code && f.line === e.line);
          if (other) stats.reportedAsOther++;
          const note = other ? `reported as ${other.code}` : near ? `reported at column ${near.column - 1}` : '';
          missed.push({ file: file.name, line: e.line, code: e.code, ours: code, text: e.text, note });
        }
      }
      mine.forEach((f, i) => {
        const expectedHere = file.expected.some((e) => e.line === f.line && e.column + 1 === f.column);
        if (!claimed.has(i) && !expectedHere) extra.push({ file: file.name, line: f.line, code: f.code, text: file.text.split('\n')[f.line - 1].trim() });
      });
    }

    const sum = (key) => Object.values(byCode).reduce((n, s) => n + s[key], 0);
    const expected = sum('expected');
    const reported = sum('reported');
    const reportedAsOther = sum('reportedAsOther');
    const out = [];
    out.push(`flake8-async eval files: ${source}`);
    out.push(`files used: ${used.map((f) => f.name).join(', ')}`);
    if (skipped.length) out.push(`files skipped: ${skipped.join('; ')}`);
    out.push('');
    const percent = (n) => `${((100 * n) / expected).toFixed(1)}%`;
    out.push('code      ours    expected  reported  by another AIO2xx rule');
    for (const [code, s] of Object.entries(byCode).sort()) {
      out.push(`${code.padEnd(9)} ${s.ours.padEnd(7)} ${String(s.expected).padStart(8)}  ${String(s.reported).padStart(8)}  ${String(s.reportedAsOther).padStart(8)}`);
    }
    out.push(`${'total'.padEnd(17)} ${String(expected).padStart(8)}  ${String(reported).padStart(8)}  ${String(reportedAsOther).padStart(8)}`);
    out.push(`reported with the mapped code: ${reported}/${expected} (${percent(reported)}); reported at all: ${reported + reportedAsOther}/${expected} (${percent(reported + reportedAsOther)})`);
    out.push('');
    out.push(`missed (${missed.length}):`);
    for (const m of missed) out.push(`  ${m.file}:${m.line} ${m.code}→${m.ours}${m.note ? ` (${m.note})` : ''}  ${m.text}`);
    out.push('');
    out.push(`our AIO2xx findings on lines they expect none (${extra.length})${verbose ? ':' : ' — --verbose lists them'}`);
    if (verbose) for (const x of extra) out.push(`  ${x.file}:${x.line} ${x.code}  ${x.text}`);
    process.stdout.write(out.join('\n') + '\n');
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'flake8-async-eval.json'), JSON.stringify({ source, used: used.map((f) => f.name), skipped, byCode, expected, reported, reportedAsOther, missed, extra }, null, 2) + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
