// AIO100 on `self.m()` looks at every override of `m` in workspace subclasses, and memoizes what it found across
// index changes: a changed override, a new subclass or a changed base must still change the answer.
import * as assert from 'node:assert/strict';
import { resolveConfig } from '../../server/config';
import { analyzeSource, indexSource } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser } from '../../server/parser';

const BASE = [
  'class Job:',
  '    async def run(self):',
  '        pass',
  '',
  '    async def start(self):',
  '        self.run()',
  '',
].join('\n');

const subclass = (base: string, run: string) =>
  ['from base import Job', '', `class Other(${base}):`, `    ${run}`, '', '    def stop(self):', '        pass', ''].join('\n');

describe('AIO100 on self calls: overrides in other files', () => {
  it('follows overrides as they change, are added, removed and stop subclassing', async () => {
    const parser = await loadParser();
    const index = new WorkspaceIndex();
    const config = resolveConfig();
    const flagged = () => analyzeSource(parser, BASE, '/ws/base.py', index, config).findings.filter((f) => f.code === 'AIO100').length;
    const edit = (source: string) => indexSource(parser, source, '/ws/impl.py', index);

    indexSource(parser, BASE, '/ws/base.py', index);
    assert.equal(flagged(), 1, 'no subclass: `self.run()` makes a coroutine');
    edit(subclass('Job', 'async def run(self):\n        pass'));
    assert.equal(flagged(), 1, 'an async override agrees');
    edit(subclass('Job', 'def run(self):\n        return 1'));
    assert.equal(flagged(), 0, 'a plain override: the call may not give a coroutine');
    edit(subclass('Job', 'async def run(self):\n        pass'));
    assert.equal(flagged(), 1, 'the override is async again');
    edit(subclass('Job', 'def run(self):\n        return 1').replace('def stop', 'async def stop'));
    assert.equal(flagged(), 0, 'another member changing at the same time does not hide the change of `run`');
    index.removePath('/ws/impl.py');
    assert.equal(flagged(), 1, 'the module with the override is gone');
    edit(subclass('Job', 'def run(self):\n        return 1'));
    assert.equal(flagged(), 0, 'and back');
    edit(subclass('object', 'def run(self):\n        return 1'));
    assert.equal(flagged(), 1, 'no longer a subclass');
  });
});
