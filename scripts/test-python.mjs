// Runs the runtime adapter's unittest suite (test/python) on every pyenv CPython 3.8-3.13 that is installed.
// Fails if any version fails, and loudly if none is found. Usage: node scripts/test-python.mjs [unittest args...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUPPORTED = /^3\.(8|9|10|11|12|13)\.\d+$/;

function pyenvVersions() {
  const listed = spawnSync('pyenv', ['versions', '--bare'], { encoding: 'utf8' });
  if (listed.status === 0) return listed.stdout.split('\n').map((v) => v.trim()).filter(Boolean);
  const dir = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  return existsSync(dir) ? readdirSync(dir) : [];
}

function interpreter(version) {
  const root = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  const exe = join(root, 'versions', version, 'bin', 'python');
  return existsSync(exe) ? exe : null;
}

const versions = pyenvVersions()
  .filter((v) => SUPPORTED.test(v))
  .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
const found = versions.map((v) => [v, interpreter(v)]).filter(([, exe]) => exe);
if (found.length === 0) {
  console.error('test-python: NO pyenv CPython 3.8-3.13 found (looked at `pyenv versions --bare` and ~/.pyenv/versions).');
  console.error('test-python: the runtime adapter was NOT tested.');
  process.exit(1);
}

const results = [];
for (const [version, exe] of found) {
  const started = Date.now();
  const run = spawnSync(exe, ['-m', 'unittest', 'discover', '-s', 'test/python', '-t', 'test/python', ...process.argv.slice(2)], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const summary = (run.stderr.match(/Ran \d+ tests? in [\d.]+s/) ?? ['no tests ran'])[0];
  const ok = run.status === 0;
  const ran = Number(/Ran (\d+) tests?/.exec(run.stderr)?.[1] ?? 0);
  const broken = [...run.stderr.matchAll(/(?:failures|errors)=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  results.push({ version, ok, ran, broken: ok ? 0 : Math.max(broken, 1) });
  console.log(`test-python: CPython ${version}: ${ok ? 'OK' : 'FAILED'} (${summary}, ${seconds}s wall)`);
  if (!ok) process.stderr.write(run.stderr + run.stdout);
}
const failed = results.filter((r) => !r.ok).map((r) => r.version);
console.log(`test-python: ${results.length - failed.length}/${results.length} versions passed${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
const ran = results.reduce((n, r) => n + r.ran, 0);
const broken = results.reduce((n, r) => n + r.broken, 0);
console.log(`python: ${ran - broken} passed, ${broken} failed`);
process.exit(failed.length ? 1 : 0);
