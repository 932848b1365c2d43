// AIO206 blocking-sync-primitive: waiting on thread primitives (`threading` locks, events, conditions, queues,
// joins, `concurrent.futures` results, `multiprocessing` joins) inside `async def` stops the loop until another
// thread or process acts — and deadlocks when that other party needs the loop.
import type { Rule } from './types';
import { blockingWiths } from './blocking/match';
import { blockingCallRule } from './blocking/rule';

const meta = {
  code: 'AIO206',
  name: 'blocking-sync-primitive',
  summary: 'waiting on a threading/queue/concurrent.futures/multiprocessing primitive inside a coroutine',
  defaultSeverity: 'warning',
  fixable: 'sometimes',
} as const;

const calls = blockingCallRule(meta, 'sync-primitive');

export const blockingSyncPrimitive: Rule = {
  meta,
  check(context) {
    calls.check(context);
    for (const w of blockingWiths(context.model)) {
      const text = w.node.text.replace(/\s+/g, ' ');
      const shown = `with ${text.length <= 40 ? text : w.cls + '(...)'}:`;
      const className = w.cls.slice(w.cls.lastIndexOf('.') + 1);
      const message =
        w.waitsFor === 'acquire'
          ? `\`${shown}\` acquires a \`${w.cls}\` inside \`async def ${w.coroutine.name}\`; while another thread holds it, every other task stops. Use \`asyncio.Lock\` with \`async with\`, or take the lock in a worker thread.`
          : `\`${shown}\` waits for every job of the \`${className}\` when the block ends inside \`async def ${w.coroutine.name}\`; every other task stops meanwhile. Use a long-lived executor with \`loop.run_in_executor()\`.`;
      context.report({ node: w.node, message });
    }
  },
};
