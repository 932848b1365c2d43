// The shortcuts of the lifecycle rules' syntax helpers (server/rules/lifecycle/syntax.ts): what they read from the
// source text instead of asking the parser must be what the parser says, on the shapes where the two could differ.
import * as assert from 'node:assert/strict';
import { buildModel } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, parse } from '../../server/parser';
import { callMethod, methodName } from '../../server/rules/lifecycle/syntax';

/** Callees that are dotted names and callees that are not, chained calls (several calls starting at one offset), error recovery. */
const CALLS = `import asyncio
print(x)
print (x)
exec("x")
f(x).g(y)
f(x)(y)
a.b(c).d(e)
asyncio.get_event_loop().run_until_complete(main())
(f)(x)
a .b( x )
x = (a
  .b
  (y))
y = (a.  # comment
     b(x))
a.b \\
 .c(x)
None(x)
True.real(x)
match(x)
f"{x}".join(y)
b"x".decode()
é(x)
aé.b(x)
d = {k: v.w(x) for k in y}
f(x for x in y)
@deco.rate(x)
def h(): lambda: f.g(x)
class C(Base.make(x)): pass
x = [f (y), g
(z)]
asyncio.async(coro())
loop.create_task(
`;

describe('lifecycle syntax helpers', () => {
  it('callMethod reads the method name of a call from the source exactly where the parser would give the same', async () => {
    const parser = await loadParser();
    const tree = parse(parser, CALLS);
    const { model } = buildModel(tree, CALLS, '/ws/calls.py', new WorkspaceIndex());
    assert.ok(model.root.hasError, 'the sample ends in syntax errors');
    assert.ok(model.calls.length >= 30);
    const methods = model.calls.map((site) => callMethod(model, site.node));
    assert.deepEqual(methods, model.calls.map((site) => methodName(site.node)));
    // The outer call of a chain starts where the inner one does: its own method, not the inner one's.
    assert.ok(methods.includes('run_until_complete') && methods.includes('get_event_loop') && methods.includes('d'));
    // `asyncio.async(...)` keeps an ERROR between callee and arguments: the callee is `asyncio`, no method.
    const asyncCall = model.calls.find((site) => site.node.text.startsWith('asyncio.async'));
    assert.equal(asyncCall && callMethod(model, asyncCall.node), undefined);
  });
});
