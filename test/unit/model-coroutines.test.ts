// Model facts the AIO1xx rules rely on: FunctionSummary.returnsNone (what AIO104 needs to call `await f()` a bug)
// and `cls` of a classmethod naming its class.
import * as assert from 'node:assert/strict';
import { buildModel } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, parse } from '../../server/parser';

async function returnsNoneByName(source: string): Promise<Record<string, boolean | undefined>> {
  const parser = await loadParser();
  const index = new WorkspaceIndex();
  buildModel(parse(parser, source), source, '/ws/mod.py', index);
  const out: Record<string, boolean | undefined> = {};
  for (const [name, symbol] of index.module('mod')!.symbols) {
    if (symbol.kind === 'function') out[name] = symbol.returnsNone;
    if (symbol.kind === 'class') for (const [m, fn] of symbol.methods) out[`${name}.${m}`] = fn.returnsNone;
  }
  return out;
}

describe('model: functions that certainly return None', () => {
  it('tells real bodies without `return <value>` from ones that return, yield or are placeholders', async () => {
    const got = await returnsNoneByName(
      [
        'def log(msg):\n    print(msg)\n    return\n',
        'def explicit_none():\n    x = 1\n    return None\n',
        'def value():\n    return 1\n',
        'def nested_return_only():\n    def inner():\n        return 1\n    inner()\n',
        'def gen():\n    yield 1\n',
        'def stub():\n    """Doc."""\n    ...\n',
        'def abstract():\n    raise NotImplementedError\n',
        'class C:\n    def run(self):\n        self.x = 1\n    def get(self):\n        return self.x\n    def hook(self):\n        pass\n',
      ].join('\n'),
    );
    assert.deepEqual(got, {
      log: true,
      explicit_none: true,
      value: false,
      nested_return_only: true,
      gen: false,
      stub: false,
      abstract: false,
      'C.run': true,
      'C.get': false,
      'C.hook': false,
    });
  });

  it('changes the module fingerprint when a helper starts returning a value', async () => {
    const parser = await loadParser();
    const index = new WorkspaceIndex();
    const before = 'def helper():\n    work()\n';
    buildModel(parse(parser, before), before, '/ws/mod.py', index);
    const after = 'def helper():\n    return work()\n';
    assert.equal(buildModel(parse(parser, after), after, '/ws/mod.py', index).indexChanged, true);
  });
});

describe('model: cls in a classmethod', () => {
  it('resolves `cls.method` to the class member, and leaves other first parameters alone', async () => {
    const parser = await loadParser();
    const source = [
      'class Pool:',
      '    @classmethod',
      '    async def create(cls):',
      '        cls.connect()',
      '    @staticmethod',
      '    def helper(cls):',
      '        cls.connect()',
      '    async def connect(self):',
      '        pass',
      'def free(cls):',
      '    cls.connect()',
    ].join('\n');
    const { model } = buildModel(parse(parser, source), source, '/ws/pool.py', new WorkspaceIndex());
    assert.deepEqual(
      model.calls.map((c) => model.resolveCall(c.node)),
      ['pool.Pool.connect', undefined, undefined],
    );
  });
});

describe('model: generic annotations, generic bases and loop variables', () => {
  async function modelOf(source: string) {
    const parser = await loadParser();
    return buildModel(parse(parser, source), source, '/ws/gen.py', new WorkspaceIndex()).model;
  }

  it('types values annotated with generic classes, unions and wrappers by their class', async () => {
    const m = await modelOf(
      [
        'from typing import Annotated, Optional, Union',
        'class Command:',
        '    def m(self): ...',
        'def f(a: Command[int], b: Optional[Command[int]], c: Union[Command, None], d: Annotated[Command, "x"], e: "Command[int]", g: "Optional[Command]", h: Union[Command, int]):',
        ...['a', 'b', 'c', 'd', 'e', 'g', 'h'].map((n) => `    ${n}.m()`),
      ].join('\n'),
    );
    assert.deepEqual(
      m.calls.map((c) => m.resolveCall(c.node)),
      ['gen.Command.m', 'gen.Command.m', 'gen.Command.m', 'gen.Command.m', 'gen.Command.m', 'gen.Command.m', undefined],
    );
  });

  it('types loop variables from annotated containers, literals and comprehensions', async () => {
    const m = await modelOf(
      [
        'from typing import Dict, List, Sequence',
        'class Trace:',
        '    async def send(self): ...',
        'async def run(traces: List[Trace], by_key: Dict[Trace, int], seq: "Sequence[Trace]", pairs: tuple[Trace, int], many: tuple[Trace, ...]):',
        '    for t in traces: t.send()',
        '    for k in by_key: k.send()',
        '    made = [Trace() for _ in range(3)]',
        '    for m in made: m.send()',
        '    for lit in (Trace(), Trace()): lit.send()',
        '    for p in pairs: p.send()',
        '    for x in many: x.send()',
      ].join('\n'),
    );
    const sends = m.calls.filter((c) => c.node.text.endsWith('.send()')).map((c) => m.resolveCall(c.node));
    assert.deepEqual(sends, ['gen.Trace.send', 'gen.Trace.send', 'gen.Trace.send', 'gen.Trace.send', undefined, 'gen.Trace.send']);
  });

  it('follows generic base classes for inherited methods and super()', async () => {
    const m = await modelOf(
      [
        'from typing import Generic, TypeVar',
        'T = TypeVar("T")',
        'class Base(Generic[T]):',
        '    async def invoke(self): ...',
        'class Child(Base[int]):',
        '    async def invoke(self):',
        '        await super().invoke()',
        '    async def other(self):',
        '        self.invoke()',
        'class Grandchild(Child): ...',
        'Grandchild().invoke()',
      ].join('\n'),
    );
    assert.deepEqual(
      m.calls.filter((c) => c.node.text.endsWith('invoke()')).map((c) => m.resolveCall(c.node)),
      ['gen.Base.invoke', 'gen.Child.invoke', 'gen.Child.invoke'],
    );
  });
});

describe('model: union annotations', () => {
  it('types `X | None` in parameters (union_type) and assignments (binary operator), and their items', async () => {
    const parser = await loadParser();
    const source = [
      'class Item:',
      '    def m(self): ...',
      'def f(a: Item | None, b: "list[Item] | None", c: list[Item] | None = None, d: Item | int | None = None):',
      '    x: Item | None = a',
      '    a.m()',
      '    x.m()',
      '    d.m()',
      '    for i in b: i.m()',
      '    for j in c: j.m()',
    ].join('\n');
    const { model } = buildModel(parse(parser, source), source, '/ws/u.py', new WorkspaceIndex());
    assert.deepEqual(
      model.calls.map((c) => model.resolveCall(c.node)),
      ['u.Item.m', 'u.Item.m', undefined, 'u.Item.m', 'u.Item.m'],
    );
  });
});

describe('model: decorators', () => {
  it('does not give a class decorator to the last method of the class', async () => {
    const parser = await loadParser();
    const source = ['def register(cls):', '    return cls', '@register', 'class Payload:', '    async def write(self):', '        pass'].join('\n');
    const { model } = buildModel(parse(parser, source), source, '/ws/d.py', new WorkspaceIndex());
    assert.deepEqual(model.functions.map((f) => [f.name, f.decorators]), [['register', []], ['write', []]]);
    assert.deepEqual(model.classes[0].decorators, ['register']);
  });
});

describe('model: items of annotated containers', () => {
  it('types indexing, .get() and .pop() on annotated dicts and lists, including attributes of other files', async () => {
    const parser = await loadParser();
    const index = new WorkspaceIndex();
    const lib = ['from typing import Dict', 'class Conn:', '    def close(self): ...', 'class Pool:', '    _conns: Dict[str, Conn]', '    def __init__(self, spare: "list[Conn]"):', '        self._spare = spare'].join('\n');
    buildModel(parse(parser, lib), lib, '/ws/lib.py', index);
    const source = [
      'from lib import Conn, Pool',
      'def f(conns: dict[str, Conn], queue: list[Conn], pool: Pool, k):',
      '    conns[k].close()',
      '    conns.get(k).close()',
      '    queue.pop().close()',
      '    queue[0].close()',
      '    queue[1:].close()',
      '    pool._conns.get(k).close()',
      '    pool._spare.pop().close()',
    ].join('\n');
    const { model } = buildModel(parse(parser, source), source, '/ws/use.py', index);
    assert.deepEqual(
      model.calls.filter((c) => c.node.text.endsWith('.close()')).map((c) => model.resolveCall(c.node)),
      ['lib.Conn.close', 'lib.Conn.close', 'lib.Conn.close', 'lib.Conn.close', undefined, 'lib.Conn.close', 'lib.Conn.close'],
    );
  });
});

describe('model: properties and copied containers', () => {
  it('types a property by its return annotation and a list() copy by its items', async () => {
    const parser = await loadParser();
    const source = [
      'import functools',
      'class Writer:',
      '    def drain(self): ...',
      'class Request:',
      '    _sites: list[Writer]',
      '    @property',
      '    def writer(self) -> Writer: ...',
      '    @functools.cached_property',
      '    def cached(self) -> Writer: ...',
      '    def plain(self) -> Writer: ...',
      'def f(r: Request):',
      '    r.writer.drain()',
      '    r.cached.drain()',
      '    r.plain.drain()',
      '    for w in list(r._sites): w.drain()',
      '    for w in sorted(r._sites, key=id): w.drain()',
    ].join('\n');
    const { model } = buildModel(parse(parser, source), source, '/ws/p.py', new WorkspaceIndex());
    assert.deepEqual(
      model.calls.filter((c) => c.node.text.endsWith('drain()')).map((c) => model.resolveCall(c.node)),
      ['p.Writer.drain', 'p.Writer.drain', 'p.Request.plain.drain', 'p.Writer.drain', 'p.Writer.drain'],
    );
  });
});

describe('model: functions as decorators', () => {
  it('tells identity decorators and async wrappers (also behind a factory) from others', async () => {
    const parser = await loadParser();
    const source = [
      'import functools',
      'def mark(fn):\n    return fn',
      'def wrap(fn):\n    @functools.wraps(fn)\n    async def inner(*a):\n        return await fn(*a)\n    return inner',
      'def factory(n):\n    def deco(fn):\n        async def inner():\n            pass\n        return inner\n    return deco',
      'def sync_wrap(fn):\n    def inner():\n        return fn()\n    return inner',
      'def other(fn):\n    return register(fn)',
      'def gen_wrap(fn):\n    async def inner():\n        yield 1\n    return inner',
    ].join('\n');
    const index = new WorkspaceIndex();
    buildModel(parse(parser, source), source, '/ws/deco.py', index);
    const got = Object.fromEntries(['mark', 'wrap', 'factory', 'sync_wrap', 'other', 'gen_wrap'].map((n) => [n, index.lookupFunction(`deco.${n}`)?.asDecorator]));
    assert.deepEqual(got, { mark: 'identity', wrap: 'async-wrapper', factory: 'async-wrapper', sync_wrap: undefined, other: undefined, gen_wrap: undefined });
  });
});
