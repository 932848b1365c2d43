// AIO102 coroutine-in-condition: a coroutine used as a truth value is always true, and never runs.
import type { Node } from 'web-tree-sitter';
import type { ModuleModel } from '../model/moduleModel';
import { addAwait, canAwaitAt, describeCoroutineFunction } from './coroutines/awaiting';
import { callFlags, calleeText } from './coroutines/callables';
import type { Rule } from './types';

/** Python tests `node` for truth: a condition, an operand of `not`, the left of `and`/`or`, or a whole `and`/`or` that is tested. */
function isTestedForTruth(model: ModuleModel, node: Node): boolean {
  let n = node;
  for (;;) {
    const parent = model.parentOf(n);
    if (!parent) return false;
    switch (parent.type) {
      case 'parenthesized_expression':
        n = parent;
        continue;
      case 'if_statement':
      case 'elif_clause':
      case 'while_statement':
        return parent.childForFieldName('condition')?.id === n.id;
      case 'assert_statement':
        return parent.namedChild(0)?.id === n.id;
      case 'conditional_expression':
        return parent.namedChild(1)?.id === n.id;
      case 'not_operator':
      case 'if_clause':
        return true;
      case 'boolean_operator':
        // `a() or b`: a() is tested; `x = a or b()`: b() is the value, tested only when the whole expression is.
        if (parent.childForFieldName('left')?.id === n.id) return true;
        n = parent;
        continue;
      default:
        return false;
    }
  }
}

export const coroutineInCondition: Rule = {
  meta: {
    code: 'AIO102',
    name: 'coroutine-in-condition',
    summary: 'A coroutine used as a truth value is always true and never runs',
    defaultSeverity: 'error',
    fixable: 'sometimes',
  },
  check({ model, report }) {
    for (const site of model.calls) {
      if (site.awaited || !model.resolveCall(site.node) || !isTestedForTruth(model, site.node)) continue;
      const callee = callFlags(model, site.node);
      if (!callee?.flags.coroutine) continue;
      const fix = canAwaitAt(model, site.node) ? { title: 'Add `await`', safety: 'safe' as const, edits: addAwait(site.node) } : undefined;
      report({
        node: site.node,
        message:
          `\`${calleeText(site.node)}()\` is tested for truth without \`await\`: a coroutine object is always true, ` +
          `and ${describeCoroutineFunction(callee)} never runs.`,
        fix,
      });
    }
  },
};
