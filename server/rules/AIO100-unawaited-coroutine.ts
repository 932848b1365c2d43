// AIO100 unawaited-coroutine: a coroutine function called as a statement; the coroutine is dropped and never runs.
import { asyncioReference, replaceNode } from '../fixes';
import type { ModuleModel, CallSite } from '../model/moduleModel';
import { addAwait, canAwaitAt, describeCoroutineFunction } from './coroutines/awaiting';
import { callFlags, calleeText } from './coroutines/callables';
import type { Fix, Rule } from './types';

/** Where a dropped coroutine call sits, which decides what running it would take. */
function placeOf(model: ModuleModel, site: CallSite): 'coroutine' | 'module' | 'callback' | 'other' {
  if (canAwaitAt(model, site.node)) return 'coroutine';
  if (site.inLambda) return 'other';
  if (!site.fn) return model.scopeAt(site.node).kind === 'module' ? 'module' : 'other';
  // A plain def nested in a coroutine runs while that coroutine's loop runs (a callback, a closure).
  for (let outer = site.fn.parent; outer; outer = outer.parent) if (outer.isAsync) return 'callback';
  return 'other';
}

/** The source before `index`, past blanks and line continuations, ends with a comma. */
function followsComma(source: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && ' \t\f\r\n\\'.includes(source[i])) i--;
  return source[i] === ',';
}

export const unawaitedCoroutine: Rule = {
  meta: {
    code: 'AIO100',
    name: 'unawaited-coroutine',
    summary: 'A coroutine function is called and its coroutine discarded, so its body never runs',
    defaultSeverity: 'error',
    fixable: 'sometimes',
  },
  check({ model, config, report }) {
    const statements = model.nodesOfType('expression_statement');
    const statementIds = new Set(statements.map((s) => s.id));
    const statementStarts = new Set(statements.map((s) => s.startIndex));
    // A tree with syntax errors may hold a statement's call anywhere: there, every call asks for its parent.
    const exact = model.root.hasError;
    for (const site of model.calls) {
      // Cheap tests first (the parent and its type are calls into the parser): an awaited call, or one inside another
      // call's arguments, is no statement of its own; neither is one that neither opens a statement nor follows a
      // comma (`a, f()`); and a callee without a name cannot be known to be a coroutine.
      if (site.awaited || site.nestedInCall) continue;
      if (!exact && !statementStarts.has(site.node.startIndex) && !followsComma(model.source, site.node.startIndex)) continue;
      if (!model.resolveCall(site.node)) continue;
      const parent = model.parentOf(site.node);
      if (!parent || !statementIds.has(parent.id)) continue;
      const callee = callFlags(model, site.node);
      if (!callee?.flags.coroutine) continue;
      const text = calleeText(site.node);
      const what = `\`${text}()\` is never awaited: calling ${describeCoroutineFunction(callee)} only creates a coroutine, so its body never runs.`;
      const place = placeOf(model, site);
      const canSchedule = config.targetVersion[0] > 3 || config.targetVersion[1] >= 7;
      let fix: Fix | undefined;
      let advice: string;
      if (place === 'coroutine') {
        fix = { title: 'Add `await`', safety: 'safe', edits: addAwait(site.node) };
        advice = ' Add `await`.';
      } else if (place === 'module' && canSchedule) {
        const asyncio = asyncioReference(model);
        const edits = [replaceNode(site.node, `${asyncio.name}.run(${site.node.text})`)];
        if (asyncio.importEdit) edits.push(asyncio.importEdit);
        fix = { title: 'Run it with `asyncio.run(...)`', safety: 'unsafe', edits };
        advice = ' Run it with `asyncio.run()`.';
      } else if (place === 'callback' && canSchedule) {
        const asyncio = asyncioReference(model);
        const edits = [replaceNode(site.node, `${asyncio.name}.create_task(${site.node.text})`)];
        if (asyncio.importEdit) edits.push(asyncio.importEdit);
        fix = { title: 'Schedule it with `asyncio.create_task(...)`', safety: 'unsafe', edits };
        advice = ' Schedule it with `asyncio.create_task()` (and keep a reference to the task).';
      } else {
        advice = ' Await it from a coroutine, or run it with `asyncio.run()`.';
      }
      report({ node: site.node, message: what + advice, fix });
    }
  },
};
