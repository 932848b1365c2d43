// Recognising where asyncio tasks are created and where the created task goes (the "sink"), and which workspace
// helpers start tasks that outlive the call.
import type { Node } from 'web-tree-sitter';
import type { CallSite, FunctionInfo, ModuleModel } from '../../model/moduleModel';
import type { FunctionSummary } from '../../model/summary';
import { asyncioName, callArguments, callMethod, callsThatMayCall, enclosingStatement, mayCall, mentions, methodName, methodReceiver, occurrencesWithin, resolveAsyncioCall, unwrapParens } from './syntax';

export type TaskFactory = 'create_task' | 'ensure_future' | 'loop.create_task';

const FACTORIES: Readonly<Record<string, TaskFactory>> = {
  'asyncio.create_task': 'create_task',
  'asyncio.ensure_future': 'ensure_future',
  'asyncio.AbstractEventLoop.create_task': 'loop.create_task',
  'asyncio.BaseEventLoop.create_task': 'loop.create_task',
  'asyncio.base_events.BaseEventLoop.create_task': 'loop.create_task',
  'asyncio.events.AbstractEventLoop.create_task': 'loop.create_task',
};

const FACTORY_NAMES = new Set(['create_task', 'ensure_future']);

/** Callables returning a future that `ensure_future` passes through unchanged (no new task is created). */
const FUTURE_RETURNING = new Set(['asyncio.gather', 'asyncio.shield', 'asyncio.wrap_future', 'asyncio.Future', 'asyncio.run_coroutine_threadsafe']);

/** `loop`, `self.loop`, `self._loop`, `event_loop`: a receiver named like an event loop. */
const LOOP_LIKE_RECEIVER = /(?:^|[._])loop$/i;

/**
 * Which task factory `call` is: `asyncio.create_task(coro)`, `asyncio.ensure_future(coro())` (with a coroutine call,
 * not an existing future), or `loop.create_task(coro)` on a loop the model can type or a receiver named `loop`.
 * `TaskGroup.create_task` is not a factory here: the group holds and awaits its tasks.
 */
export function taskFactoryOf(model: ModuleModel, call: Node): TaskFactory | undefined {
  if (!mayCall(model, call, FACTORY_NAMES)) return undefined;
  const name = resolveAsyncioCall(model, call);
  if (name === 'asyncio.TaskGroup.create_task') return undefined;
  let kind = name ? FACTORIES[name] : undefined;
  if (!kind && callMethod(model, call) === 'create_task') {
    const receiver = methodReceiver(call);
    if (receiver && LOOP_LIKE_RECEIVER.test(receiver.text)) kind = 'loop.create_task';
  }
  if (kind === 'ensure_future') {
    const first = callArguments(call).positional[0];
    const arg = first ? unwrapParens(first) : undefined;
    if (arg?.type !== 'call') return undefined;
    const inner = resolveAsyncioCall(model, arg);
    if (inner && (FUTURE_RETURNING.has(inner) || inner.endsWith('.run_in_executor') || inner.endsWith('.create_future'))) return undefined;
  }
  return kind;
}

/** The calls that may be task factories (`taskFactoryOf` decides), in source order. */
export function possibleTaskFactories(model: ModuleModel): readonly CallSite[] {
  return callsThatMayCall(model, FACTORY_NAMES);
}

/** The text (of the module, or of `within`) names a task factory: without that, it creates no task. */
export function mentionsTaskFactory(model: ModuleModel, within?: Node): boolean {
  return within ? [...FACTORY_NAMES].some((word) => occurrencesWithin(model, within, word).length > 0) : mentions(model, ...FACTORY_NAMES);
}

/**
 * The module's first finding of a rule that puts one definition before the statement of its first finding (AIO301's
 * set, AIO302's callback), given the first of `find(model)`: on a view focused on one statement (the server's re-check),
 * the statements before it that name a task factory are looked at too.
 */
export function firstInModule<T>(model: ModuleModel, own: T, find: (view: ModuleModel) => readonly T[]): T {
  const focus = model.focus;
  if (!focus) return own;
  for (const statement of model.root.namedChildren) {
    if (!statement || statement.startIndex >= focus.start) break;
    if (statement.type === 'comment' || !mentionsTaskFactory(model, statement)) continue;
    const [earlier] = find(model.focusedOn(statement.startIndex, statement.endIndex));
    if (earlier) return earlier;
  }
  return own;
}

/** Whether a canonical callee name (from a workspace summary) is a task factory. */
function isFactoryName(canonical: string): boolean {
  return !!FACTORIES[asyncioName(canonical) ?? canonical];
}

/** Where the task a factory call returns ends up. */
export type TaskSink =
  /** An expression statement drops it: the bare call, `create_task(c).add_done_callback(f)`, or a collection of tasks. */
  | { kind: 'discarded'; statement: Node; shape: 'call' | 'chained' | 'collection' }
  /** Bound to a plain name (`t = create_task(...)`, `t := ...`, or one name of a tuple assignment). */
  | { kind: 'name'; name: string; target: Node; statement: Node }
  /** Put in a collection: `tasks.append(create_task(...))`, `tasks = [create_task(...) for ...]`. */
  | { kind: 'container'; container: Node; statement: Node }
  /** Stored in an attribute or item: `self._task = create_task(...)`, `tasks[key] = ...`. */
  | { kind: 'stored'; target: Node; statement: Node }
  | { kind: 'awaited' }
  /** Passed to another call (`asyncio.gather(create_task(...))`, `print(create_task(...))`). */
  | { kind: 'argument'; call: Node }
  /** Returned, yielded, or anything else the rules do not follow. */
  | { kind: 'escaped' };

const CONTAINER_ADDERS = new Set(['append', 'add', 'extend', 'insert', 'appendleft']);

export function isContainerAdder(call: Node): boolean {
  const name = methodName(call);
  return !!name && CONTAINER_ADDERS.has(name);
}

function assignmentTarget(target: Node, inCollection: boolean, statement: Node): TaskSink {
  if (target.type === 'identifier') {
    return inCollection ? { kind: 'container', container: target, statement } : { kind: 'name', name: target.text, target, statement };
  }
  if (target.type === 'attribute' || target.type === 'subscript') {
    return inCollection ? { kind: 'container', container: target, statement } : { kind: 'stored', target, statement };
  }
  return { kind: 'escaped' };
}

/** Where the task `call` returns goes (parents come from the model: the tree finds each by descending from the root). */
export function taskSink(model: ModuleModel, call: Node): TaskSink {
  const statement = enclosingStatement(model, call);
  if (!statement) return { kind: 'escaped' };
  let node = call;
  let inCollection = false;
  for (;;) {
    const parent = model.parentOf(node);
    if (!parent) return { kind: 'escaped' };
    switch (parent.type) {
      case 'parenthesized_expression':
      case 'conditional_expression':
      case 'boolean_operator':
      case 'list_splat':
      case 'parenthesized_list_splat':
      case 'keyword_argument':
        node = parent;
        continue;
      case 'list':
      case 'set':
      case 'tuple':
        inCollection = true;
        node = parent;
        continue;
      case 'list_comprehension':
      case 'set_comprehension':
      case 'generator_expression':
        if (parent.childForFieldName('body')?.id !== node.id) return { kind: 'escaped' };
        inCollection = true;
        node = parent;
        continue;
      case 'expression_list': {
        const assignment = model.parentOf(parent);
        const left = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.id === parent.id ? assignment.childForFieldName('left') : null;
        if (!inCollection && left && (left.type === 'pattern_list' || left.type === 'tuple_pattern')) {
          const values = parent.namedChildren.filter((c) => c?.type !== 'comment');
          const targets = left.namedChildren.filter((c) => c?.type !== 'comment');
          const index = values.findIndex((v) => v?.id === node.id);
          if (values.length === targets.length && index >= 0 && targets[index]) return assignmentTarget(targets[index]!, false, statement);
        }
        inCollection = true;
        node = parent;
        continue;
      }
      case 'await':
        return { kind: 'awaited' };
      case 'argument_list': {
        const outer = model.parentOf(parent);
        if (!outer || outer.type !== 'call') return { kind: 'escaped' };
        const receiver = methodReceiver(outer);
        if (isContainerAdder(outer) && receiver) return { kind: 'container', container: receiver, statement };
        return { kind: 'argument', call: outer };
      }
      case 'assignment': {
        if (parent.childForFieldName('right')?.id !== node.id) return { kind: 'escaped' };
        const left = parent.childForFieldName('left');
        return left ? assignmentTarget(left, inCollection, statement) : { kind: 'escaped' };
      }
      case 'augmented_assignment': {
        const left = parent.childForFieldName('left');
        return left && inCollection ? { kind: 'container', container: left, statement } : { kind: 'escaped' };
      }
      case 'named_expression': {
        const name = parent.childForFieldName('name');
        return name && !inCollection ? { kind: 'name', name: name.text, target: name, statement } : { kind: 'escaped' };
      }
      case 'attribute': {
        // `create_task(c).add_done_callback(f)` as a statement: the callback does not keep the task alive.
        const method = model.parentOf(parent);
        const methodStatement = method?.type === 'call' ? model.parentOf(method) : null;
        if (!inCollection && parent.childForFieldName('object')?.id === node.id && methodStatement?.type === 'expression_statement') {
          return { kind: 'discarded', statement: methodStatement, shape: 'chained' };
        }
        return { kind: 'escaped' };
      }
      case 'expression_statement':
        return { kind: 'discarded', statement: parent, shape: inCollection ? 'collection' : 'call' };
      default:
        return { kind: 'escaped' };
    }
  }
}

type AnyFunction = FunctionInfo | FunctionSummary;

function isLocal(fn: AnyFunction): fn is FunctionInfo {
  return 'node' in fn;
}

/** The function a call runs: the callee itself, or the `__init__` of a class being instantiated. */
export function calledFunction(model: ModuleModel, call: Node): { fn: AnyFunction; display: string } | undefined {
  const callee = model.resolveCall(call);
  if (!callee) return undefined;
  const fn = model.lookupFunction(callee) ?? model.lookupFunction(`${callee}.__init__`);
  const display = call.childForFieldName('function')?.text ?? callee;
  return fn ? { fn, display } : undefined;
}

/** How deep helper calls are followed. */
export const MAX_HELPER_DEPTH = 3;

/**
 * A plain (`def`) function that starts tasks, directly or through other plain helpers: it cannot await them, so they
 * are all still pending when it returns. Async helpers need the path analysis (see pending.ts).
 */
export function syncHelperStartsTasks(model: ModuleModel, fn: AnyFunction, depth = 0, seen = new Set<string>()): boolean {
  if (fn.isAsync || depth > MAX_HELPER_DEPTH || seen.has(fn.canonical)) return false;
  seen.add(fn.canonical);
  if (isLocal(fn)) {
    for (const site of fn.calls) {
      if (site.inLambda) continue;
      if (taskFactoryOf(model, site.node)) return true;
      const callee = calledFunction(model, site.node);
      if (callee && syncHelperStartsTasks(model, callee.fn, depth + 1, seen)) return true;
    }
    return false;
  }
  for (const ref of fn.calls) {
    if (isFactoryName(ref.callee)) return true;
    const callee = model.lookupFunction(ref.callee) ?? model.lookupFunction(`${ref.callee}.__init__`);
    if (callee && syncHelperStartsTasks(model, callee, depth + 1, seen)) return true;
  }
  return false;
}

/** Callees that look at a task without keeping, awaiting or cancelling it. */
const INSPECTING_CALLEES = new Set(['print', 'repr', 'str', 'len', 'id', 'type', 'isinstance', 'format', 'hash', 'bool']);
const LOGGER_METHODS = new Set(['debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'log']);

/** Passing a task to this call neither keeps nor awaits it (printing, logging, `len`). */
export function onlyInspects(model: ModuleModel, call: Node): boolean {
  const callee = model.resolveCall(call);
  if (callee && (INSPECTING_CALLEES.has(callee) || callee.startsWith('logging.'))) return true;
  const method = methodName(call);
  return !!method && LOGGER_METHODS.has(method) && /log/i.test(methodReceiver(call)?.text ?? '');
}

/** The name bound by an enclosing `async with asyncio.TaskGroup() as tg:` in the same function, if any. */
export function enclosingTaskGroup(model: ModuleModel, node: Node): string | undefined {
  for (let n: Node | null = node.parent; n && n.type !== 'function_definition' && n.type !== 'lambda'; n = n.parent) {
    if (n.type !== 'with_statement') continue;
    const clause = n.namedChildren.find((c) => c?.type === 'with_clause');
    for (const item of clause?.namedChildren ?? []) {
      const value = item?.childForFieldName('value');
      if (value?.type !== 'as_pattern') continue;
      const manager = value.namedChild(0);
      const alias = value.childForFieldName('alias');
      const target = alias?.namedChild(0) ?? alias;
      if (manager?.type === 'call' && target?.type === 'identifier' && resolveAsyncioCall(model, manager) === 'asyncio.TaskGroup') return target.text;
    }
  }
  return undefined;
}
