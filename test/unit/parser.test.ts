// The parser as bundled: web-tree-sitter with its Node handle moved to a named property (scripts/esbuild-shared.mjs).
import * as assert from 'node:assert/strict';
import { loadParser, parse } from '../../server/parser';

describe('bundled parser', () => {
  it('keeps node handles in a named property, and nodes still find their way around the tree', async () => {
    const parser = await loadParser();
    const source = 'async def main():\n    await asyncio.sleep(1)\n';
    const tree = parse(parser, source);
    try {
      const [call] = tree.rootNode.descendantsOfType('call');
      assert.ok(call);
      // An indexed property would give every node an elements store of its own: the cost the patch removes.
      assert.deepEqual(Object.keys(call).filter((key) => /^\d+$/.test(key)), []);
      assert.ok(Object.keys(call).includes('_handle'));
      assert.equal(call.childForFieldName('function')?.text, 'asyncio.sleep');
      assert.equal(call.parent?.type, 'await');
      assert.equal(call.parent?.parent?.parent?.parent?.type, 'function_definition');
      assert.deepEqual(call.endPosition, { row: 1, column: 26 });
    } finally {
      tree.delete();
    }
  });
});
