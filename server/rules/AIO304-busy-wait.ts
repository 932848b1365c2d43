// AIO304 busy-wait: a `while` loop in a coroutine that only polls shared state and sleeps, where an asyncio
// synchronisation primitive would wake the task exactly when the state changes.
import type { Node } from 'web-tree-sitter';
import type { ModuleModel } from '../model/moduleModel';
import { isAlwaysTrue } from './lifecycle/flow';
import { callArguments, isSleepCall, mentions, methodName, methodReceiver, statementsOf, unwrapParens } from './lifecycle/syntax';
import type { Rule } from './types';

/** Argument-less methods that only read the state of an object (task, queue, event, lock). */
const PREDICATES = new Set(['done', 'cancelled', 'empty', 'full', 'is_set', 'locked', 'qsize']);

const LITERALS = new Set(['integer', 'float', 'string', 'true', 'false', 'none']);

interface PollInfo {
  /** The condition reads state another task can change (an attribute, an item, a global). */
  shared: boolean;
  predicates: Set<string>;
}

/**
 * Reads `expr` as a condition that only inspects state: names, attributes, items, comparisons, boolean operators,
 * literals and the predicate methods above (or `len()`). Undefined when it calls or awaits anything else (polling
 * a file, a socket or a remote service is legitimate and has no event to wait on).
 */
function pollOf(model: ModuleModel, expr: Node, info: PollInfo = { shared: false, predicates: new Set() }): PollInfo | undefined {
  const node = unwrapParens(expr);
  switch (node.type) {
    case 'identifier': {
      const binding = model.lookup(node.text, node);
      const scope = model.scopeAt(node);
      const local = !!binding && !!scope.bindings.get(node.text)?.includes(binding) && scope.kind === 'function';
      if (!local) info.shared = true;
      return info;
    }
    case 'attribute':
    case 'subscript':
      info.shared = true;
      return node.namedChildren.every((c) => !c || c.type === 'identifier' || LITERALS.has(c.type) || pollOf(model, c, info)) ? info : undefined;
    case 'comparison_operator':
    case 'boolean_operator':
    case 'not_operator':
      return node.namedChildren.every((c) => !c || pollOf(model, c, info)) ? info : undefined;
    case 'call': {
      const method = methodName(node);
      const receiver = methodReceiver(node);
      const args = callArguments(node);
      if (method && PREDICATES.has(method) && receiver && args.positional.length === 0 && !args.keywords.size) {
        info.predicates.add(method);
        info.shared = true;
        return pollOf(model, receiver, info);
      }
      if (model.resolveCall(node) === 'len' && args.positional.length === 1) return pollOf(model, args.positional[0], info);
      return undefined;
    }
    default:
      return LITERALS.has(node.type) ? info : undefined;
  }
}

/** `if <poll>: break` / `return ...` / `raise ...` with nothing else. */
function isExitCheck(model: ModuleModel, statement: Node, info: PollInfo): boolean {
  if (statement.type !== 'if_statement' || statement.childrenForFieldName('alternative').some((a) => a)) return false;
  const condition = statement.childForFieldName('condition');
  const body = statementsOf(statement.childForFieldName('consequence'));
  const exits = body.length === 1 && ['break_statement', 'return_statement', 'raise_statement'].includes(body[0].type);
  return exits && !!condition && !!pollOf(model, condition, info);
}

/** `elapsed += 0.1`: bookkeeping for a timeout, no calls. */
function isCounterUpdate(statement: Node): boolean {
  const inner = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
  if (inner?.type !== 'augmented_assignment') return false;
  const right = inner.childForFieldName('right');
  return inner.childForFieldName('left')?.type === 'identifier' && !!right && right.descendantsOfType('call').length === 0 && right.type !== 'call';
}

function isSleepStatement(model: ModuleModel, statement: Node): boolean {
  const inner = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
  const operand = inner?.type === 'await' ? inner.namedChild(0) : null;
  return !!operand && isSleepCall(model, operand);
}

function advice(predicates: Set<string>): string {
  if (predicates.has('done') || predicates.has('cancelled')) return 'await the task itself (or `asyncio.wait()` it)';
  if (predicates.has('is_set')) return 'use `await event.wait()`';
  if (predicates.has('empty') || predicates.has('full') || predicates.has('qsize')) return 'await `queue.get()` / `queue.join()` instead';
  if (predicates.has('locked')) return 'use `async with lock:`';
  return 'wait on an `asyncio.Event` set where the state changes (or an `asyncio.Condition`)';
}

export const busyWait: Rule = {
  meta: {
    code: 'AIO304',
    name: 'busy-wait',
    summary: 'a while loop in a coroutine only polls a condition and sleeps',
    defaultSeverity: 'information',
    fixable: 'never',
    aliases: ['ASYNC110'],
  },
  check({ model, report }) {
    if (!mentions(model, 'sleep')) return;
    for (const loop of model.nodesOfType('while_statement')) {
      const fn = model.inCoroutineBody(loop);
      const condition = loop.childForFieldName('condition');
      if (!fn || !condition || loop.childForFieldName('alternative')) continue;
      const info: PollInfo = { shared: false, predicates: new Set() };
      const forever = isAlwaysTrue(condition);
      if (!forever && !pollOf(model, condition, info)) continue;
      let sleeps = 0;
      let exitChecks = 0;
      const onlyPolls = statementsOf(loop.childForFieldName('body')).every((s) => {
        if (isSleepStatement(model, s)) return ++sleeps === 1;
        if (isExitCheck(model, s, info)) return ++exitChecks > 0;
        return s.type === 'pass_statement' || s.type === 'continue_statement' || isCounterUpdate(s);
      });
      if (!onlyPolls || sleeps !== 1 || (forever && exitChecks === 0) || !info.shared) continue;
      report({
        range: {
          start: { line: loop.startPosition.row, character: loop.startPosition.column },
          end: { line: condition.endPosition.row, character: condition.endPosition.column },
        },
        message: `\`${fn.name}\` busy-waits: the loop only checks a condition and sleeps, so it reacts late and wakes up for nothing; ${advice(info.predicates)}.`,
      });
    }
  },
};
