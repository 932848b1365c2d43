// AIO210 blocking-call-via-helper: a coroutine calls a plain function of the workspace that — directly or through
// further plain functions, in any file — makes a blocking call. The message shows the shortest such chain.
import { BlockingCallGraph } from './blocking/callGraph';
import { configuredMatcher } from './blocking/configured';
import { offloadFix } from './blocking/fixes';
import { coroutineCalls, isBlockingCall } from './blocking/match';
import { calleeDisplay } from './blocking/rule';
import type { Rule } from './types';

export const blockingCallViaHelper: Rule = {
  meta: {
    code: 'AIO210',
    name: 'blocking-call-via-helper',
    summary: 'a coroutine calls a plain workspace function that reaches a blocking call',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  check({ model, config, report }) {
    const calls = coroutineCalls(model);
    if (calls.length === 0) return;
    const graph = new BlockingCallGraph(model, config);
    const configured = configuredMatcher(config);
    for (const call of calls) {
      // Awaiting the result says the helper returns an awaitable: it was wrapped or made async somewhere.
      if (call.site.awaited) continue;
      const callee = model.resolveCall(call.site.node);
      if (!callee || configured(callee)) continue;
      const chain = graph.chainFrom(callee);
      // Direct blocking calls and configured names are AIO200–AIO207's and AIO211's to report.
      if (!chain || isBlockingCall(model, call)) continue;
      const shown = calleeDisplay(call.site.node, callee);
      report({
        node: call.site.node,
        message: `\`${shown}\` can block the event loop inside \`async def ${call.coroutine.name}\`: ${chain.join(' → ')}; every other task stops while it runs. Run it with \`await asyncio.to_thread(...)\` or make the chain async.`,
        // Unsafe: the whole helper moves to another thread, with whatever else it does (loop calls fail there).
        fix: offloadFix(model, config, call.site.node, { safety: 'unsafe' }),
      });
    }
  },
};
