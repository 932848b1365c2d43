// AIO200 blocking-sleep: `time.sleep()` inside `async def` stops every task on the loop.
import { asyncioReference, insertBefore, replaceNode } from '../fixes';
import type { Fix, Rule } from './types';

export const blockingSleep: Rule = {
  meta: {
    code: 'AIO200',
    name: 'blocking-sleep',
    summary: '`time.sleep()` called inside a coroutine blocks the event loop',
    defaultSeverity: 'warning',
    fixable: 'always',
    aliases: ['ASYNC251'],
  },
  check({ model, report }) {
    for (const site of model.calls) {
      if (!site.fn?.isAsync || site.inLambda) continue;
      if (model.resolveCall(site.node) !== 'time.sleep') continue;
      if (!model.inCoroutineBody(site.node)) continue;
      const callee = site.node.childForFieldName('function')!;
      const asyncio = asyncioReference(model);
      const edits = [replaceNode(callee, `${asyncio.name}.sleep`)];
      if (!site.awaited) edits.push(insertBefore(site.node, 'await '));
      if (asyncio.importEdit) edits.push(asyncio.importEdit);
      const fix: Fix = { title: 'Replace with `await asyncio.sleep(...)`', safety: 'safe', edits };
      report({
        node: site.node,
        message: `\`${callee.text}()\` blocks the event loop inside \`async def ${site.fn.name}\`; every other task stops until it returns. Use \`await asyncio.sleep()\`.`,
        fix,
      });
    }
  },
};
