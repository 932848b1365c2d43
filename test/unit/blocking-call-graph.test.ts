// AIO210's call graph: chains across files, the shortest chain, cycles, and results that follow index changes.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexSource } from '../../server/engine';
import { FIXTURES, fixtureWorkspace, type FixtureWorkspace } from '../support/fixtures';

const DIR = join(FIXTURES, 'rules', 'AIO210');
const MAIN = join(DIR, 'main.py');
const IO_UTILS = join(DIR, 'app', 'io_utils.py');

/** `line → chain` of every AIO210 finding, the chain as the message shows it. */
function chains(workspace: FixtureWorkspace, file = MAIN, source?: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const f of workspace.lint(file, source)) {
    if (f.code !== 'AIO210') continue;
    const chain = /: ((?:[\w.]+\(\)(?: → )?)+);/.exec(f.message);
    found.set(f.range.start.line + 1, chain ? chain[1] : `unparsed: ${f.message}`);
  }
  return found;
}

describe('AIO210 call graph', () => {
  it('follows plain helpers three levels deep across files and shows the chain', async () => {
    const ws = await fixtureWorkspace(DIR);
    const found = chains(ws);
    assert.equal(found.get(9), 'load_config() → read_file() → _read() → open()');
    assert.equal(found.get(12), 'Settings() → load_config() → read_file() → _read() → open()');
    assert.equal(found.get(14), 'fetch_legacy() → legacy.fetch()');
    assert.equal(found.get(71), 'Service._pause() → sleepy() → time.sleep()');
  });

  it('shows the shortest chain when several lead to blocking calls', async () => {
    const ws = await fixtureWorkspace(DIR);
    // either_way() reaches open() through long_way() → longer_way() → read_file() → _read() too.
    assert.equal(chains(ws).get(11), 'either_way() → _read() → open()');
  });

  it('gives the same answers from memoised results as from a fresh graph', async () => {
    const fresh = chains(await fixtureWorkspace(DIR));
    const ws = await fixtureWorkspace(DIR);
    chains(ws);
    assert.deepEqual(chains(ws), fresh);
  });

  it('ends on cycles, with or without a blocking call in them', async () => {
    const ws = await fixtureWorkspace(DIR);
    const source = [
      'import time',
      'def ping(n):',
      '    return pong(n)',
      'def pong(n):',
      '    return ping(n)',
      'def tick(n):',
      '    return tock(n)',
      'def tock(n):',
      '    tick(n)',
      '    time.sleep(n)',
      'async def main():',
      '    ping(1)',
      '    tick(1)',
    ].join('\n');
    const path = join(DIR, 'cycles.py');
    const nested = [
      'import time',
      'async def main(n):',
      '    def even(k):',
      '        return odd(k - 1) if k else None',
      '    def odd(k):',
      '        return even(k - 1)',
      '    def down(k):',
      '        return up(k) if k else time.sleep(k)',
      '    def up(k):',
      '        return down(k - 1)',
      '    even(n)',
      '    up(n)',
    ].join('\n');
    const nestedPath = join(DIR, 'nested_cycles.py');
    indexSource(ws.parser, nested, nestedPath, ws.index);
    assert.deepEqual([...chains(ws, nestedPath, nested)], [[12, 'up() → down() → time.sleep()']]);
    indexSource(ws.parser, source, path, ws.index);
    assert.deepEqual([...chains(ws, path, source)], [[13, 'tick() → tock() → time.sleep()']]);
  });

  it('updates when a helper in another file changes, and back', async () => {
    const ws = await fixtureWorkspace(DIR);
    const original = readFileSync(IO_UTILS, 'utf8');
    assert.ok(chains(ws).has(9));
    const harmless = original.replace('    with open(path) as f:\n        return f.read()', '    return path');
    assert.notEqual(harmless, original);
    indexSource(ws.parser, harmless, IO_UTILS, ws.index);
    const after = chains(ws);
    assert.equal(after.has(9), false, 'load_config() no longer reaches a blocking call');
    assert.equal(after.get(41), 'sleepy() → time.sleep()', 'findings that do not depend on the edit stay');
    indexSource(ws.parser, original, IO_UTILS, ws.index);
    assert.equal(chains(ws).get(9), 'load_config() → read_file() → _read() → open()');
  });

  it('follows blocking calls configured in the settings, and forgets them when the settings change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-graph-'));
    try {
      const source = ['import legacy', 'def helper():', '    return legacy.fetch()', 'async def main():', '    helper()'].join('\n');
      const path = join(dir, 'app.py');
      writeFileSync(path, source);
      const ws = await fixtureWorkspace(dir);
      assert.deepEqual([...chains(ws, path, source)], []);
      const configured = ws.lint(path, source, { blockingCalls: [{ name: 'legacy.*' }] }).filter((f) => f.code === 'AIO210');
      assert.deepEqual(configured.map((f) => f.range.start.line), [4]);
      assert.match(configured[0].message, /helper\(\) → legacy\.fetch\(\)/);
      assert.deepEqual([...chains(ws, path, source)], [], 'the memo of the configured run does not leak');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
