// AIO303 cancellation-swallowed: a handler that catches asyncio.CancelledError around an await (explicitly, through
// BaseException or a bare `except:`) and lets the coroutine carry on, so cancellation and timeouts stop working.
import type { Range } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import type { LintConfig } from '../config';
import { asyncioReference, indentationOf, insertBefore, replaceNode } from '../fixes';
import type { ModuleModel } from '../model/moduleModel';
import { insertStatementsAfter, startsOwnLine } from './lifecycle/edits';
import { canFinishWithoutRaiseOrReturn } from './lifecycle/flow';
import { onlyInspects } from './lifecycle/tasks';
import { asyncioName, clauseBlock, identifiersIn, mentions, isAsyncStatement, methodName, statementsOf, unwrapParens, walkSameScope } from './lifecycle/syntax';
import { targetAtLeast } from './lifecycle/version';
import type { Fix, Rule } from './types';

type Catcher = 'bare' | 'BaseException' | 'CancelledError' | 'Exception';

/** The exception type expressions of an `except` clause (none for a bare `except:`). */
function caughtTypes(clause: Node): Node[] {
  let value = clause.childForFieldName('value') ?? clause.namedChildren.find((c) => c && c.type !== 'block' && c.type !== 'comment') ?? null;
  if (!value) return [];
  if (value.type === 'as_pattern') value = value.namedChild(0);
  if (!value) return [];
  const inner = unwrapParens(value);
  return inner.type === 'tuple' ? inner.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') : [inner];
}

/** Whether (and how) the clause catches asyncio.CancelledError on the target version. */
function catcherOf(model: ModuleModel, clause: Node, config: LintConfig): Catcher | undefined {
  const types = caughtTypes(clause);
  if (!types.length) return 'bare';
  // Before 3.8 CancelledError was an Exception subclass, so `except Exception` caught it too.
  const exceptionCatches = !targetAtLeast(config, [3, 8]);
  for (const t of types) {
    const name = asyncioName(model.resolve(t));
    if (name === 'asyncio.CancelledError') return 'CancelledError';
    if (name === 'BaseException' || name === 'builtins.BaseException') return 'BaseException';
    if (exceptionCatches && (name === 'Exception' || name === 'builtins.Exception')) return 'Exception';
  }
  return undefined;
}

/** Somewhere in the try body the coroutine suspends (where a cancellation can be delivered). */
function suspends(model: ModuleModel, body: Node): boolean {
  let found = false;
  walkSameScope(body, (node) => {
    if (found) return false;
    if (node.type === 'await' || ((node.type === 'for_statement' || node.type === 'with_statement') && isAsyncStatement(model, node))) found = true;
    return undefined;
  });
  return found;
}

/**
 * `task.uncancel()` or `task.cancelling()` in the handler (3.11+): it tells its own cancellation from a cancelled
 * awaitable and decides deliberately (typically `if task.cancelling(): raise`).
 */
function decidesOnCancelling(block: Node): boolean {
  let found = false;
  walkSameScope(block, (node) => {
    if (node.type === 'call' && ['uncancel', 'cancelling'].includes(methodName(node) ?? '')) found = true;
    return found ? false : undefined;
  });
  return found;
}

/**
 * The handler hands the cancellation on instead of dropping it: it keeps the exception to re-raise it later
 * (`pending = exc`), passes it to a call other than logging (`future.set_exception(exc)`, `errors.append(exc)`),
 * or sets a flag that the function tests before raising (`cancelled = True` ... `if cancelled: raise`), the
 * patterns for finishing work before propagating.
 */
function handsOn(model: ModuleModel, clause: Node, block: Node, fnNode: Node): boolean {
  const value = clause.childForFieldName('value') ?? clause.namedChildren.find((c) => c?.type === 'as_pattern');
  const alias = value?.type === 'as_pattern' ? value.childForFieldName('alias') : null;
  const exception = (alias?.namedChild(0) ?? alias)?.text;
  const flags = new Set<string>();
  let handed = false;
  walkSameScope(block, (node) => {
    if (handed) return false;
    if (node.type === 'assignment') {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (exception && right && unwrapParens(right).text === exception) handed = true;
      if (left?.type === 'identifier') flags.add(left.text);
    } else if (node.type === 'call' && exception && !onlyInspects(model, node)) {
      handed = node.childForFieldName('arguments')?.namedChildren.some((a) => a?.text === exception) ?? false;
    }
    return undefined;
  });
  if (handed || !flags.size) return handed;
  return model.nodesOfType('if_statement').some((test) => {
    if (test.startIndex < block.endIndex || test.endIndex > fnNode.endIndex) return false;
    const condition = test.childForFieldName('condition');
    const consequence = test.childForFieldName('consequence');
    return (
      !!condition && !!consequence && identifiersIn(model, condition).some((id) => flags.has(id.text)) && consequence.descendantsOfType('raise_statement').length > 0
    );
  });
}

/** `break`/`continue` in the block aimed at a loop around the handler (not at a loop inside it). */
function leavesThroughLoopJump(block: Node, except: Node | undefined): boolean {
  let found = false;
  walkSameScope(block, (node) => {
    if (found || node.type === 'for_statement' || node.type === 'while_statement') return false;
    if ((node.type === 'break_statement' || node.type === 'continue_statement') && node.id !== except?.id) found = true;
    return undefined;
  });
  return found;
}

/** Adds `raise` where the handler finishes: instead of a lone `pass` or a final `break`/`continue`, or after it. */
function reraiseFix(model: ModuleModel, block: Node): Fix | undefined {
  const statements = statementsOf(block);
  const last = statements[statements.length - 1];
  if (!last) return undefined;
  const replacesLast = (statements.length === 1 && last.type === 'pass_statement') || last.type === 'break_statement' || last.type === 'continue_statement';
  // Another break/continue would still leave the handler without raising: adding one `raise` would not do.
  if (leavesThroughLoopJump(block, replacesLast ? last : undefined)) return undefined;
  const edit = replacesLast ? replaceNode(last, 'raise') : insertStatementsAfter(model, last, ['raise']);
  return { title: 'Re-raise the cancellation at the end of the handler', safety: 'unsafe', edits: [edit] };
}

/** Puts `except asyncio.CancelledError: raise` before a broad handler, which keeps handling everything else. */
function dedicatedClauseFix(model: ModuleModel, clause: Node): Fix | undefined {
  if (!startsOwnLine(model, clause) || clause.children.some((c) => c?.type === '*')) return undefined;
  const asyncio = asyncioReference(model);
  const indent = indentationOf(model, clause);
  const edits = [insertBefore(clause, `except ${asyncio.name}.CancelledError:\n${indent}    raise\n${indent}`)];
  if (asyncio.importEdit) edits.push(asyncio.importEdit);
  return { title: 'Add `except asyncio.CancelledError: raise` before this handler', safety: 'unsafe', edits };
}

function headerRange(clause: Node): Range {
  const types = caughtTypes(clause);
  const end = types.length ? types[types.length - 1].endPosition : (clause.child(0) ?? clause).endPosition;
  return { start: { line: clause.startPosition.row, character: clause.startPosition.column }, end: { line: end.row, character: end.column } };
}

const WHAT: Record<Catcher, string> = {
  bare: 'A bare `except:`',
  BaseException: '`except BaseException`',
  CancelledError: '`except asyncio.CancelledError`',
  Exception: '`except Exception` (which catches `asyncio.CancelledError` on the target Python 3.7)',
};

export const cancellationSwallowed: Rule = {
  meta: {
    code: 'AIO303',
    name: 'cancellation-swallowed',
    summary: 'a handler catches asyncio.CancelledError around an await and neither re-raises nor returns',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
    aliases: ['ASYNC103'],
  },
  check({ model, config, report }) {
    if (!mentions(model, 'async')) return;
    for (const tryNode of model.nodesOfType('try_statement')) {
      const fn = model.inCoroutineBody(tryNode);
      const body = tryNode.childForFieldName('body');
      if (!fn || !body || !suspends(model, body)) continue;
      for (const clause of tryNode.namedChildren) {
        if (clause?.type !== 'except_clause' && clause?.type !== 'except_group_clause') continue;
        const catcher = catcherOf(model, clause, config);
        if (!catcher) continue;
        // The first handler that catches the cancellation is the one that decides its fate.
        const block = clauseBlock(clause);
        if (block && canFinishWithoutRaiseOrReturn(block) && !decidesOnCancelling(block) && !handsOn(model, clause, block, fn.node)) {
          const fix = reraiseFix(model, block);
          const broad = catcher !== 'CancelledError' || caughtTypes(clause).length > 1;
          const dedicated = broad ? dedicatedClauseFix(model, clause) : undefined;
          report({
            range: headerRange(clause),
            message:
              `${WHAT[catcher]} around an \`await\` in \`${fn.name}\` swallows the cancellation: the handler neither re-raises nor returns, ` +
              'so after `task.cancel()` or a timeout the coroutine carries on as if nothing happened. Re-raise it at the end of the handler.',
            fix: fix ?? dedicated,
            alternativeFixes: fix && dedicated ? [dedicated] : undefined,
          });
        }
        break;
      }
    }
  },
};
