// AIO104 await-non-awaitable: `await` on the result of a call known to return a plain value (TypeError at run time).
import type { Node } from 'web-tree-sitter';
import { asyncioReference, replaceNode } from '../fixes';
import { callFlags, calleeText } from './coroutines/callables';
import { libraryNames } from './coroutines/library';
import type { Fix, Rule } from './types';

/** Blocking library calls with an awaitable asyncio equivalent taking the same arguments. */
const ASYNC_EQUIVALENTS: Readonly<Record<string, string>> = {
  'time.sleep': 'sleep',
};

export const awaitNonAwaitable: Rule = {
  meta: {
    code: 'AIO104',
    name: 'await-non-awaitable',
    summary: '`await` on the result of a synchronous call, which cannot be awaited',
    defaultSeverity: 'error',
    fixable: 'always',
  },
  check({ model, report }) {
    for (const awaitNode of model.nodesOfType('await')) {
      let operand: Node | null = awaitNode.namedChild(0);
      while (operand?.type === 'parenthesized_expression') operand = operand.namedChild(0);
      if (operand?.type !== 'call') continue;
      const callee = callFlags(model, operand);
      if (!callee?.flags.plain) continue;
      const text = calleeText(operand);
      const what = callee.fn ? `\`${callee.fn.name}\` is a plain \`def\`` : `\`${callee.canonical}\` is not a coroutine function`;
      const equivalent = callee.fn ? undefined : libraryNames(callee.canonical).map((n) => ASYNC_EQUIVALENTS[n]).find(Boolean);
      let fix: Fix;
      if (equivalent) {
        const asyncio = asyncioReference(model);
        const edits = [replaceNode(operand.childForFieldName('function')!, `${asyncio.name}.${equivalent}`)];
        if (asyncio.importEdit) edits.push(asyncio.importEdit);
        fix = { title: `Use \`asyncio.${equivalent}(...)\``, safety: 'safe', edits };
      } else {
        // The `await` keyword and the space after it go; the operand stays as written.
        const start = { line: awaitNode.startPosition.row, character: awaitNode.startPosition.column };
        const end = { line: operand.startPosition.row, character: operand.startPosition.column };
        fix = { title: 'Remove `await`', safety: 'unsafe', edits: [{ range: { start, end }, newText: '' }] };
      }
      report({
        node: awaitNode,
        message:
          `\`await ${text}()\` raises TypeError: ${what}, it runs to completion and returns a value that cannot be awaited.` +
          (equivalent ? ` Use \`asyncio.${equivalent}()\`.` : ''),
        fix,
      });
    }
  },
};
