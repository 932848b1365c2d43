// Garbage in, no crash and no hang out: the engine either analyses what parses or refuses with a clear error.
import * as assert from 'node:assert/strict';
import { resolveConfig } from '../../server/config';
import { analyzeSource } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, MAX_SOURCE_LENGTH, ParseError } from '../../server/parser';
import { decodePythonSource } from '../../server/sourceText';

async function lint(source: string) {
  const parser = await loadParser();
  return analyzeSource(parser, source, '/ws/garbage.py', new WorkspaceIndex(), resolveConfig());
}

/** A deterministic pseudo-random generator, so a failure can be reproduced. */
function* randomBytes(seed: number, n: number) {
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    yield x & 0xff;
  }
}

describe('robustness', () => {
  it('random bytes decode lossily and analyse without throwing', async () => {
    for (const seed of [1, 2, 3]) {
      const decoded = decodePythonSource(Buffer.from([...randomBytes(seed, 50000)]));
      assert.equal(decoded.lossy, true);
      const { failures } = await lint(decoded.text);
      assert.deepEqual(failures, []);
    }
  });

  it('a 5 MB file is analysed, and findings in it are still reported', async () => {
    const block = 'async def f{i}():\n    x = [1, 2, 3]\n    await other()\n    return x\n\n';
    const parts: string[] = [];
    for (let i = 0, length = 0; length < 5 * 1024 * 1024; i++) {
      parts.push(block.replace('{i}', String(i)));
      length += parts[i].length;
    }
    const source = 'import time\n' + parts.join('') + 'async def last():\n    time.sleep(1)\n';
    assert.ok(source.length > 5 * 1024 * 1024 && source.length < MAX_SOURCE_LENGTH);
    const { findings } = await lint(source);
    assert.deepEqual(findings.filter((f) => f.code === 'AIO200').map((f) => f.range.start.line), [source.split('\n').length - 2]);
  });

  it('refuses a file over the size limit with a clear error', async () => {
    await assert.rejects(lint('x = 1\n'.repeat(MAX_SOURCE_LENGTH / 6 + 10)), (e: unknown) => e instanceof ParseError && /are not analysed/.test(e.message));
  });

  it('survives 500-deep nesting of brackets, blocks and calls', async () => {
    const brackets = 'x = ' + '('.repeat(500) + '1' + ')'.repeat(500) + '\n';
    let blocks = 'import time\nasync def outer():\n';
    for (let i = 0; i < 500; i++) blocks += ' '.repeat(4 * (i + 1)) + 'if x:\n';
    blocks += ' '.repeat(4 * 501) + 'time.sleep(1)\n';
    const calls = 'f(' .repeat(500) + ')'.repeat(500) + '\n';
    for (const source of [brackets, blocks, calls]) assert.deepEqual((await lint(source)).failures, []);
    assert.equal((await lint(blocks)).findings.filter((f) => f.code === 'AIO200').length, 1);
  });

  it('an unterminated string or half-typed code still yields findings for what parses', async () => {
    const source = 'import time\n\nasync def ok():\n    time.sleep(1)\n\nasync def typing_now(:\n    s = """never closed\n';
    const { findings } = await lint(source);
    assert.deepEqual(findings.map((f) => [f.code, f.range.start.line]), [['AIO200', 3]]);
  });

  it('honours PEP 263 coding cookies and a UTF-8 BOM', () => {
    const latin = Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\ns = "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    assert.deepEqual(decodePythonSource(latin), { text: '# -*- coding: latin-1 -*-\ns = "café"\n', lossy: false });
    assert.deepEqual(decodePythonSource(Buffer.from('\ufeffx = 1\n')), { text: 'x = 1\n', lossy: false });
  });
});
