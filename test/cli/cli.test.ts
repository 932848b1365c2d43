// The built CLI (dist/cli.js) as a user runs it: exit codes, output formats, --fix.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../support/fixtures';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('asyncio-lens check', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lens-cli-'));
    cpSync(join(FIXTURES, 'cli'), dir, { recursive: true });
    // Written here, not committed: a committed .gitignore would keep ignored_dir/ out of the repository itself.
    writeFileSync(join(dir, '.gitignore'), 'ignored_dir/\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports findings as JSON with 1-based positions and exits 1', () => {
    const r = cli(['check', '--format', 'json', '.'], dir);
    assert.equal(r.code, 1, r.stderr);
    const items = JSON.parse(r.stdout);
    assert.deepEqual(
      items.map((i: Record<string, unknown>) => [i.path, i.line, i.column, i.endLine, i.endColumn, i.code, i.name, i.severity]),
      [['pkg/worker.py', 6, 5, 6, 20, 'AIO200', 'blocking-sleep', 'warning']],
    );
    assert.equal(items[0].fix.safety, 'safe');
    assert.match(items[0].message, /blocks the event loop/);
  });

  it('prints ruff-style text and honours .gitignore', () => {
    const r = cli(['check', '.'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^pkg\/worker\.py:6:5: AIO200 \[\*\] /m);
    assert.doesNotMatch(r.stdout, /ignored_dir/);
  });

  it('--fix rewrites to await asyncio.sleep and a second check is clean', () => {
    const first = cli(['check', '--fix', '.'], dir);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(readFileSync(join(dir, 'pkg', 'worker.py'), 'utf8'), /^import asyncio\n[\s\S]*    await asyncio\.sleep\(0\.2\)\n/m);
    const second = cli(['check', '--format', 'json', '.'], dir);
    assert.equal(second.code, 0);
    assert.deepEqual(JSON.parse(second.stdout), []);
  });

  it('honours --ignore and [tool.asyncio-lens] in pyproject.toml', () => {
    assert.equal(cli(['check', '--ignore', 'AIO200', '.'], dir).code, 0);
    writeFileSync(join(dir, 'pyproject.toml'), '[tool.asyncio-lens]\nignore = ["AIO2"]\n');
    assert.equal(cli(['check', '.'], dir).code, 0);
    writeFileSync(join(dir, 'pyproject.toml'), '[tool.asyncio-lens]\nignore = "AIO2"\n');
    const bad = cli(['check', '.'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ignore must be a list of strings/);
  });

  it('writes SARIF 2.1.0', () => {
    const sarif = JSON.parse(cli(['check', '--format', 'sarif', '.'], dir).stdout);
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0].results[0].ruleId, 'AIO200');
    assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine, 6);
  });

  it('exits 2 with a clear message on usage and I/O errors', () => {
    const usage = cli(['check', '--format', 'xml', '.'], dir);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--format must be text, json or sarif/);
    const missing = cli(['check', 'no/such/path'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no\/such\/path: no such file or directory/);
    assert.equal(cli(['frobnicate'], dir).code, 2);
  });

  it('checks but never rewrites a file that is not valid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('import time\nasync def f():\n    time.sleep(1)\n# caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]);
    writeFileSync(join(dir, 'latin.py'), bytes);
    const r = cli(['check', '--fix', 'latin.py'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /latin\.py: not valid UTF-8.*not fixed/);
    assert.deepEqual(readFileSync(join(dir, 'latin.py')), bytes);
  });
});
