// AIO500 race-across-await: a check-then-act on shared state (an attribute of `self`, a module global) whose check
// and act are separated by an `await`, outside any `async with` (a lock). Precision over recall: only this shape
//
//   if <condition reading S>:
//       value = await ...        # or the await inside the write itself: S = await connect()
//       <write of value to S>    # a statement of the `if` block itself, not nested in a re-check
//
// where a write is `S = v`, `S[k] = v`, `S += v` or `S.append/add/update/setdefault/...(v)` and `v` is (or uses) the
// awaited result.
import type { Node } from 'web-tree-sitter';
import type { FunctionInfo, ModuleModel } from '../model/moduleModel';
import { isAsyncStatement, isVariableReference, mentions, resolveAsyncioCall, statementsOf, unwrapParens, walkSameScope } from './lifecycle/syntax';
import type { Rule } from './types';

const MUTATORS = new Set(['append', 'add', 'update', 'setdefault', 'insert', 'extend', 'pop', 'popitem', 'remove', 'discard', 'clear']);

/** `async with` managers that do not serialise tasks (so they do not count as a lock). */
const NOT_LOCKS = new Set(['asyncio.timeout', 'asyncio.timeout_at', 'asyncio.TaskGroup']);

class RaceChecker {
  constructor(
    private readonly model: ModuleModel,
    private readonly fn: FunctionInfo,
  ) {}

  /** The shared-state key an expression denotes: `self.cache`, or a module global. */
  stateKey(node: Node): string | undefined {
    const n = unwrapParens(node);
    if (n.type === 'attribute') {
      const object = n.childForFieldName('object');
      const selfName = this.fn.cls ? this.fn.params[0]?.name : undefined;
      const attribute = n.childForFieldName('attribute')?.text;
      return object?.type === 'identifier' && selfName && object.text === selfName && attribute ? `${selfName}.${attribute}` : undefined;
    }
    if (n.type === 'identifier' && isVariableReference(n)) {
      const binding = this.model.lookup(n.text, n);
      const bindings = this.model.moduleScope.bindings.get(n.text);
      const isGlobalVariable = !!binding && !!bindings?.includes(binding) && (binding.kind === 'assignment' || binding.kind === 'other');
      return isGlobalVariable ? n.text : undefined;
    }
    return undefined;
  }

  /** Shared state the condition reads (the states themselves, not their items or attributes). */
  checkedStates(condition: Node): Map<string, Node> {
    const states = new Map<string, Node>();
    walkSameScope(condition, (node) => {
      const key = node.type === 'attribute' || node.type === 'identifier' ? this.stateKey(node) : undefined;
      if (key && !states.has(key)) states.set(key, node);
      return key ? false : undefined;
    });
    return states;
  }

  /** The shared state a statement writes and the values it stores, if it is one of the write shapes. */
  write(statement: Node): { state: string; values: Node[] } | undefined {
    const inner = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
    if (!inner) return undefined;
    let state: string | undefined;
    let values: Node[] = [];
    if (inner.type === 'assignment' || inner.type === 'augmented_assignment') {
      const left = inner.childForFieldName('left');
      const right = inner.childForFieldName('right');
      if (!left || !right) return undefined;
      values = [right];
      if (left.type === 'subscript') state = this.stateKey(left.childForFieldName('value') ?? left);
      // Assigning a module name inside a function only writes the global when it is declared `global`.
      else if (left.type !== 'identifier' || this.fn.scope.declaredOutside.has(left.text)) state = this.stateKey(left);
    } else if (inner.type === 'call') {
      const callee = inner.childForFieldName('function');
      const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
      const receiver = callee?.childForFieldName('object');
      if (method && MUTATORS.has(method) && receiver) state = this.stateKey(receiver);
      values = inner.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c) ?? [];
    }
    return state ? { state, values } : undefined;
  }
}

/** Names a statement binds from an awaited result: `value = await fetch()`, `a, b = await pair()`. */
function namesBoundFromAwait(model: ModuleModel, statement: Node): string[] {
  const inner = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
  const right = inner?.type === 'assignment' ? inner.childForFieldName('right') : null;
  const left = inner?.childForFieldName('left');
  if (!right || !left || !firstSuspension(model, right)) return [];
  return left.type === 'identifier' ? [left.text] : left.namedChildren.filter((c): c is Node => c?.type === 'identifier').map((c) => c.text);
}

/** A stored value that comes from across the await: it contains one, or names a result bound from one. */
function comesFromAwait(model: ModuleModel, values: Node[], awaitedNames: ReadonlySet<string>): boolean {
  return values.some((v) => !!firstSuspension(model, v) || [v, ...v.descendantsOfType('identifier')].some((id) => id?.type === 'identifier' && awaitedNames.has(id.text)));
}

/** Where the coroutine suspends inside `node` (same function): an `await`, `async for` or `async with`. */
function firstSuspension(model: ModuleModel, node: Node): Node | undefined {
  let found: Node | undefined;
  walkSameScope(node, (n) => {
    if (found) return false;
    if (n.type === 'await' || ((n.type === 'for_statement' || n.type === 'with_statement') && isAsyncStatement(model, n))) found = n;
    return undefined;
  });
  return found;
}

/** The `if` sits inside an `async with` of the same function whose manager may be a lock. */
function underAsyncWith(model: ModuleModel, node: Node, fn: FunctionInfo): boolean {
  for (let n: Node | null = node.parent; n && n.id !== fn.node.id; n = n.parent) {
    if (n.type !== 'with_statement' || !isAsyncStatement(model, n)) continue;
    const clause = n.namedChildren.find((c) => c?.type === 'with_clause');
    const managers = (clause?.namedChildren ?? []).map((item) => {
      const value = item?.childForFieldName('value');
      return value?.type === 'as_pattern' ? value.namedChild(0) : value;
    });
    const allHarmless = managers.every((m) => m?.type === 'call' && NOT_LOCKS.has(resolveAsyncioCall(model, m) ?? ''));
    if (!allHarmless) return true;
  }
  return false;
}

/** The function takes a lock by hand (`await lock.acquire()`): the rule cannot tell what it protects. */
function acquiresByHand(fn: FunctionInfo): boolean {
  return fn.calls.some((site) => site.awaited && site.node.childForFieldName('function')?.childForFieldName('attribute')?.text === 'acquire');
}

export const raceAcrossAwait: Rule = {
  meta: {
    code: 'AIO500',
    name: 'race-across-await',
    summary: 'check-then-act on shared state with an await between the check and the write, outside a lock',
    defaultSeverity: 'warning',
    fixable: 'never',
  },
  check({ model, report }) {
    if (!mentions(model, 'await')) return;
    for (const ifNode of model.nodesOfType('if_statement')) {
      const fn = model.inCoroutineBody(ifNode);
      const condition = ifNode.childForFieldName('condition');
      if (!fn || !condition || underAsyncWith(model, ifNode, fn) || acquiresByHand(fn)) continue;
      const checker = new RaceChecker(model, fn);
      const checked = checker.checkedStates(condition);
      if (!checked.size) continue;
      let suspension: Node | undefined;
      const awaitedNames = new Set<string>();
      for (const statement of statementsOf(ifNode.childForFieldName('consequence'))) {
        const write = checker.write(statement);
        if (write && checked.has(write.state)) {
          // An await in the write's own right-hand side (`self.x = await connect()`) also runs before the store.
          const before = suspension ?? firstSuspension(model, statement);
          // Written before any await (a placeholder that claims the key): other tasks already see the change. A
          // value not obtained across the await (a flag reset, `self._closed = True`) is a benign repeat at worst.
          if (before && comesFromAwait(model, write.values, awaitedNames)) {
            report({
              node: condition,
              message:
                `\`${fn.name}\` checks \`${write.state}\` here and stores what it got from an \`await\` (line ${before.startPosition.row + 1}): another task can run in between, ` +
                'pass the same check and do the same work, and one write overwrites the other. Re-check after the `await`, or hold an `asyncio.Lock` around the check and the write.',
            });
          }
          break;
        }
        for (const name of namesBoundFromAwait(model, statement)) awaitedNames.add(name);
        suspension ??= firstSuspension(model, statement);
      }
    }
  },
};
