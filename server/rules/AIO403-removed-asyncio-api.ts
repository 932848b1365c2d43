// AIO403 removed-asyncio-api: asyncio APIs deprecated or removed on the configured target version, each with the
// version it was deprecated in and the one that removed it.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import type { LintConfig } from '../config';
import { asyncioReference, insertBefore, rangeOf, replaceNode } from '../fixes';
import type { FunctionInfo, ModuleModel } from '../model/moduleModel';
import { deleteLines } from './lifecycle/edits';
import { asyncioName, callArguments, callsThatMayCall, isAsyncStatement, mayCall, mentions, occurrencesWithin, resolveAsyncioCall, unwrapParens } from './lifecycle/syntax';
import { PY37, targetAtLeast, versionText, type PythonVersion } from './lifecycle/version';
import type { Report, Rule } from './types';

/** Functions whose `loop` parameter was deprecated in 3.8 and removed in 3.10. */
const LOOP_PARAMETER_REMOVED = new Set([
  'asyncio.sleep', 'asyncio.gather', 'asyncio.wait', 'asyncio.wait_for', 'asyncio.shield', 'asyncio.as_completed',
  'asyncio.Queue', 'asyncio.PriorityQueue', 'asyncio.LifoQueue', 'asyncio.Lock', 'asyncio.Event', 'asyncio.Condition',
  'asyncio.Semaphore', 'asyncio.BoundedSemaphore', 'asyncio.open_connection', 'asyncio.start_server',
  'asyncio.open_unix_connection', 'asyncio.start_unix_server', 'asyncio.create_subprocess_exec', 'asyncio.create_subprocess_shell',
]);

const LOOP_PARAMETER_NAMES = new Set([...LOOP_PARAMETER_REMOVED].map((n) => n.slice('asyncio.'.length)));
const WAIT = new Set(['wait']);
const TASK_CLASS_METHODS = new Set(['all_tasks', 'current_task']);
/** Only calls of a plain name (`asyncio.async(...)` parses as a call of `asyncio`). */
const NO_METHODS = new Set<string>();
/** The method names any of the per-call checks looks for. */
const CHECKED_METHODS = new Set([...NO_METHODS, ...LOOP_PARAMETER_NAMES, ...WAIT, ...TASK_CLASS_METHODS]);

/** asyncio's coroutine functions (`async def` in every supported version): `yield from` cannot delegate to them. */
const ASYNCIO_COROUTINE_FUNCTIONS = new Set([
  'asyncio.sleep', 'asyncio.wait', 'asyncio.wait_for', 'asyncio.open_connection', 'asyncio.start_server',
  'asyncio.open_unix_connection', 'asyncio.start_unix_server', 'asyncio.create_subprocess_exec',
  'asyncio.create_subprocess_shell', 'asyncio.to_thread',
]);

/** Lock-like primitives whose `with await lock:` / `with (yield from lock):` support was removed in 3.9. */
const LOCKS = new Set(['asyncio.Lock', 'asyncio.Semaphore', 'asyncio.BoundedSemaphore', 'asyncio.Condition']);

const PY38: PythonVersion = [3, 8];

/** "was removed in Python 3.11" or "is deprecated since 3.8 and removed in 3.11", for the target version. */
function status(config: LintConfig, deprecated: PythonVersion, removed: PythonVersion): string {
  return targetAtLeast(config, removed)
    ? `was removed in Python ${versionText(removed)}`
    : `is deprecated since Python ${versionText(deprecated)} and removed in ${versionText(removed)}`;
}

/** Calls of a coroutine function: an `async def` of the workspace or one of asyncio's. */
function isCoroutineCall(model: ModuleModel, node: Node): boolean {
  const n = unwrapParens(node);
  if (n.type !== 'call') return false;
  const callee = resolveAsyncioCall(model, n);
  if (!callee) return false;
  return ASYNCIO_COROUTINE_FUNCTIONS.has(callee) || !!model.lookupFunction(callee)?.isAsync;
}

function isYieldFrom(node: Node): boolean {
  return node.type === 'yield' && node.children.some((c) => c?.type === 'from');
}

/** The `yield` expressions that belong to `fn` itself (not to nested functions or lambdas). */
function ownYields(model: ModuleModel, fn: FunctionInfo): Node[] {
  return fn.node.descendantsOfType('yield').filter((y): y is Node => {
    // The `yield` keyword token has the same type as the expression: keep the named expression nodes.
    if (!y || !y.isNamed || model.enclosingFunction(y) !== fn) return false;
    for (let n: Node | null = y.parent; n && n.id !== fn.node.id; n = n.parent) if (n.type === 'lambda') return false;
    return true;
  });
}

/** Turns a generator-based coroutine into `async def` with `await` (not when it also yields values). */
function nativeCoroutineEdits(model: ModuleModel, fn: FunctionInfo): TextEdit[] | undefined {
  const yields = ownYields(model, fn);
  if (yields.some((y) => !isYieldFrom(y))) return undefined;
  const edits: TextEdit[] = [];
  if (!fn.isAsync) edits.push(insertBefore(fn.node, 'async '));
  for (const y of yields) {
    const operand = y.namedChildren.find((c) => c && c.type !== 'comment');
    if (!operand) return undefined;
    const primary = ['call', 'identifier', 'attribute', 'subscript', 'parenthesized_expression'].includes(operand.type);
    edits.push(replaceNode(y, `await ${primary ? operand.text : `(${operand.text})`}`));
  }
  return edits;
}

const CONVERT_TITLE = 'Convert to `async def` with `await`';

/** Words a check needs in the file's text to run at all (each names what it looks for). */
const GATES = { coroutine: 'coroutine', yieldFrom: 'yield from', asyncio: 'asyncio', await: 'await' };

/**
 * Which checks the file's text lets run: the only thing AIO403 reads outside a statement and the module's interface,
 * so the server re-checks one statement while it stays the same (server/rules/registry.ts).
 */
export function removedApiGatesKey(model: ModuleModel): string {
  return Object.values(GATES)
    .map((word) => (mentions(model, word) ? '1' : '0'))
    .join('');
}

class RemovedApiChecker {
  constructor(
    private readonly model: ModuleModel,
    private readonly config: LintConfig,
    private readonly report: (r: Report) => void,
  ) {}

  run(): void {
    if (mentions(this.model, GATES.coroutine)) this.coroutineDecorators();
    if (mentions(this.model, GATES.yieldFrom)) this.yieldFromCoroutines();
    if (mentions(this.model, GATES.asyncio)) {
      for (const site of callsThatMayCall(this.model, CHECKED_METHODS)) {
        if (site.inLambda) continue;
        this.asyncioAsync(site.node);
        this.loopArgument(site.node);
        this.waitOnCoroutines(site.node);
        this.taskClassMethods(site.node);
      }
    }
    if (mentions(this.model, GATES.await)) this.awaitedLocks();
  }

  /** The functions of the model, of the statement it is focused on if it is (`model.functions` lists them all). */
  private functions(): FunctionInfo[] {
    return this.model.nodesOfType('function_definition').map((def) => this.model.functionOf(def)).filter((fn): fn is FunctionInfo => !!fn);
  }

  /** `@asyncio.coroutine` (deprecated 3.8, removed 3.11). */
  private coroutineDecorators(): void {
    if (!targetAtLeast(this.config, PY38)) return;
    for (const fn of this.functions()) {
      const index = fn.decorators.findIndex((d) => asyncioName(d) === 'asyncio.coroutine');
      if (index < 0) continue;
      const decorator = fn.decoratorNodes[index];
      const converted = nativeCoroutineEdits(this.model, fn);
      this.report({
        node: decorator,
        message: `\`@asyncio.coroutine\` on \`${fn.name}\` ${status(this.config, PY38, [3, 11])}; write \`async def ${fn.name}\` and \`await\` instead of \`yield from\`.`,
        fix: converted && { title: CONVERT_TITLE, safety: 'unsafe', edits: [deleteLines(this.model, decorator), ...converted] },
      });
    }
  }

  /** `yield from <coroutine>` in a plain generator: a TypeError since native coroutines exist. */
  private yieldFromCoroutines(): void {
    for (const fn of this.functions()) {
      if (fn.isAsync || !fn.isGenerator || !/yield\s+from/.test(fn.node.text) || fn.decorators.some((d) => asyncioName(d) === 'asyncio.coroutine' || d === 'types.coroutine')) continue;
      const offending = ownYields(this.model, fn).filter((y) => {
        const operand = y.namedChildren.find((c) => c && c.type !== 'comment');
        return isYieldFrom(y) && !!operand && isCoroutineCall(this.model, operand);
      });
      if (!offending.length) continue;
      const converted = nativeCoroutineEdits(this.model, fn);
      for (const y of offending) {
        this.report({
          node: y,
          message:
            `\`yield from\` a coroutine in the plain generator \`${fn.name}\` raises TypeError (generator-based coroutines need ` +
            `\`@asyncio.coroutine\`, which ${status(this.config, PY38, [3, 11])}); make it \`async def ${fn.name}\` and \`await\`.`,
          fix: converted && { title: CONVERT_TITLE, safety: 'unsafe', edits: converted },
        });
      }
    }
  }

  /** `asyncio.async(...)`: a syntax error since 3.7 (`async` became a keyword); tree-sitter keeps it as an ERROR. */
  private asyncioAsync(call: Node): void {
    if (!mayCall(this.model, call, NO_METHODS) || resolveAsyncioCall(this.model, call) !== 'asyncio') return;
    const fn = call.childForFieldName('function');
    const error = call.namedChildren.find((c) => c?.type === 'ERROR' && c.text.replace(/\s/g, '') === '.async');
    const args = call.childForFieldName('arguments');
    if (!fn || !error || !args || fn.type !== 'identifier' || this.model.resolve(fn) !== 'asyncio') return;
    this.report({
      range: { start: rangeOf(fn).start, end: rangeOf(error).end },
      message: '`asyncio.async()` is a syntax error since Python 3.7 (`async` is a keyword); use `asyncio.ensure_future()`.',
      fix: {
        title: 'Replace with `asyncio.ensure_future()`',
        safety: 'safe',
        edits: [{ range: { start: rangeOf(fn).start, end: rangeOf(args).start }, newText: `${fn.text}.ensure_future` }],
      },
    });
  }

  /** `loop=` passed to functions that dropped the parameter (deprecated 3.8, removed 3.10). */
  private loopArgument(call: Node): void {
    if (!targetAtLeast(this.config, PY38) || !mayCall(this.model, call, LOOP_PARAMETER_NAMES)) return;
    // Most calls have no `loop=` (whose name is in the call's text), and then resolving the callee is not needed.
    if (!occurrencesWithin(this.model, call, 'loop').length) return;
    const callee = resolveAsyncioCall(this.model, call);
    if (!callee || !LOOP_PARAMETER_REMOVED.has(callee)) return;
    const list = call.childForFieldName('arguments');
    const args = list?.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') ?? [];
    const index = args.findIndex((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'loop');
    if (index < 0) return;
    const keyword = args[index];
    // Remove the argument together with one separating comma.
    const range =
      index > 0
        ? { start: rangeOf(args[index - 1]).end, end: rangeOf(keyword).end }
        : args[index + 1]
          ? { start: rangeOf(keyword).start, end: rangeOf(args[index + 1]).start }
          : rangeOf(keyword);
    const name = callee.replace(/^asyncio\./, '');
    this.report({
      node: keyword,
      message: `The \`loop\` argument of \`asyncio.${name}()\` ${status(this.config, PY38, [3, 10])} (TypeError on 3.10+); the running loop is used.`,
      fix: {
        title: 'Remove the `loop` argument',
        // In a coroutine the running loop is the one passed; at module level the object may bind another loop.
        safety: this.model.inCoroutineBody(call) ? 'safe' : 'unsafe',
        edits: [{ range, newText: '' }],
      },
    });
  }

  /** The coroutine calls in `asyncio.wait()`'s first argument (a display, a comprehension, or a name bound to one). */
  private coroutineElements(arg: Node): Node[] {
    let value = unwrapParens(arg);
    if (value.type === 'identifier') {
      const binding = this.model.lookup(value.text, value);
      const bindings = binding && this.model.scopeAt(value).bindings.get(value.text);
      if (binding?.kind !== 'assignment' || !binding.value || bindings?.length !== 1 || binding.node.type !== 'assignment') return [];
      value = unwrapParens(binding.value);
    }
    if (value.type === 'list' || value.type === 'set' || value.type === 'tuple') {
      const elements = value.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
      return elements.length && elements.every((e) => isCoroutineCall(this.model, e)) ? elements : [];
    }
    if (value.type === 'list_comprehension' || value.type === 'set_comprehension' || value.type === 'generator_expression') {
      const body = value.childForFieldName('body');
      return body && isCoroutineCall(this.model, body) ? [body] : [];
    }
    return [];
  }

  /** `asyncio.wait([coro(), ...])`: deprecated 3.8, TypeError since 3.11. */
  private waitOnCoroutines(call: Node): void {
    if (!targetAtLeast(this.config, PY38) || !mayCall(this.model, call, WAIT) || resolveAsyncioCall(this.model, call) !== 'asyncio.wait') return;
    const arg = callArguments(call).positional[0];
    const elements = arg ? this.coroutineElements(arg) : [];
    if (!arg || !elements.length) return;
    const asyncio = asyncioReference(this.model);
    const wrap = targetAtLeast(this.config, PY37) ? 'create_task' : 'ensure_future';
    const edits = elements.map((e) => replaceNode(e, `${asyncio.name}.${wrap}(${e.text})`));
    if (asyncio.importEdit) edits.push(asyncio.importEdit);
    const removed = targetAtLeast(this.config, [3, 11]);
    this.report({
      node: arg,
      message:
        `Passing coroutines to \`asyncio.wait()\` ${removed ? 'raises TypeError since Python 3.11' : 'is deprecated since Python 3.8 and a TypeError since 3.11'}; ` +
        `wrap them in \`asyncio.${wrap}()\` (then the returned sets hold those tasks).`,
      fix: { title: `Wrap the coroutines in \`asyncio.${wrap}()\``, safety: 'safe', edits },
    });
  }

  /** `asyncio.Task.all_tasks()` / `asyncio.Task.current_task()`: deprecated 3.7, removed 3.9. */
  private taskClassMethods(call: Node): void {
    if (!targetAtLeast(this.config, PY37) || !mayCall(this.model, call, TASK_CLASS_METHODS)) return;
    const callee = resolveAsyncioCall(this.model, call);
    const method = callee === 'asyncio.Task.all_tasks' ? 'all_tasks' : callee === 'asyncio.Task.current_task' ? 'current_task' : undefined;
    const fn = method && call.childForFieldName('function');
    if (!method || !fn) return;
    const asyncio = asyncioReference(this.model);
    this.report({
      node: call,
      message:
        `\`asyncio.Task.${method}()\` ${status(this.config, PY37, [3, 9])}; use \`asyncio.${method}()\`` +
        (method === 'all_tasks' ? ' (which returns only the tasks not yet done).' : '.'),
      fix: {
        title: `Replace with \`asyncio.${method}()\``,
        // Task.all_tasks() also returned finished tasks; asyncio.all_tasks() does not.
        safety: method === 'all_tasks' ? 'unsafe' : 'safe',
        edits: [replaceNode(fn, `${asyncio.name}.${method}`), ...(asyncio.importEdit ? [asyncio.importEdit] : [])],
      },
    });
  }

  /** `with await lock:` (deprecated 3.7, removed 3.9): `async with lock:`. */
  private awaitedLocks(): void {
    if (!targetAtLeast(this.config, PY37)) return;
    for (const statement of this.model.nodesOfType('with_statement')) {
      const clause = statement.namedChild(0);
      if (clause?.type !== 'with_clause' || !clause.text.includes('await') || isAsyncStatement(this.model, statement)) continue;
      const items = clause?.namedChildren.filter((c): c is Node => c?.type === 'with_item') ?? [];
      const value = items.length === 1 ? items[0].childForFieldName('value') : null;
      const awaited = value?.type === 'await' ? value.namedChild(0) : null;
      const type = awaited ? asyncioName(this.model.typeOf(awaited)) : undefined;
      if (!value || !awaited || !type || !LOCKS.has(type)) continue;
      const inCoroutine = !!this.model.inCoroutineBody(statement);
      this.report({
        node: value,
        message: `\`with await ${awaited.text}:\` ${status(this.config, PY37, [3, 9])} (TypeError on 3.9+); use \`async with ${awaited.text}:\`.`,
        fix: inCoroutine ? { title: `Use \`async with ${awaited.text}:\``, safety: 'safe', edits: [insertBefore(statement, 'async '), replaceNode(value, awaited.text)] } : undefined,
      });
    }
  }
}

export const removedAsyncioApi: Rule = {
  meta: {
    code: 'AIO403',
    name: 'removed-asyncio-api',
    summary: 'asyncio API deprecated or removed for the configured Python version',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
  },
  check({ model, config, report }) {
    new RemovedApiChecker(model, config, report).run();
  },
};
