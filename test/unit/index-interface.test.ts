// The index tells dependants to re-lint only when what other files can see of a module changed: every visible fact
// counts, positions and function-local details do not.
import * as assert from 'node:assert/strict';
import { buildModel } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, parse } from '../../server/parser';

const BASE = `import asyncio
from helpers import *
client = Client()

class Service(Base):
    timeout: float = 1.0

    def __init__(self):
        self.lock = asyncio.Lock()

    async def fetch(self, url):
        await asyncio.sleep(1)
        return url

def helper(x):
    work(x)
`;

describe('workspace index: what counts as a visible change', () => {
  async function changedAfter(before: string, after: string): Promise<boolean> {
    const parser = await loadParser();
    const index = new WorkspaceIndex();
    const build = (src: string) => {
      const tree = parse(parser, src);
      try {
        return buildModel(tree, src, '/ws/svc.py', index).indexChanged;
      } finally {
        tree.delete();
      }
    };
    assert.equal(build(before), true);
    return build(after);
  }

  const edit = (from: string, to: string) => {
    assert.ok(BASE.includes(from), from);
    return BASE.replace(from, to);
  };

  it('ignores moved code, comments and local details', async () => {
    assert.equal(await changedAfter(BASE, `\n\n${BASE}`), false);
    assert.equal(await changedAfter(BASE, edit('        return url', '        # echo\n        result = url\n        return result')), false);
    assert.equal(await changedAfter(BASE, edit('await asyncio.sleep(1)', 'await asyncio.sleep(2)')), false);
  });

  const visible: [string, string, string][] = [
    ['a star import', 'from helpers import *', 'from others import *'],
    ['a base class', 'class Service(Base)', 'class Service(Other)'],
    ['a class-body attribute type', 'timeout: float = 1.0', 'timeout: int = 1'],
    ['an instance attribute type', 'asyncio.Lock()', 'asyncio.Event()'],
    ['a method becoming async', '    def __init__', '    async def __init__'],
    ['a method renamed', 'async def fetch', 'async def get'],
    ['a parameter', 'def helper(x)', 'def helper(y)'],
    ['a callee', 'work(x)', 'rest(x)'],
    ['a call no longer awaited', 'await asyncio.sleep(1)', 'asyncio.sleep(1)'],
    ['a return value', '    work(x)\n', '    return work(x)\n'],
    ['a variable type', 'client = Client()', 'client = Session()'],
    ['an alias target', 'import asyncio', 'import trio as asyncio'],
    ['a symbol removed', 'def helper(x):\n    work(x)\n', ''],
  ];
  for (const [what, from, to] of visible) {
    it(`counts ${what}`, async () => {
      assert.equal(await changedAfter(BASE, edit(from, to)), true);
    });
  }
});
