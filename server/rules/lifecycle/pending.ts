// Which tasks a coroutine starts can still be pending when it returns, path by path (AIO300's analysis).
//
// A task is pending from its creation until, on that path, it is awaited, passed to a call that is not mere
// inspection (gather, wait, wait_for, shield, a helper...), cancelled, asked for its result, stored outside the
// function, or returned.
// Tasks are followed through the names and local collections that hold them. Tasks without a handle (a discarded
// `create_task(...)`, or tasks a helper started, whatever it returned) are taken as waited for by any later `await`
// other than `asyncio.sleep()`, a gather/wait of given tasks or a task held here: the program may be waiting on a
// queue, an event or a server that outlives them.
import type { Node } from 'web-tree-sitter';
import type { FunctionInfo, ModuleModel } from '../../model/moduleModel';
import { FlowWalker } from './flow';
import {
  calledFunction,
  isContainerAdder,
  MAX_HELPER_DEPTH,
  onlyInspects,
  syncHelperStartsTasks,
  taskFactoryOf,
  taskSink,
} from './tasks';
import { callMethod, insideLoop, isAsyncStatement, mayCall, methodName, methodReceiver, resolveAsyncioCall, unwrapParens, walkSameScope } from './syntax';

export interface PendingTask {
  id: number;
  /** The task-creating call, or the call of the helper that starts tasks. */
  anchor: Node;
  /** Set when a helper starts the task(s): the helper as written at the call. */
  helper?: string;
  /** Variables holding this task. */
  names: Set<string>;
  /** Variables holding a collection that contains this task. */
  containers: Set<string>;
  /** Created in a loop: a single variable only holds the last one. */
  inLoop: boolean;
  /** The expression statement that drops the task (`asyncio.create_task(work())` alone on a line). */
  discardedStatement?: Node;
}

export interface PendingExit {
  /** The `return`, or undefined for the end of the body. */
  statement?: Node;
  pending: PendingTask[];
}

export interface PendingAnalysis {
  tasks: PendingTask[];
  /** Exits where some task is still pending. */
  exits: PendingExit[];
}

type Event =
  | { kind: 'start'; task: PendingTask }
  | { kind: 'settle'; name: string }
  /** An `await` of something other than `asyncio.sleep()`: tasks without a handle may be what it waits for. */
  | { kind: 'wait' }
  /** `asyncio.all_tasks()`: the function deals with every task itself (waits for or cancels them). */
  | { kind: 'settle-all' };

const ALL_TASKS = new Set(['all_tasks']);
/** Awaits that only wait for what they are given (or for a while). */
const FINITE_WAITS = new Set(['asyncio.sleep', 'asyncio.gather', 'asyncio.wait', 'asyncio.wait_for', 'asyncio.shield']);
const FINITE_WAIT_NAMES = new Set([...FINITE_WAITS].map((n) => n.slice('asyncio.'.length)));

function isUntracked(task: PendingTask): boolean {
  return task.names.size === 0 && task.containers.size === 0;
}

class PendingTracker {
  readonly tasks: PendingTask[] = [];
  private readonly events = new Map<number, Event[]>();

  constructor(
    private readonly model: ModuleModel,
    private readonly fn: FunctionInfo,
    private readonly depth: number,
    private readonly cache: Map<FunctionInfo, PendingAnalysis | 'running'>,
  ) {}

  analyse(): PendingAnalysis {
    const body = this.fn.node.childForFieldName('body');
    if (!body) return { tasks: [], exits: [] };
    const walker = new FlowWalker((node, state) => this.transfer(node, state));
    const exits: PendingExit[] = [];
    for (const exit of walker.run(body)) {
      const pending = this.tasks.filter((t) => exit.state.has(t.id));
      if (pending.length) exits.push({ statement: exit.statement, pending });
    }
    exits.sort((a, b) => (a.statement?.startIndex ?? Infinity) - (b.statement?.startIndex ?? Infinity));
    return { tasks: this.tasks, exits };
  }

  private transfer(node: Node, state: ReadonlySet<number>): ReadonlySet<number> {
    let events = this.events.get(node.id);
    if (!events) {
      events = this.collect(node);
      this.events.set(node.id, events);
    }
    if (!events.length) return state;
    const next = new Set(state);
    for (const event of events) {
      switch (event.kind) {
        case 'start':
          next.add(event.task.id);
          break;
        case 'settle':
          for (const t of this.tasks) if (t.names.has(event.name) || t.containers.has(event.name)) next.delete(t.id);
          break;
        case 'wait':
          for (const t of this.tasks) if (isUntracked(t) || t.helper) next.delete(t.id);
          break;
        case 'settle-all':
          next.clear();
          break;
      }
    }
    return next;
  }

  private newTask(anchor: Node, fields: Partial<PendingTask>): PendingTask {
    const task: PendingTask = { id: this.tasks.length, anchor, names: new Set(), containers: new Set(), inLoop: insideLoop(anchor, this.fn.node), ...fields };
    this.tasks.push(task);
    return task;
  }

  /** Every variable reference in an argument, return value or display: `t`, `*tasks`, `[t1, t2]`. */
  private referencedNames(node: Node): string[] {
    const n = unwrapParens(node);
    if (n.type === 'identifier') return [n.text];
    if (['list_splat', 'list', 'tuple', 'set', 'expression_list', 'keyword_argument'].includes(n.type)) {
      const values = n.type === 'keyword_argument' ? [n.childForFieldName('value')] : n.namedChildren;
      return values.flatMap((c) => (c ? this.referencedNames(c) : []));
    }
    return [];
  }

  /** `alias` now also refers to what `name` refers to (a task, or a collection of tasks). */
  private addAlias(alias: string, name: string, asContainer: boolean): void {
    for (const t of this.tasks) {
      if (t.names.has(name)) (asContainer ? t.containers : t.names).add(alias);
      if (t.containers.has(name)) t.containers.add(alias);
    }
  }

  private collect(root: Node): Event[] {
    const events: Event[] = [];
    const settle = (name: string) => events.push({ kind: 'settle', name });
    this.loopHeader(root, events);
    walkSameScope(root, (node) => {
      switch (node.type) {
        case 'await': {
          const operand = node.namedChild(0);
          if (!operand) return;
          if (this.mayWaitForAnything(operand)) events.push({ kind: 'wait' });
          if (unwrapParens(operand).type === 'identifier') settle(unwrapParens(operand).text);
          return;
        }
        case 'call':
          this.call(node, events);
          return;
        case 'assignment':
          this.assignment(node, settle);
          return;
        case 'return_statement':
        case 'yield':
          for (const value of node.namedChildren) if (value) for (const name of this.referencedNames(value)) settle(name);
          return;
        case 'for_in_clause':
          this.iteration(node, node.parent?.childForFieldName('body') ?? null, events);
          return;
        default:
          return;
      }
    });
    return events;
  }

  /**
   * Whether awaiting `operand` may be the program's way of waiting for tasks it holds no handle on (a queue's
   * `join()`, an event, a server, a helper): anything but a sleep, a gather/wait of given tasks, or a task held here.
   */
  private mayWaitForAnything(operand: Node): boolean {
    const n = unwrapParens(operand);
    if (n.type === 'identifier') return !this.tasks.some((t) => t.names.has(n.text) || t.containers.has(n.text));
    if (n.type !== 'call' || !mayCall(this.model, n, FINITE_WAIT_NAMES)) return true;
    return !FINITE_WAITS.has(resolveAsyncioCall(this.model, n) ?? '');
  }

  /** The header of `for v in tasks:` (`async for` waits like an `await`). */
  private loopHeader(root: Node, events: Event[]): void {
    const loop = root.parent;
    if (loop?.type !== 'for_statement' || loop.childForFieldName('right')?.id !== root.id) return;
    if (isAsyncStatement(this.model, loop)) events.push({ kind: 'wait' });
    this.iteration(loop, loop.childForFieldName('body'), events);
  }

  /**
   * `for t in tasks` makes `t` a handle on every task in `tasks`; a body that awaits, cancels or hands on `t` does so
   * for each of them, so the whole collection is settled (an empty one has nothing pending).
   */
  private iteration(node: Node, body: Node | null, events: Event[]): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left?.type !== 'identifier' || !right || unwrapParens(right).type !== 'identifier') return;
    const collection = unwrapParens(right).text;
    this.addAlias(left.text, collection, false);
    if (body && this.settlesName(body, left.text)) events.push({ kind: 'settle', name: collection });
  }

  /** Somewhere in `body`, `name` is awaited, cancelled or passed to a call that does more than inspect it. */
  private settlesName(body: Node, name: string): boolean {
    let settles = false;
    walkSameScope(body, (node) => {
      if (settles) return false;
      if (node.type === 'await') {
        const operand = node.namedChild(0);
        settles = !!operand && unwrapParens(operand).type === 'identifier' && unwrapParens(operand).text === name;
      } else if (node.type === 'call') {
        const receiver = methodReceiver(node);
        const args = node.childForFieldName('arguments');
        settles =
          (receiver?.text === name && methodName(node) === 'cancel') ||
          (!onlyInspects(this.model, node) && !!args?.namedChildren.some((a) => a && this.referencedNames(a).includes(name)));
      }
      return undefined;
    });
    return settles;
  }

  private assignment(node: Node, settle: (name: string) => void): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return;
    const value = unwrapParens(right);
    if (left.type === 'identifier') {
      if (value.type === 'identifier') this.addAlias(left.text, value.text, false);
      else if (value.type === 'list' || value.type === 'tuple' || value.type === 'set') {
        for (const name of this.referencedNames(value)) this.addAlias(left.text, name, true);
      }
    } else if (left.type === 'attribute' || left.type === 'subscript') {
      // Stored in an object or a collection the function does not own: someone else may await it.
      for (const name of this.referencedNames(value)) settle(name);
    }
  }

  private call(node: Node, events: Event[]): void {
    if (mayCall(this.model, node, ALL_TASKS) && resolveAsyncioCall(this.model, node) === 'asyncio.all_tasks') {
      events.push({ kind: 'settle-all' });
    } else if (taskFactoryOf(this.model, node)) {
      this.taskCreation(node, events);
    } else {
      this.helperCall(node, events);
    }
    const method = callMethod(this.model, node);
    const receiver = method ? methodReceiver(node) : undefined;
    // Cancelling a task settles it; so does reading its outcome, which only succeeds once it is done.
    if (receiver?.type === 'identifier' && (method === 'cancel' || method === 'result' || method === 'exception')) events.push({ kind: 'settle', name: receiver.text });
    const args = node.childForFieldName('arguments');
    if (!args) return;
    const names = args.namedChildren.flatMap((a) => (a ? this.referencedNames(a) : []));
    if (!names.length) return;
    if (isContainerAdder(node) && receiver?.type === 'identifier') {
      for (const name of names) this.addAlias(receiver.text, name, true);
    } else if (!onlyInspects(this.model, node)) {
      for (const name of names) events.push({ kind: 'settle', name });
    }
  }

  private taskCreation(node: Node, events: Event[]): void {
    const sink = taskSink(this.model, node);
    let task: PendingTask | undefined;
    switch (sink.kind) {
      case 'discarded':
        task = this.newTask(node, sink.shape === 'call' ? { discardedStatement: sink.statement } : {});
        break;
      case 'name':
        task = this.newTask(node, { names: new Set([sink.name]) });
        break;
      case 'container':
        // A collection on `self` or elsewhere outside the function: someone else may await it.
        if (sink.container.type === 'identifier') task = this.newTask(node, { containers: new Set([sink.container.text]) });
        break;
      case 'argument':
        if (onlyInspects(this.model, sink.call)) task = this.newTask(node, {});
        break;
      default:
        break;
    }
    if (task) events.push({ kind: 'start', task });
  }

  /** A call of a helper that returns with tasks still running starts tasks without a handle. */
  private helperCall(node: Node, events: Event[]): void {
    const callee = calledFunction(this.model, node);
    if (!callee) return;
    const { fn, display } = callee;
    if (!fn.isAsync) {
      if (!syncHelperStartsTasks(this.model, fn)) return;
      // What a plain helper returns may be (or own) what it started: follow it like a task. Awaiting it, handing it
      // on or storing it settles the tasks; a name bound to it is a handle.
      const sink = taskSink(this.model, node);
      const fields: Partial<PendingTask> = { helper: display };
      if (sink.kind === 'name') fields.names = new Set([sink.name]);
      else if (sink.kind === 'container' && sink.container.type === 'identifier') fields.containers = new Set([sink.container.text]);
      else if (sink.kind !== 'discarded' && !(sink.kind === 'argument' && onlyInspects(this.model, sink.call))) return;
      events.push({ kind: 'start', task: this.newTask(node, fields) });
    } else if ('node' in fn && node.parent?.type === 'await' && this.depth < MAX_HELPER_DEPTH) {
      // An awaited local coroutine that returns with tasks still pending at one of its exits.
      if (pendingAnalysis(this.model, fn, this.depth + 1, this.cache).exits.length) events.push({ kind: 'start', task: this.newTask(node, { helper: display }) });
    }
  }
}

/** The tasks `fn` starts and where they are still pending when it returns. */
export function pendingAnalysis(
  model: ModuleModel,
  fn: FunctionInfo,
  depth = 0,
  cache = new Map<FunctionInfo, PendingAnalysis | 'running'>(),
): PendingAnalysis {
  const cached = cache.get(fn);
  if (cached === 'running') return { tasks: [], exits: [] };
  if (cached) return cached;
  cache.set(fn, 'running');
  const result = new PendingTracker(model, fn, depth, cache).analyse();
  cache.set(fn, result);
  return result;
}
