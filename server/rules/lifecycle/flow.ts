// A small path-sensitive walker over the statements of one function body. The state is a set of ids (facts that
// hold on at least one path, e.g. "task 3 is still pending"); branches join by union, loops iterate to a fixed
// point, `return` runs the enclosing `finally` blocks before it leaves, and `raise` ends a path. Expressions are
// handed to a transfer function in evaluation order, so a rule decides what creates or removes a fact.
import type { Node } from 'web-tree-sitter';
import { clauseBlock, statementsOf } from './syntax';

/** The facts that hold on some path reaching a point; null when no path reaches it. */
export type FlowState = ReadonlySet<number> | null;

export interface FlowExit {
  /** The `return` statement, or undefined for falling off the end of the body. */
  statement?: Node;
  /** Facts that hold when the function leaves through this exit (after `finally` blocks ran). */
  state: ReadonlySet<number>;
}

/** Applies the effects of evaluating `node` (a simple statement or a compound statement's header expression). */
export type Transfer = (node: Node, state: ReadonlySet<number>) => ReadonlySet<number>;

/** Loops are iterated at most this often; the state only grows, so this bounds a pathological case only. */
const MAX_LOOP_PASSES = 16;

export function join(...states: FlowState[]): FlowState {
  let result: Set<number> | null = null;
  for (const s of states) {
    if (!s) continue;
    if (!result) result = new Set(s);
    else for (const id of s) result.add(id);
  }
  return result;
}

function sameState(a: FlowState, b: FlowState): boolean {
  if (!a || !b) return a === b;
  if (a.size !== b.size) return false;
  for (const id of a) if (!b.has(id)) return false;
  return true;
}

interface LoopContext {
  breaks: FlowState[];
  continues: FlowState[];
}

export class FlowWalker {
  private readonly exitsByKey = new Map<number, FlowExit>();
  private finallyBlocks: Node[] = [];
  private readonly loops: LoopContext[] = [];

  constructor(private readonly transfer: Transfer) {}

  /** Walks a function body from `initial`; returns every way out of it with the facts that hold there. */
  run(body: Node, initial: ReadonlySet<number> = new Set()): FlowExit[] {
    const end = this.block(body, initial);
    if (end) this.recordExit(undefined, end, -1);
    return [...this.exitsByKey.values()];
  }

  private recordExit(statement: Node | undefined, state: ReadonlySet<number>, key: number): void {
    const previous = this.exitsByKey.get(key);
    this.exitsByKey.set(key, { statement, state: previous ? join(previous.state, state)! : state });
  }

  private apply(node: Node | null | undefined, state: FlowState): FlowState {
    return node && state ? this.transfer(node, state) : state;
  }

  /** Whether control reaches the end of `block`, or leaves it through `break`/`continue` aimed at a loop around it. */
  finishes(block: Node): boolean {
    const outer: LoopContext = { breaks: [], continues: [] };
    this.loops.push(outer);
    const end = this.block(block, new Set());
    this.loops.pop();
    return end !== null || outer.breaks.length > 0 || outer.continues.length > 0;
  }

  block(block: Node | null | undefined, state: FlowState): FlowState {
    let current = state;
    for (const statement of statementsOf(block)) {
      if (!current) break;
      current = this.statement(statement, current);
    }
    return current;
  }

  private statement(node: Node, state: ReadonlySet<number>): FlowState {
    switch (node.type) {
      case 'return_statement':
        return this.returnStatement(node, state);
      case 'raise_statement':
        this.apply(node, state);
        return null;
      case 'break_statement':
        this.loops[this.loops.length - 1]?.breaks.push(state);
        return null;
      case 'continue_statement':
        this.loops[this.loops.length - 1]?.continues.push(state);
        return null;
      case 'if_statement':
        return this.ifStatement(node, state);
      case 'for_statement':
      case 'while_statement':
        return this.loop(node, state);
      case 'try_statement':
        return this.tryStatement(node, state);
      case 'with_statement':
        return this.block(node.childForFieldName('body'), this.apply(node.namedChildren.find((c) => c?.type === 'with_clause'), state));
      case 'match_statement':
        return this.matchStatement(node, state);
      case 'function_definition':
      case 'class_definition':
      case 'decorated_definition':
      case 'pass_statement':
        return state;
      default:
        return this.apply(node, state);
    }
  }

  private returnStatement(node: Node, state: ReadonlySet<number>): FlowState {
    let current: FlowState = this.apply(node, state);
    // The `finally` blocks around the return run before the function leaves, innermost first.
    const saved = this.finallyBlocks;
    for (let i = saved.length - 1; i >= 0 && current; i--) {
      this.finallyBlocks = saved.slice(0, i);
      current = this.block(saved[i], current);
    }
    this.finallyBlocks = saved;
    if (current) this.recordExit(node, current, node.id);
    return null;
  }

  private ifStatement(node: Node, state: ReadonlySet<number>): FlowState {
    let otherwise: FlowState = this.apply(node.childForFieldName('condition'), state);
    const outcomes: FlowState[] = [this.block(node.childForFieldName('consequence'), otherwise)];
    for (const alternative of node.childrenForFieldName('alternative')) {
      if (!alternative) continue;
      if (alternative.type === 'elif_clause') {
        otherwise = this.apply(alternative.childForFieldName('condition'), otherwise);
        outcomes.push(this.block(alternative.childForFieldName('consequence'), otherwise));
      } else {
        outcomes.push(this.block(clauseBlock(alternative), otherwise));
        otherwise = null;
      }
    }
    return join(...outcomes, otherwise);
  }

  private loop(node: Node, state: ReadonlySet<number>): FlowState {
    const isWhile = node.type === 'while_statement';
    const condition = isWhile ? node.childForFieldName('condition') : undefined;
    const runsForever = !!condition && isAlwaysTrue(condition);
    // A `for` evaluates its iterable once; a `while` evaluates its condition before every pass.
    let head: FlowState = isWhile ? state : this.apply(node.childForFieldName('right'), state);
    const context: LoopContext = { breaks: [], continues: [] };
    this.loops.push(context);
    for (let pass = 0; pass < MAX_LOOP_PASSES; pass++) {
      context.breaks = [];
      context.continues = [];
      const entry = isWhile ? this.apply(condition, head) : head;
      const end = this.block(node.childForFieldName('body'), entry);
      const next = join(head, end, ...context.continues);
      if (sameState(next, head)) break;
      head = next;
    }
    this.loops.pop();
    let normalExit: FlowState = runsForever ? null : isWhile ? this.apply(condition, head) : head;
    const elseClause = node.childForFieldName('alternative');
    if (elseClause) normalExit = this.block(clauseBlock(elseClause), normalExit);
    return join(normalExit, ...context.breaks);
  }

  private tryStatement(node: Node, state: ReadonlySet<number>): FlowState {
    const finallyClause = node.namedChildren.find((c) => c?.type === 'finally_clause');
    const finallyBlock = finallyClause ? clauseBlock(finallyClause) : undefined;
    if (finallyBlock) this.finallyBlocks = [...this.finallyBlocks, finallyBlock];
    // An exception can leave the body in any of its statements; a handler starts from the state after that statement
    // (its effects taken as done: `await task` that raises has still finished the task).
    const reachedInBody: FlowState[] = [];
    let current: FlowState = state;
    for (const statement of statementsOf(node.childForFieldName('body'))) {
      if (!current) break;
      current = this.statement(statement, current);
      reachedInBody.push(current);
    }
    const handlerEntry = reachedInBody.length ? join(...reachedInBody) : state;
    const outcomes: FlowState[] = [];
    const elseClause = node.namedChildren.find((c) => c?.type === 'else_clause');
    outcomes.push(elseClause ? this.block(clauseBlock(elseClause), current) : current);
    for (const handler of node.namedChildren) {
      if (handler?.type === 'except_clause' || handler?.type === 'except_group_clause') {
        outcomes.push(this.block(clauseBlock(handler), handlerEntry));
      }
    }
    if (finallyBlock) this.finallyBlocks = this.finallyBlocks.slice(0, -1);
    const joined = join(...outcomes);
    return finallyBlock ? this.block(finallyBlock, joined) : joined;
  }

  private matchStatement(node: Node, state: ReadonlySet<number>): FlowState {
    const subject = this.apply(node.childForFieldName('subject'), state);
    const body = node.childForFieldName('body');
    const cases = body ? body.namedChildren.filter((c): c is Node => c?.type === 'case_clause') : [];
    const outcomes = cases.map((c) => this.block(clauseBlock(c), subject));
    const exhaustive = cases.some((c) => !c.childForFieldName('guard') && c.namedChildren.some((p) => p?.type === 'case_pattern' && p.text === '_'));
    return join(...outcomes, exhaustive ? null : subject);
  }
}

/** `while True:` / `while 1:`: the loop only ends through `break`, `return` or an exception. */
export function isAlwaysTrue(condition: Node): boolean {
  return condition.type === 'true' || (condition.type === 'integer' && Number(condition.text) !== 0);
}

/**
 * Whether control can reach the end of `block` or leave it through `break`/`continue` (which finish the loop around
 * it), i.e. the block does not end in `return` or `raise` on every path.
 */
export function canFinishWithoutRaiseOrReturn(block: Node): boolean {
  return new FlowWalker((_node, state) => state).finishes(block);
}
