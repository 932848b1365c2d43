// The shortcuts of the lifecycle rules' syntax helpers (server/rules/lifecycle/syntax.ts): what they read from the
// source text instead of asking the parser must be what the parser says, on the shapes where the two could differ.
import * as assert from 'node:assert/strict';
import { buildModel } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, parse } from '../../server/parser';
import { freshName } from '../../server/rules/lifecycle/edits';
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

  it('freshName passes over exactly the names identifiers use, however the text mentions the base', async () => {
    const parser = await loadParser();
    const fresh = (source: string) => {
      const { model } = buildModel(parse(parser, source), source, '/ws/names.py', new WorkspaceIndex());
      return freshName(model, model.root, 'task');
    };
    // Only inside longer names, strings and comments: free.
    assert.equal(fresh('import asyncio\nasyncio.create_task(c)\nq.task_done()\nx = "task" # task\nsubtask_2 = 1\n'), 'task');
    // An attribute name and an f-string field are identifiers; `task_2x` is not `task_2`.
    assert.equal(fresh('y = obj.task\nz = f"{task_2}"\nw = task_2x\n'), 'task_3');
    // After a number the tokenizer starts a new name (`1if`), and text with a syntax error is not read at all.
    assert.equal(fresh('y = 1if task else 0\n'), 'task_2');
    assert.equal(fresh('y = (task\ndef broken(:\n'), 'task_2');
    // `task` is bound at module level, so the candidates go on, and a function's own `task_2` is in use.
    const source = 'task = None\n\ndef f():\n    return [task_2 for task_2 in range(3)]\n';
    const { model } = buildModel(parse(parser, source), source, '/ws/names.py', new WorkspaceIndex());
    assert.equal(freshName(model, model.functions[0].node, 'task'), 'task_3');
  });
});
