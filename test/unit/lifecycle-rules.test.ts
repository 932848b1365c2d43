// The lifecycle and event-loop rules (AIO3xx/AIO4xx/AIO5xx) where the configured target version changes what is
// reported or which fix is offered; fixture folders hold one target version each, so the other side is tested here.
import * as assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureWorkspace, type FixtureWorkspace } from '../support/fixtures';
import type { Finding } from '../../server/rules/types';

describe('lifecycle rules and the target version', () => {
  let dir: string;
  let workspace: FixtureWorkspace;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asyncio-lens-lifecycle-'));
    workspace = await fixtureWorkspace(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function lint(code: string, source: string, targetVersion: string): Finding[] {
    const file = join(dir, 'example.py');
    writeFileSync(file, source);
    return workspace.lint(file, source, { targetVersion }).filter((f) => f.code === code);
  }

  it('AIO303: `except Exception` around an await swallows cancellation only when targeting 3.7', () => {
    const source = ['import asyncio', '', 'async def f():', '    try:', '        await asyncio.sleep(1)', '    except Exception:', '        pass', ''].join('\n');
    assert.deepEqual(lint('AIO303', source, '3.7').map((f) => f.range.start.line), [5]);
    assert.deepEqual(lint('AIO303', source, '3.8'), []);
  });

  it('AIO403: what is reported and how depends on the target version', () => {
    const source = [
      'import asyncio',
      '',
      '@asyncio.coroutine',
      'def legacy():',
      '    yield from asyncio.sleep(1, loop=None)',
      '',
      'async def f():',
      '    await asyncio.wait([asyncio.sleep(1)])',
      '    return asyncio.Task.current_task()',
      '',
    ].join('\n');
    const at = (version: string) => lint('AIO403', source, version).map((f) => `${f.range.start.line}: ${f.message.split(';')[0]}`);
    // 3.7: nothing of this was deprecated yet, except Task.current_task().
    assert.deepEqual(at('3.7'), ['8: `asyncio.Task.current_task()` is deprecated since Python 3.7 and removed in 3.9']);
    assert.deepEqual(at('3.9'), [
      '2: `@asyncio.coroutine` on `legacy` is deprecated since Python 3.8 and removed in 3.11',
      '4: The `loop` argument of `asyncio.sleep()` is deprecated since Python 3.8 and removed in 3.10 (TypeError on 3.10+)',
      '7: Passing coroutines to `asyncio.wait()` is deprecated since Python 3.8 and a TypeError since 3.11',
      '8: `asyncio.Task.current_task()` was removed in Python 3.9',
    ]);
    assert.deepEqual(at('3.11'), [
      '2: `@asyncio.coroutine` on `legacy` was removed in Python 3.11',
      '4: The `loop` argument of `asyncio.sleep()` was removed in Python 3.10 (TypeError on 3.10+)',
      '7: Passing coroutines to `asyncio.wait()` raises TypeError since Python 3.11',
      '8: `asyncio.Task.current_task()` was removed in Python 3.9',
    ]);
  });

  it('AIO301: the TaskGroup fix is only offered when the target has TaskGroup (3.11)', () => {
    const source = ['import asyncio', '', 'async def f(job):', '    async with asyncio.TaskGroup() as tg:', '        asyncio.create_task(job())', ''].join('\n');
    const [at310] = lint('AIO301', source, '3.10');
    const [at311] = lint('AIO301', source, '3.11');
    assert.match(at310.fix!.title, /_background_tasks/);
    assert.equal(at310.alternativeFixes?.length ?? 0, 0);
    assert.equal(at311.fix!.title, 'Create the task with `tg.create_task()`');
    assert.match(at311.alternativeFixes![0].title, /_background_tasks/);
  });

  it('AIO300, AIO400, AIO402: no fix needing Python 3.7 APIs for an older target', () => {
    const entry = ['import asyncio', '', 'async def work():', '    pass', '', 'async def main():', '    for _ in range(2):', '        asyncio.create_task(work())', '', 'asyncio.run(main())', ''].join('\n');
    assert.match(lint('AIO300', entry, '3.7')[0].fix!.edits.map((e) => e.newText).join(''), /all_tasks/);
    assert.equal(lint('AIO300', entry, '3.6')[0].fix, undefined);
    const legacy = ['import asyncio', '', 'async def main():', '    pass', '', 'loop = asyncio.get_event_loop()', 'loop.run_until_complete(main())', ''].join('\n');
    assert.equal(lint('AIO400', legacy, '3.7').length, 1);
    assert.equal(lint('AIO400', legacy, '3.6').length, 0);
    const inCoroutine = ['import asyncio', '', 'async def f():', '    return asyncio.get_event_loop()', ''].join('\n');
    assert.ok(lint('AIO402', inCoroutine, '3.7')[0].fix);
    assert.equal(lint('AIO402', inCoroutine, '3.6')[0].fix, undefined);
  });
});
