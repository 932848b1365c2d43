// The semantic model: imports and aliases, scopes, relative imports, instances, and the workspace index.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { buildModel } from '../../server/engine';
import { ModuleModel } from '../../server/model/moduleModel';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, parse } from '../../server/parser';

async function modelOf(source: string, path = '/ws/mod.py', index = new WorkspaceIndex()): Promise<ModuleModel> {
  const parser = await loadParser();
  return buildModel(parse(parser, source), source, path, index).model;
}

/** The canonical callee of each call whose text starts with `prefix`, in order. */
function callees(model: ModuleModel, prefix = ''): (string | undefined)[] {
  return model.calls.filter((c) => c.node.text.startsWith(prefix)).map((c) => model.resolveCall(c.node));
}

function callNamed(model: ModuleModel, text: string): Node {
  const site = model.calls.find((c) => c.node.text === text);
  assert.ok(site, `no call ${text}`);
  return site.node;
}

describe('semantic model', () => {
  it('resolves imports with aliases to canonical names', async () => {
    const m = await modelOf(
      ['import asyncio as aio', 'import os.path', 'from time import sleep as nap', 'from concurrent import futures', 'aio.sleep(1)', 'nap(1)', 'os.path.exists(p)', 'futures.wait(fs)', 'open(p)'].join('\n'),
    );
    assert.deepEqual(callees(m), ['asyncio.sleep', 'time.sleep', 'os.path.exists', 'concurrent.futures.wait', 'open']);
  });

  it('collects await, lambda and yield expressions, not the keyword tokens named like them', async () => {
    const m = await modelOf('async def f(g):\n    x = await g(lambda: (yield))\n    await (await g(1))\n');
    assert.deepEqual(m.nodesOfType('await').map((n) => n.text), ['await g(lambda: (yield))', 'await (await g(1))', 'await g(1)']);
    assert.deepEqual(m.nodesOfType('lambda').map((n) => n.text), ['lambda: (yield)']);
    assert.deepEqual(m.nodesOfType('yield').map((n) => n.text), ['yield']);
    assert.ok(m.nodesOfType('yield').every((n) => n.isNamed));
  });

  it('follows function scopes: locals shadow imports, globals do not', async () => {
    const m = await modelOf(
      ['import time', 'def f():', '    time = Clock()', '    time.sleep(1)', 'def g():', '    global time', '    time.sleep(2)', 'class Clock:', '    def sleep(self, s): ...'].join('\n'),
    );
    assert.deepEqual(callees(m, 'time.sleep'), ['mod.Clock.sleep', 'time.sleep']);
  });

  it('names modules by package layout and resolves relative imports', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lens-model-'));
    try {
      mkdirSync(join(root, 'src', 'pkg', 'sub'), { recursive: true });
      for (const init of ['src/pkg/__init__.py', 'src/pkg/sub/__init__.py']) writeFileSync(join(root, init), '');
      const source = 'from .util import fetch\nfrom .. import top\nfrom ..x import y as z\nfetch()\ntop()\nz()\n';
      const mod = await modelOf(source, join(root, 'src', 'pkg', 'sub', 'mod.py'));
      assert.equal(mod.moduleName, 'pkg.sub.mod');
      assert.deepEqual(callees(mod), ['pkg.sub.util.fetch', 'pkg.top', 'pkg.x.y']);
      const init = await modelOf(source, join(root, 'src', 'pkg', 'sub', '__init__.py'));
      assert.equal(init.moduleName, 'pkg.sub');
      assert.deepEqual(callees(init), ['pkg.sub.util.fetch', 'pkg.top', 'pkg.x.y']);
      // Beyond the top package nothing is invented.
      const script = await modelOf('from ... import far\nfar()\n', join(root, 'src', 'pkg', 'sub', 'deep.py'));
      assert.deepEqual(callees(script), ['far']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('types instances, annotated parameters, self attributes and return annotations', async () => {
    const m = await modelOf(
      [
        'import requests',
        'from typing import Optional',
        'class Client:',
        '    session: requests.Session',
        '    def __init__(self):',
        '        self.cache = Cache()',
        '    async def fetch(self): ...',
        '    async def run(self):',
        '        self.fetch()',
        '        self.cache.get(1)',
        '        self.session.get(u)',
        'class Cache:',
        '    def get(self, k): ...',
        'class Sub(Client):',
        '    async def fetch(self):',
        '        super().fetch()',
        'def make() -> Client: ...',
        'def use(c: Optional[Client], d: "Client | None"):',
        '    c.fetch()',
        '    make().fetch()',
        '    s = requests.Session()',
        '    s.post(u)',
        '    with open(p) as f:',
        '        f.read()',
      ].join('\n'),
    );
    assert.equal(m.resolveCall(callNamed(m, 'self.fetch()')), 'mod.Client.fetch');
    assert.equal(m.resolveCall(callNamed(m, 'self.cache.get(1)')), 'mod.Cache.get');
    assert.equal(m.resolveCall(callNamed(m, 'self.session.get(u)')), 'requests.Session.get');
    assert.equal(m.resolveCall(callNamed(m, 'super().fetch()')), 'mod.Client.fetch');
    assert.equal(m.resolveCall(callNamed(m, 'c.fetch()')), 'mod.Client.fetch');
    assert.equal(m.resolveCall(callNamed(m, 'make().fetch()')), 'mod.Client.fetch');
    assert.equal(m.resolveCall(callNamed(m, 's.post(u)')), 'requests.Session.post');
    assert.equal(m.resolveCall(callNamed(m, 'f.read()')), 'io.TextIOWrapper.read');
  });

  it('records async flags, decorators and methods', async () => {
    const m = await modelOf(
      ['import functools', 'from contextlib import asynccontextmanager as acm', 'class A:', '    @staticmethod', '    async def s(): ...', '@acm', 'async def cm():', '    yield', 'def plain(): ...'].join('\n'),
    );
    const byName = new Map(m.functions.map((f) => [f.qualname, f]));
    assert.equal(byName.get('A.s')?.isAsync, true);
    assert.deepEqual(byName.get('A.s')?.decorators, ['staticmethod']);
    assert.deepEqual(byName.get('cm')?.decorators, ['contextlib.asynccontextmanager']);
    assert.equal(byName.get('cm')?.isGenerator, true);
    assert.equal(byName.get('plain')?.isAsync, false);
  });

  it('resolves calls into other workspace files through the index, including re-exports', async () => {
    const index = new WorkspaceIndex();
    await modelOf('async def fetch(): ...\nclass Client:\n    async def get(self): ...\n', '/ws/pkg_impl.py', index);
    await modelOf('from pkg_impl import fetch as fetch, Client\n', '/ws/facade.py', index);
    const m = await modelOf('import facade\nfrom facade import Client\nfacade.fetch()\nClient().get()\n', '/ws/app.py', index);
    assert.deepEqual(callees(m), ['pkg_impl.fetch', 'pkg_impl.Client.get', 'pkg_impl.Client']);
    assert.equal(index.lookupFunction('facade.fetch')?.isAsync, true);
  });

  describe('walks a top-level def or class when something asks for it', () => {
    let restore: (() => void) | undefined;
    afterEach(() => restore?.());

    /** A lazy model, built without the index summary (which reads every def), and the offsets its parser walks from. */
    async function lazyModelOf(source: string): Promise<{ model: ModuleModel; walkedFrom: number[] }> {
      const parser = await loadParser();
      const tree = parse(parser, source);
      const walkedFrom: number[] = [];
      const proto = Object.getPrototypeOf(tree.rootNode) as { descendantsOfType: (...args: unknown[]) => unknown };
      const original = proto.descendantsOfType;
      proto.descendantsOfType = function (this: Node, ...args: unknown[]) {
        walkedFrom.push(this.startIndex);
        return original.apply(this, args);
      };
      restore = () => (proto.descendantsOfType = original);
      const model = new ModuleModel(tree, source, 'mod', '/ws/mod.py', false, new WorkspaceIndex(), true).finish();
      return { model, walkedFrom };
    }

    it('re-checking one def walks that def and what resolving its calls reads, not the others', async () => {
      const source = ['import asyncio', 'def helper():', '    return 1', 'async def edited():', '    await asyncio.sleep(helper())', 'class Other:', '    def run(self):', '        asyncio.run(edited())', ''].join('\n');
      const { model, walkedFrom } = await lazyModelOf(source);
      const [helper, edited, other] = ['def helper', 'async def edited', 'class Other'].map((text) => source.indexOf(text));
      assert.deepEqual(walkedFrom, [0], 'only the import is walked while the model is built');
      const focused = model.focusedOn(edited, other);
      assert.deepEqual(focused.calls.map((c) => c.node.text), ['asyncio.sleep(helper())', 'helper()']);
      assert.deepEqual(walkedFrom, [0, edited]);
      // The module-level binding exists without walking the def; its function is had by walking it.
      const binding = model.lookup('helper', focused.calls[1].node);
      assert.equal(binding?.kind, 'function');
      assert.deepEqual(walkedFrom, [0, edited]);
      assert.equal(model.resolveCall(focused.calls[1].node), 'mod.helper');
      assert.deepEqual(walkedFrom, [0, edited, helper]);
      assert.deepEqual(model.functions.map((f) => f.qualname), ['helper', 'edited', 'Other.run']);
      assert.deepEqual(walkedFrom, [0, edited, helper, other]);
    });

    it('binds what a def reaches outside itself at once: a walrus in a decorator, a star import', async () => {
      const source = ['@(traced := make_tracer())', 'def f(): ...', 'def g():', '    from os import *', 'traced()', ''].join('\n');
      const { model } = await lazyModelOf(source);
      assert.deepEqual(model.starImports, ['os']);
      const call = model.focusedOn(source.indexOf('traced()'), source.length).calls[0].node;
      assert.equal(model.lookup('traced', call)?.kind, 'assignment');
    });

    it('a later definition of a function counts, and the first of a class, whichever is walked first', async () => {
      const source = [
        'class A: ...', 'class B: ...',
        'def make() -> A: ...',
        'if flag:', '    def make() -> B: ...',
        '    class C: ...',
        'class C:', '    pass',
        'x = make()', '',
      ].join('\n');
      const { model } = await lazyModelOf(source);
      const call = model.focusedOn(source.indexOf('x = make()'), source.length).calls[0].node;
      assert.equal(model.typeOf(call), 'mod.B');
      const { model: other } = await lazyModelOf(source.replace('if flag:\n    def make() -> B: ...\n    class C: ...\nclass C:\n    pass', 'class C:\n    pass\nif flag:\n    class C: ...'));
      assert.equal(other.localClass('mod.C')?.node.text, 'class C:\n    pass');
      assert.equal(model.localClass('mod.C')?.node.text, 'class C: ...');
    });
  });

  it('reports index changes only when something visible changed', async () => {
    const index = new WorkspaceIndex();
    const parser = await loadParser();
    const build = (src: string) => buildModel(parse(parser, src), src, '/ws/u.py', index).indexChanged;
    assert.equal(build('def helper():\n    pass\n'), true);
    assert.equal(build('\n\ndef helper():\n    pass  # moved and commented\n'), false);
    assert.equal(build('async def helper():\n    pass\n'), true);
  });
});
