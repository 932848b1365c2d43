// AIO400 legacy-loop-api: `loop = asyncio.get_event_loop()` (or `new_event_loop()`) driven by hand with
// `run_until_complete()` / `run_forever()` outside any coroutine, where `asyncio.run()` does the job.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import { asyncioReference } from '../fixes';
import type { ModuleModel } from '../model/moduleModel';
import { callArguments, callMethod, clauseBlock, identifiersIn, mentions, enclosingStatement, isVariableReference, methodName, methodReceiver, resolveAsyncioCall, statementsOf, unwrapParens } from './lifecycle/syntax';
import { PY37, targetAtLeast } from './lifecycle/version';
import type { Fix, Rule } from './types';

type LoopFactory = 'get_event_loop' | 'new_event_loop';

interface LoopUse {
  factory: LoopFactory;
  /** The `asyncio.get_event_loop()` call. */
  acquisition: Node;
  /** The variable the loop is bound to; undefined for `asyncio.get_event_loop().run_until_complete(...)`. */
  variable?: string;
  runs: Node[];
}

function loopFactory(model: ModuleModel, node: Node): LoopFactory | undefined {
  const n = unwrapParens(node);
  if (n.type !== 'call') return undefined;
  const name = resolveAsyncioCall(model, n);
  return name === 'asyncio.get_event_loop' ? 'get_event_loop' : name === 'asyncio.new_event_loop' ? 'new_event_loop' : undefined;
}

/** Every hand-driven loop of the module, keyed by where it was obtained. */
function loopUses(model: ModuleModel): LoopUse[] {
  const uses = new Map<number, LoopUse>();
  for (const site of model.calls) {
    const method = callMethod(model, site.node);
    if ((method !== 'run_until_complete' && method !== 'run_forever') || site.inLambda || site.fn?.isAsync) continue;
    const receiver = methodReceiver(site.node);
    if (!receiver) continue;
    let acquisition: Node | undefined;
    let variable: string | undefined;
    if (receiver.type === 'identifier') {
      const binding = model.lookup(receiver.text, receiver);
      if (binding?.kind === 'assignment' && binding.value && binding.node.type === 'assignment') {
        acquisition = binding.value;
        variable = receiver.text;
      }
    } else {
      acquisition = unwrapParens(receiver);
    }
    const factory = acquisition && loopFactory(model, acquisition);
    if (!acquisition || !factory) continue;
    const use = uses.get(acquisition.id) ?? { factory, acquisition, variable, runs: [] };
    use.runs.push(site.node);
    uses.set(acquisition.id, use);
  }
  return [...uses.values()];
}

/** `X` of `loop.run_until_complete(X)` when it is a call of a known `async def` (asyncio.run needs a coroutine). */
function coroutineArgument(model: ModuleModel, run: Node): Node | undefined {
  const args = callArguments(run);
  if (args.positional.length !== 1 || args.keywords.size || args.hasSplat) return undefined;
  const arg = unwrapParens(args.positional[0]);
  const callee = arg.type === 'call' ? model.resolveCall(arg) : undefined;
  return callee && model.lookupFunction(callee)?.isAsync ? arg : undefined;
}

/** `loop.<method>()` with no arguments as a statement of its own. */
function isLoopCall(statement: Node | undefined, variable: string, method: string): boolean {
  const call = statement?.type === 'expression_statement' ? statement.namedChild(0) : null;
  return call?.type === 'call' && methodName(call) === method && methodReceiver(call)?.text === variable && callArguments(call).positional.length === 0;
}

/** `asyncio.set_event_loop(loop)` as a statement. */
function isSetEventLoop(model: ModuleModel, statement: Node | undefined, variable: string): boolean {
  const call = statement?.type === 'expression_statement' ? statement.namedChild(0) : null;
  return call?.type === 'call' && resolveAsyncioCall(model, call) === 'asyncio.set_event_loop' && callArguments(call).positional[0]?.text === variable;
}

/** `loop.run_until_complete(X)` or `result = loop.run_until_complete(X)`: the prefix to keep (`result = `). */
function runStatement(statement: Node | undefined, run: Node): string | undefined {
  const inner = statement?.type === 'expression_statement' ? statement.namedChild(0) : null;
  if (inner?.id === run.id) return '';
  if (inner?.type === 'assignment' && inner.childForFieldName('right')?.id === run.id && inner.childForFieldName('left')?.type === 'identifier') {
    return `${inner.childForFieldName('left')!.text} = `;
  }
  return undefined;
}

interface SimpleShape {
  first: Node;
  last: Node;
  prefix: string;
  coroutine: Node;
}

/**
 * The shape `asyncio.run()` replaces exactly:
 *   loop = asyncio.get_event_loop()          # or new_event_loop()
 *   asyncio.set_event_loop(loop)             # optional
 *   [result =] loop.run_until_complete(main())
 *   loop.close()                             # optional; or try: ... finally: loop.close()
 * with `loop` used nowhere else in the module.
 */
function simpleShape(model: ModuleModel, use: LoopUse): SimpleShape | undefined {
  if (use.runs.length !== 1 || methodName(use.runs[0]) !== 'run_until_complete') return undefined;
  const run = use.runs[0];
  const coroutine = coroutineArgument(model, run);
  if (!coroutine) return undefined;
  // `asyncio.get_event_loop().run_until_complete(main())` is an expression: `asyncio.run(main())` takes its place.
  if (!use.variable) return { first: run, last: run, prefix: '', coroutine };
  const variable = use.variable;
  const first = enclosingStatement(model, use.acquisition);
  if (!first?.parent) return undefined;
  const siblings = statementsOf(first.parent);
  let i = siblings.findIndex((s) => s.id === first.id);
  if (i < 0) return undefined;
  if (isSetEventLoop(model, siblings[i + 1], variable)) i++;
  const next = siblings[++i];
  let prefix = runStatement(next, run);
  let last: Node | undefined;
  if (prefix !== undefined) {
    last = next;
    if (isLoopCall(siblings[i + 1], variable, 'close')) last = siblings[++i];
  } else if (next?.type === 'try_statement') {
    const clauses = next.namedChildren.filter((c): c is Node => !!c && c.type !== 'block' && c.type !== 'comment');
    const finallyClause = clauses.length === 1 && clauses[0].type === 'finally_clause' ? clauses[0] : undefined;
    const body = statementsOf(next.childForFieldName('body'));
    const cleanup = finallyClause ? statementsOf(clauseBlock(finallyClause)) : [];
    prefix = body.length === 1 ? runStatement(body[0], run) : undefined;
    if (prefix === undefined || cleanup.length !== 1 || !isLoopCall(cleanup[0], variable, 'close')) return undefined;
    last = next;
  }
  if (!last || prefix === undefined) return undefined;
  const start = first.startIndex;
  const end = last.endIndex;
  // A function's local loop can only be used in that function; a module-level one anywhere in the module.
  const scope = model.scopeAt(first);
  const usedElsewhere = identifiersIn(model, scope.kind === 'function' ? scope.node : model.root)
    .some((id) => id.text === variable && isVariableReference(id) && (id.startIndex < start || id.endIndex > end));
  return usedElsewhere ? undefined : { first, last, prefix, coroutine };
}

function runFix(model: ModuleModel, shape: SimpleShape): Fix {
  const asyncio = asyncioReference(model);
  const edits: TextEdit[] = [
    {
      range: {
        start: { line: shape.first.startPosition.row, character: shape.first.startPosition.column },
        end: { line: shape.last.endPosition.row, character: shape.last.endPosition.column },
      },
      newText: `${shape.prefix}${asyncio.name}.run(${shape.coroutine.text})`,
    },
  ];
  if (asyncio.importEdit) edits.push(asyncio.importEdit);
  return { title: `Replace with \`asyncio.run(${shape.coroutine.text})\``, safety: 'unsafe', edits };
}

function messageFor(use: LoopUse): string {
  const forever = use.runs.some((r) => methodName(r) === 'run_forever');
  const running = forever ? '`run_forever()`' : '`run_until_complete()`';
  if (use.factory === 'get_event_loop') {
    return (
      `\`asyncio.get_event_loop()\` driven by ${running} is the pre-3.7 way to run a program: without a running loop ` +
      '`get_event_loop()` is deprecated (a DeprecationWarning since 3.12, an error in 3.14), and leftover tasks, async generators and the default executor are never cleaned up. ' +
      (forever ? 'Use `asyncio.run(main())` with a `main()` that awaits until the program should stop.' : 'Use `asyncio.run(main())`.')
    );
  }
  return (
    '`asyncio.new_event_loop()` + `run_until_complete()` is what `asyncio.run()` does, minus cancelling leftover tasks and shutting down ' +
    'async generators and the default executor. Use `asyncio.run(main())`.'
  );
}

export const legacyLoopApi: Rule = {
  meta: {
    code: 'AIO400',
    name: 'legacy-loop-api',
    summary: 'a hand-driven event loop (get_event_loop + run_until_complete/run_forever) that asyncio.run replaces',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  check({ model, config, report }) {
    if (!mentions(model, 'run_until_complete', 'run_forever')) return;
    if (!targetAtLeast(config, PY37)) return; // no asyncio.run to move to
    for (const use of loopUses(model)) {
      const shape = simpleShape(model, use);
      // A fresh loop run several times (or forever, as in a loop thread) is a legitimate low-level use.
      if (use.factory === 'new_event_loop' && !shape) continue;
      report({ node: use.acquisition, message: messageFor(use), fix: shape && runFix(model, shape) });
    }
  },
};
