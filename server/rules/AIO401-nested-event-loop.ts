// AIO401 nested-event-loop: starting or driving an event loop from inside a coroutine, which always raises
// "RuntimeError: ... cannot be called from a running event loop" (or "This event loop is already running").
import type { Node } from 'web-tree-sitter';
import { replaceNode } from '../fixes';
import type { ModuleModel } from '../model/moduleModel';
import { callArguments, callMethod, mayCall, mentions, resolveAsyncioCall, unwrapParens } from './lifecycle/syntax';
import type { Fix, Rule } from './types';

type NestedRun = 'asyncio.run' | 'Runner.run' | 'run_until_complete' | 'run_forever';

const RUN_NAMES = new Set(['run', 'run_until_complete', 'run_forever']);

function nestedRunOf(model: ModuleModel, call: Node): NestedRun | undefined {
  if (!mayCall(model, call, RUN_NAMES)) return undefined;
  const name = resolveAsyncioCall(model, call);
  if (name === 'asyncio.run') return 'asyncio.run';
  if (name === 'asyncio.Runner.run') return 'Runner.run';
  const method = callMethod(model, call);
  return method === 'run_until_complete' || method === 'run_forever' ? method : undefined;
}

/** `nest_asyncio` patches the loop so that nested runs work: its users mean them. */
function usesNestAsyncio(model: ModuleModel): boolean {
  for (const bindings of model.moduleScope.bindings.values()) {
    if (bindings.some((b) => b.kind === 'import' && (b.target === 'nest_asyncio' || b.target.startsWith('nest_asyncio.')))) return true;
  }
  return false;
}

/** Parents where `await x` can replace an expression without parentheses. */
const BARE_AWAIT_PARENTS = new Set(['expression_statement', 'assignment', 'augmented_assignment', 'return_statement', 'argument_list', 'keyword_argument', 'pair', 'list', 'tuple', 'set', 'expression_list']);
/** Operands `await` takes without parentheses. */
const PRIMARY = new Set(['call', 'identifier', 'attribute', 'subscript', 'parenthesized_expression']);

/** Inside a `try` of the same function whose handlers would catch the RuntimeError: someone may rely on it. */
function handlesRuntimeError(model: ModuleModel, call: Node): boolean {
  for (let n: Node | null = call.parent; n && n.type !== 'function_definition'; n = n.parent) {
    if (n.type !== 'try_statement' || !n.childForFieldName('body') || call.startIndex > n.childForFieldName('body')!.endIndex) continue;
    for (const clause of n.namedChildren) {
      if (clause?.type !== 'except_clause') continue;
      const caught = clause.childForFieldName('value') ?? clause.namedChildren.find((c) => c && c.type !== 'block' && c.type !== 'comment');
      if (!caught) return true;
      const names = caught.text.replace(/\s+as\s+\w+$/, '');
      if (/\b(RuntimeError|Exception|BaseException)\b/.test(names)) return true;
    }
  }
  return false;
}

function awaitFix(model: ModuleModel, call: Node, kind: NestedRun, alreadyAwaited: boolean): Fix | undefined {
  if (kind === 'run_forever' || alreadyAwaited) return undefined;
  const args = callArguments(call);
  if (args.positional.length !== 1 || args.keywords.size || args.hasSplat) return undefined;
  const operand = unwrapParens(args.positional[0]);
  const awaited = `await ${PRIMARY.has(operand.type) ? operand.text : `(${operand.text})`}`;
  const text = call.parent && BARE_AWAIT_PARENTS.has(call.parent.type) ? awaited : `(${awaited})`;
  return {
    title: `Await \`${operand.text}\` instead`,
    safety: handlesRuntimeError(model, call) ? 'unsafe' : 'safe',
    edits: [replaceNode(call, text)],
  };
}

const WHAT: Record<NestedRun, string> = {
  'asyncio.run': '`asyncio.run()`',
  'Runner.run': '`Runner.run()`',
  run_until_complete: '`run_until_complete()`',
  run_forever: '`run_forever()`',
};

export const nestedEventLoop: Rule = {
  meta: {
    code: 'AIO401',
    name: 'nested-event-loop',
    summary: 'asyncio.run / run_until_complete / Runner.run called inside a coroutine, where a loop is already running',
    defaultSeverity: 'error',
    fixable: 'sometimes',
  },
  check({ model, report }) {
    if (!mentions(model, 'async')) return;
    if (usesNestAsyncio(model)) return;
    for (const site of model.calls) {
      const kind = site.inLambda ? undefined : nestedRunOf(model, site.node);
      const fn = kind && model.inCoroutineBody(site.node);
      if (!fn || !kind) continue;
      report({
        node: site.node,
        message:
          `${WHAT[kind]} inside \`async def ${fn.name}\` raises RuntimeError: an event loop is already running in this thread. ` +
          (kind === 'run_forever' ? 'Await what the loop should run instead.' : 'Await the coroutine instead.'),
        fix: awaitFix(model, site.node, kind, site.awaited),
      });
    }
  },
};
