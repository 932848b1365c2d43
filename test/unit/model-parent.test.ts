// model.parentOf: the same answer as tree-sitter's `node.parent`, found from a near ancestor instead of the root.
import * as assert from 'node:assert/strict';
import type { Node } from 'web-tree-sitter';
import { buildModel } from '../../server/engine';
import { WorkspaceIndex } from '../../server/model/workspaceIndex';
import { loadParser, parse } from '../../server/parser';

const SOURCE = `import asyncio

@decorate(factory())
class Service(Base, metaclass=meta()):
    limit = compute()

    async def run(self, urls=default()):
        f()()
        await asyncio.gather(*(self.fetch(u) for u in urls))
        result = [await g(x) for x in h()]
        lambda: k(l())
        if (await ready()) and check():
            return wrap(inner(deep()))
        with open(p) as fh, lock():
            pass

def broken(:
    call_in_error(
main()
`;

function allNodes(root: Node): Node[] {
  const nodes: Node[] = [];
  const visit = (n: Node) => {
    nodes.push(n);
    for (const c of n.children) if (c) visit(c);
  };
  visit(root);
  return nodes;
}

describe('model.parentOf', () => {
  it('agrees with node.parent for every node, calls and error recovery included', async () => {
    const parser = await loadParser();
    const tree = parse(parser, SOURCE);
    const { model } = buildModel(tree, SOURCE, '/ws/svc.py', new WorkspaceIndex());
    const nodes = allNodes(model.root);
    assert.ok(nodes.some((n) => n.type === 'ERROR'), 'the sample has a syntax error');
    assert.ok(model.calls.length >= 15);
    for (const node of nodes) {
      assert.equal(model.parentOf(node)?.id, node.parent?.id, `parent of ${node.type} "${node.text.slice(0, 30)}" at ${node.startIndex}`);
    }
    for (const site of model.calls) assert.equal(model.parentOf(site.node)?.id, site.node.parent?.id, site.node.text);
    assert.equal(model.parentOf(model.root), null);
  });
});
