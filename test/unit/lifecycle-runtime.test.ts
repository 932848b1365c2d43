// The AIO300 and AIO400 fixes, run for real: the example program and its fixed version (computed by the rule's fix,
// not read from the golden file) are executed with `python3` and every pyenv CPython present, and the output must
// change from the task being lost to the task finishing.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applyRuleFixes, FIXTURES, fixtureWorkspace } from '../support/fixtures';

interface Python {
  label: string;
  executable: string;
  version: [number, number];
}

function versionOf(executable: string): [number, number] | undefined {
  const result = spawnSync(executable, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  const match = result.status === 0 ? /^(\d+)\.(\d+)/.exec(result.stdout) : null;
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** `python3` on PATH and every pyenv version (the machine has 3.8–3.13); only those that have `asyncio.run`. */
function pythons(): Python[] {
  const candidates = [{ label: 'python3', executable: 'python3' }];
  const pyenv = join(homedir(), '.pyenv', 'versions');
  if (existsSync(pyenv)) {
    for (const version of readdirSync(pyenv).sort()) {
      const executable = join(pyenv, version, 'bin', 'python');
      if (existsSync(executable)) candidates.push({ label: version, executable });
    }
  }
  const found: Python[] = [];
  for (const c of candidates) {
    const version = versionOf(c.executable);
    if (version && (version[0] > 3 || (version[0] === 3 && version[1] >= 7))) found.push({ ...c, version });
  }
  return found;
}

function run(python: Python, file: string, extraArgs: string[] = []): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(python.executable, [...extraArgs, file], { encoding: 'utf8', timeout: 30000 });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe('lifecycle fixes at run time', function () {
  this.timeout(120000);
  const interpreters = pythons();
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'asyncio-lens-runtime-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds python3 and at least one pyenv CPython with asyncio.run', () => {
    assert.ok(interpreters.some((p) => p.label === 'python3'), 'python3 is not on PATH');
    assert.ok(interpreters.length >= 2, `only ${interpreters.map((p) => p.label).join(', ')} found`);
  });

  it('AIO300: the task main() started is cancelled before the fix and finishes after it', async () => {
    const fixtureDir = join(FIXTURES, 'rules', 'AIO300');
    const example = join(fixtureDir, 'runtime_example.py');
    const workspace = await fixtureWorkspace(fixtureDir);
    const fixed = join(dir, 'aio300_fixed.py');
    writeFileSync(fixed, applyRuleFixes(workspace, example, 'AIO300'));
    for (const python of interpreters) {
      const before = run(python, example);
      assert.equal(before.status, 0, `${python.label}: ${before.stderr}`);
      assert.equal(before.stdout, 'main returns\nworker cancelled\n', `${python.label} before the fix`);
      const after = run(python, fixed);
      assert.equal(after.status, 0, `${python.label}: ${after.stderr}`);
      assert.equal(after.stdout, 'main returns\nworker finished\n', `${python.label} after the fix`);
    }
  });

  it('AIO400: the legacy loop abandons the task (and fails on 3.12+ with warnings as errors); asyncio.run cancels it, and with AIO300 it finishes', async () => {
    const fixtureDir = join(FIXTURES, 'rules', 'AIO400');
    const example = join(fixtureDir, 'runtime_example.py');
    const legacyFixed = join(dir, 'aio400', 'fixed.py');
    mkdirSync(dirname(legacyFixed), { recursive: true });
    writeFileSync(legacyFixed, applyRuleFixes(await fixtureWorkspace(fixtureDir), example, 'AIO400'));
    // The AIO400 fix turns the program into an asyncio.run() entry point, where AIO300 then applies.
    const bothFixed = join(dir, 'aio400', 'both_fixed.py');
    writeFileSync(bothFixed, applyRuleFixes(await fixtureWorkspace(dirname(legacyFixed)), legacyFixed, 'AIO300'));
    const strict = ['-W', 'error::DeprecationWarning'];
    assert.ok(interpreters.some((p) => p.version[1] >= 12), 'no Python 3.12+ to show the deprecation');
    for (const python of interpreters) {
      const legacy = run(python, example);
      assert.equal(legacy.stdout, 'main returns\n', `${python.label}: the legacy loop never finishes or cancels the task`);
      assert.match(legacy.stderr, /Task was destroyed but it is pending!/, python.label);
      const legacyStrict = run(python, example, strict);
      if (python.version[0] === 3 && python.version[1] >= 12) {
        assert.notEqual(legacyStrict.status, 0, `${python.label}: get_event_loop() without a loop should warn`);
        assert.match(legacyStrict.stderr, /There is no current event loop/, python.label);
        assert.equal(legacyStrict.stdout, '', python.label);
      }
      const fixed = run(python, legacyFixed, strict);
      assert.equal(fixed.status, 0, `${python.label}: ${fixed.stderr}`);
      assert.equal(fixed.stdout, 'main returns\nworker cancelled\n', `${python.label} after the AIO400 fix`);
      const both = run(python, bothFixed, strict);
      assert.equal(both.status, 0, `${python.label}: ${both.stderr}`);
      assert.equal(both.stdout, 'main returns\nworker finished\n', `${python.label} after the AIO400 and AIO300 fixes`);
    }
  });

  it('every golden fix file of AIO3xx/AIO4xx/AIO5xx compiles on each Python from its folder\'s target version up', () => {
    const compile = 'import sys\nfor path in sys.argv[1:]:\n    with open(path, encoding="utf-8") as f:\n        compile(f.read(), path, "exec")\n';
    const folders = readdirSync(join(FIXTURES, 'rules')).filter((code) => /^AIO[345]\d\d$/.test(code));
    let checked = 0;
    for (const code of folders) {
      const folder = join(FIXTURES, 'rules', code);
      const goldens = readdirSync(folder).filter((f) => f.endsWith('.fixed.py')).map((f) => join(folder, f));
      if (!goldens.length) continue;
      const pyproject = join(folder, 'pyproject.toml');
      const target = (existsSync(pyproject) && /target-version\s*=\s*"3\.(\d+)"/.exec(readFileSync(pyproject, 'utf8'))?.[1]) || '8';
      for (const python of interpreters.filter((p) => p.version[0] === 3 && p.version[1] >= Number(target))) {
        const result = spawnSync(python.executable, ['-c', compile, ...goldens], { encoding: 'utf8' });
        assert.equal(result.status, 0, `${code} on ${python.label}: ${result.stderr}`);
        checked++;
      }
    }
    assert.ok(checked >= folders.length, `only ${checked} compilations`);
  });
});
