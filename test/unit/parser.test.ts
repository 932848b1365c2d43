// The parser as bundled: web-tree-sitter with its Node handle moved to a named property and its type-name lookups
// kept (scripts/esbuild-shared.mjs).
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

  it('looks up the symbols of a list of type names once, and still finds every node of those types', async () => {
    const parser = await loadParser();
    const tree = parse(parser, 'def f():\n    g(h(1))\n    return [x for x in y]\n');
    try {
      const types = ['call', 'list_comprehension'];
      const language = tree.language as unknown as { types: string[] };
      const found = () => tree.rootNode.descendantsOfType(types).map((n) => n?.text);
      assert.deepEqual(found(), ['g(h(1))', 'h(1)', '[x for x in y]']);
      // A second walk with the same list must not scan the language's symbols again.
      const scanned = language.types;
      let reads = 0;
      Object.defineProperty(language, 'types', { configurable: true, get: () => (reads++, scanned) });
      try {
        assert.deepEqual(found(), ['g(h(1))', 'h(1)', '[x for x in y]']);
      } finally {
        Object.defineProperty(language, 'types', { configurable: true, writable: true, value: scanned });
      }
      assert.equal(reads, 0);
      assert.deepEqual(tree.rootNode.descendantsOfType(['return_statement']).map((n) => n?.type), ['return_statement']);
    } finally {
      tree.delete();
    }
  });
});
