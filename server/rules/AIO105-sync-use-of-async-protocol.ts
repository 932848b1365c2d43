// AIO105 sync-use-of-async-protocol: `with` on an async-only context manager, `for` over an async-only iterable.
import type { Node } from 'web-tree-sitter';
import { insertBefore } from '../fixes';
import type { ModuleModel } from '../model/moduleModel';
import { canAwaitAt } from './coroutines/awaiting';
import { isAsyncStatement } from './lifecycle/syntax';
import { valueFlags } from './coroutines/callables';
import type { Fix, Report, Rule } from './types';

const COMPREHENSIONS = ['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression'];

/** The `async ` fix: only inside a coroutine body, where `async with` / `async for` are allowed. */
function asyncFix(model: ModuleModel, statement: Node, keywordAt: Node, what: string): Fix | undefined {
  if (!canAwaitAt(model, statement)) return undefined;
  return { title: `Use \`async ${what}\``, safety: 'safe', edits: [insertBefore(keywordAt, 'async ')] };
}

function describe(expr: Node): string {
  const text = expr.type === 'call' ? `${expr.childForFieldName('function')?.text ?? expr.text}()` : expr.text;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function checkWith(model: ModuleModel, statement: Node, report: (r: Report) => void): void {
  if (isAsyncStatement(model, statement)) return;
  const clause = statement.namedChildren.find((c) => c?.type === 'with_clause');
  const contexts = (clause?.namedChildren ?? [])
    .filter((item): item is Node => item?.type === 'with_item')
    .map((item) => {
      const value = item.childForFieldName('value');
      return value?.type === 'as_pattern' ? value.namedChild(0) : value;
    });
  const asyncOnly = contexts.filter((c): c is Node => !!c && !!valueFlags(model, c)?.asyncContextManager);
  if (asyncOnly.length === 0) return;
  // `async with a, b` needs every item to be async; with a mix, the items must be split by hand.
  const fix = asyncOnly.length === contexts.length ? asyncFix(model, statement, statement, 'with') : undefined;
  for (const expr of asyncOnly) {
    report({
      node: expr,
      message: `\`${describe(expr)}\` is an async context manager (it has \`__aenter__\`, not \`__enter__\`): a plain \`with\` fails at run time; use \`async with\`.`,
      fix,
    });
  }
}

function checkFor(model: ModuleModel, loop: Node, report: (r: Report) => void): void {
  if (isAsyncStatement(model, loop)) return;
  const iterable = loop.childForFieldName('right');
  if (!iterable || !valueFlags(model, iterable)?.asyncIterable) return;
  const forKeyword = loop.children.find((c) => c?.type === 'for') ?? loop;
  report({
    node: iterable,
    message: `\`${describe(iterable)}\` is an async iterable (it has \`__aiter__\`, not \`__iter__\`): a plain \`for\` raises TypeError; use \`async for\`.`,
    fix: asyncFix(model, loop, forKeyword, 'for'),
  });
}

export const syncUseOfAsyncProtocol: Rule = {
  meta: {
    code: 'AIO105',
    name: 'sync-use-of-async-protocol',
    summary: '`with` on an async context manager or `for` over an async iterable',
    defaultSeverity: 'error',
    fixable: 'sometimes',
  },
  check({ model, report }) {
    for (const statement of model.nodesOfType('with_statement')) checkWith(model, statement, report);
    for (const loop of model.nodesOfType('for_statement')) checkFor(model, loop, report);
    for (const type of COMPREHENSIONS) {
      for (const comprehension of model.nodesOfType(type)) {
        for (const clause of comprehension.namedChildren) if (clause?.type === 'for_in_clause') checkFor(model, clause, report);
      }
    }
  },
};
