// The workspace index on re-export cycles: a module that imports a name from itself (as some of CPython's
// standard library does) must end as unresolved, not recurse until the stack overflows.
import * as assert from 'node:assert/strict';
import { indexSource } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser } from '../../server/parser';

async function indexOf(files: Record<string, string>): Promise<WorkspaceIndex> {
  const parser = await loadParser();
  const index = new WorkspaceIndex();
  for (const [path, source] of Object.entries(files)) indexSource(parser, source, path, index);
  return index;
}

describe('workspace index: alias cycles', () => {
  it('gives up on a module that re-exports a name from itself, when a member of it is looked up', async () => {
    const index = await indexOf({ '/ws/selfref.py': 'from selfref import thing\n' });
    assert.equal(index.lookup('selfref.thing.member'), undefined);
    assert.equal(index.resolveMember('selfref.thing', 'member'), 'selfref.thing.member');
  });

  it('gives up on two modules that re-export a name from each other', async () => {
    const index = await indexOf({ '/ws/left.py': 'from right import name\n', '/ws/right.py': 'from left import name\n' });
    assert.equal(index.lookup('left.name.attr'), undefined);
    assert.equal(index.canonicalOf('left.name.attr'), 'left.name.attr');
  });

  it('still follows a finite chain of re-exports to a member of a class', async () => {
    const index = await indexOf({
      '/ws/impl.py': 'class Client:\n    async def fetch(self): ...\n',
      '/ws/middle.py': 'from impl import Client\n',
      '/ws/api.py': 'from middle import Client as Api\n',
    });
    assert.equal(index.lookupFunction('api.Api.fetch')?.canonical, 'impl.Client.fetch');
  });
});
