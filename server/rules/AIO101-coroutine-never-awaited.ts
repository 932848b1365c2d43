// AIO101 coroutine-never-awaited: a coroutine object that nothing awaits, schedules, returns, passes on or stores —
// bound to a local name, or used on the spot as if it were the result (`a, b = fetch()`, `fetch().json`).
import type { Node } from 'web-tree-sitter';
import type { CallSite, FunctionInfo, ModuleModel } from '../model/moduleModel';
import { addAwait, canAwaitAt, describeCoroutineFunction } from './coroutines/awaiting';
import { callFlags, calleeText, instanceFlags, type Callee } from './coroutines/callables';
import { fateOf, useOf } from './coroutines/uses';
import type { Fix, FixSafety, Report, Rule } from './types';

function awaitFix(model: ModuleModel, call: Node, safety: FixSafety): Fix | undefined {
  return canAwaitAt(model, call) ? { title: 'Await it where it is created', safety, edits: addAwait(call) } : undefined;
}

/** The code that uses a coroutine as a result, for the message: `data.decode()`, `for _ in rows`, `a, b = pair`. */
function snippet(node: Node): string {
  let n = node;
  while (n.parent && ['attribute', 'subscript', 'parenthesized_expression', 'call'].includes(n.parent.type) && n.parent.childForFieldName('arguments')?.id !== n.id) n = n.parent;
  const parent = n.parent;
  let text = n.text;
  if (parent && ['comparison_operator', 'binary_operator', 'unary_operator', 'not_operator'].includes(parent.type)) text = parent.text;
  else if (parent?.type === 'for_statement' || parent?.type === 'for_in_clause') text = `for ... in ${n.text}`;
  else if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === n.id) text = `${parent.childForFieldName('left')?.text} = ${n.text}`;
  text = text.split('\n')[0];
  return text.length > 50 ? `${text.slice(0, 47)}...` : text;
}

/** Every binding of `name` in `fn` assigns a coroutine call, so every read of it is a coroutine. */
function onlyCoroutineBindings(model: ModuleModel, fn: FunctionInfo, name: string): boolean {
  return (fn.scope.bindings.get(name) ?? []).every((b) => b.kind === 'assignment' && b.node.type === 'assignment' && b.value?.type === 'call' && !!callFlags(model, b.value)?.flags.coroutine);
}

/**
 * The class a function declares it returns, when that class can never be awaited (`-> Response`, `-> None`,
 * `-> list[str]`): returning a coroutine from it contradicts the declaration, and no caller will await it.
 */
function declaredPlainReturn(model: ModuleModel, fn: FunctionInfo): string | undefined {
  const annotation = fn.returnAnnotation;
  if (!annotation || fn.isGenerator) return undefined;
  if (annotation.text === 'None') return 'None';
  const cls = model.resolveAnnotation(annotation);
  return cls && instanceFlags(model, cls)?.plain ? annotation.text : undefined;
}

/** `name = coroutine_function(...)` in a function body. */
function checkBinding(model: ModuleModel, site: CallSite, callee: Callee, target: Node, report: (r: Report) => void): void {
  const fn = site.fn!;
  const name = target.text;
  if (fn.scope.declaredOutside.has(name)) return;
  const fate = fateOf(model, fn.node, name, target);
  const what = `\`${name} = ${calleeText(site.node)}()\` binds a coroutine`;
  const asResult = fate.misuse ?? (fate.awaited ? undefined : fate.test);
  if (asResult && (!fate.handled || onlyCoroutineBindings(model, fn, name))) {
    report({
      node: site.node,
      message: `${what}, not its result, yet \`${snippet(asResult)}\` uses it as a result; ${describeCoroutineFunction(callee)} is not run there. Add \`await\`.`,
      // With an `await` of the name elsewhere, awaiting at the binding too would await it twice.
      fix: fate.awaited ? undefined : awaitFix(model, site.node, 'safe'),
    });
  } else if (!fate.handled) {
    report({
      node: site.node,
      message: `${what} that is never awaited, returned, passed on or stored, so ${describeCoroutineFunction(callee)} never runs.`,
      fix: awaitFix(model, site.node, 'unsafe'),
    });
  }
}

export const coroutineNeverAwaited: Rule = {
  meta: {
    code: 'AIO101',
    name: 'coroutine-never-awaited',
    summary: 'A coroutine is never awaited: bound to a name nothing awaits or hands on, or used as if it were its result',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  check({ model, report }) {
    for (const site of model.calls) {
      // An awaited call is fine, and a callee without a name cannot be known to be a coroutine (the tests below call
      // into the parser).
      if (site.awaited || !model.resolveCall(site.node)) continue;
      const parent = model.parentOf(site.node);
      const binds = parent?.type === 'assignment' && parent.childForFieldName('right')?.id === site.node.id && parent.childForFieldName('left')?.type === 'identifier';
      // Locals only: a module or class attribute can be used from anywhere.
      const local = binds && !!site.fn && !site.inLambda && model.scopeAt(site.node) === site.fn.scope;
      const use = binds ? undefined : useOf(model, site.node);
      // A test right where it is created: truth tests are AIO102's, identity tests (`f() is None`) are ours.
      const usedAsResult = use === 'misuse' || (use === 'test' && parent?.type === 'comparison_operator');
      const declared = parent?.type === 'return_statement' && site.fn && !site.inLambda ? declaredPlainReturn(model, site.fn) : undefined;
      if (!local && !usedAsResult && !declared) continue;
      const callee = callFlags(model, site.node);
      if (!callee?.flags.coroutine) continue;
      if (local) {
        checkBinding(model, site, callee, parent!.childForFieldName('left')!, report);
        continue;
      }
      if (declared) {
        report({
          node: site.node,
          message:
            `\`return ${calleeText(site.node)}()\` returns a coroutine, but \`${site.fn!.name}\` is annotated to return \`${declared}\`: ` +
            `no caller will await it, so ${describeCoroutineFunction(callee)} never runs. Add \`await\`.`,
          fix: awaitFix(model, site.node, 'safe'),
        });
        continue;
      }
      report({
        node: site.node,
        message: `\`${calleeText(site.node)}()\` gives a coroutine, not its result, and \`${snippet(site.node)}\` uses it as a result; ${describeCoroutineFunction(callee)} never runs. Add \`await\`.`,
        fix: awaitFix(model, site.node, 'safe'),
      });
    }
  },
};
