// AIO402 get-event-loop-in-coroutine: `asyncio.get_event_loop()` inside a coroutine, where
// `asyncio.get_running_loop()` says what is meant and cannot create a stray loop.
import { asyncioReference, replaceNode } from '../fixes';
import { mayCall, mentions, resolveAsyncioCall } from './lifecycle/syntax';
import { PY37, targetAtLeast } from './lifecycle/version';
import type { Fix, Rule } from './types';

const GET_EVENT_LOOP = new Set(['get_event_loop']);

export const getEventLoopInCoroutine: Rule = {
  meta: {
    code: 'AIO402',
    name: 'get-event-loop-in-coroutine',
    summary: '`asyncio.get_event_loop()` inside a coroutine instead of `asyncio.get_running_loop()`',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  check({ model, config, report }) {
    if (!mentions(model, 'get_event_loop')) return;
    const canFix = targetAtLeast(config, PY37);
    for (const site of model.calls) {
      if (site.inLambda || !mayCall(model, site.node, GET_EVENT_LOOP) || resolveAsyncioCall(model, site.node) !== 'asyncio.get_event_loop') continue;
      const fn = model.inCoroutineBody(site.node);
      const callee = site.node.childForFieldName('function');
      if (!fn || !callee) continue;
      let fix: Fix | undefined;
      if (canFix) {
        const asyncio = asyncioReference(model);
        fix = {
          title: 'Replace with `asyncio.get_running_loop()`',
          safety: 'safe',
          edits: [replaceNode(callee, `${asyncio.name}.get_running_loop`), ...(asyncio.importEdit ? [asyncio.importEdit] : [])],
        };
      }
      report({
        node: site.node,
        message:
          `\`${callee.text}()\` inside \`async def ${fn.name}\`: in a coroutine the loop is always running, and ` +
          '`asyncio.get_running_loop()` says so (it raises instead of silently creating a new loop when called from the wrong place).',
        fix,
      });
    }
  },
};
