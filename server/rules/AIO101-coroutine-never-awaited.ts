// AIO101 coroutine-never-awaited: a coroutine bound to a local name that nothing ever awaits, schedules, returns,
// passes on or stores.
import { addAwait, canAwaitAt, describeCoroutineFunction } from './coroutines/awaiting';
import { callFlags, calleeText } from './coroutines/callables';
import { mayBeAwaited } from './coroutines/uses';
import type { Rule } from './types';

export const coroutineNeverAwaited: Rule = {
  meta: {
    code: 'AIO101',
    name: 'coroutine-never-awaited',
    summary: 'A coroutine is bound to a name that is never awaited, returned, passed on, stored or scheduled',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  check({ model, report }) {
    for (const site of model.calls) {
      const assignment = site.node.parent;
      if (assignment?.type !== 'assignment' || assignment.childForFieldName('right')?.id !== site.node.id) continue;
      const target = assignment.childForFieldName('left');
      // Locals only: a module or class attribute can be used from anywhere.
      if (target?.type !== 'identifier' || !site.fn || site.inLambda || model.scopeAt(site.node) !== site.fn.scope) continue;
      if (site.fn.scope.declaredOutside.has(target.text)) continue;
      const callee = callFlags(model, site.node);
      if (!callee?.flags.coroutine || mayBeAwaited(site.fn.node, target.text, target)) continue;
      const fix = canAwaitAt(model, site.node) ? { title: 'Await it where it is created', safety: 'unsafe' as const, edits: addAwait(site.node) } : undefined;
      report({
        node: site.node,
        message:
          `\`${target.text} = ${calleeText(site.node)}()\` binds a coroutine that is never awaited, returned, passed on or stored, ` +
          `so ${describeCoroutineFunction(callee)} never runs.`,
        fix,
      });
    }
  },
};
