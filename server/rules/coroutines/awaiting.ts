// Where an `await` may be added, and the edit that adds it, shared by the AIO1xx fixes.
import type { TextEdit } from 'vscode-languageserver-types';
import type { Node } from 'web-tree-sitter';
import { insertAfter, insertBefore } from '../../fixes';
import type { ModuleModel } from '../../model/moduleModel';
import type { Callee } from './callables';

/**
 * `await` is valid at `node` and keeps the surrounding code's meaning: inside an `async def` body (not a lambda,
 * nested plain def or class), and not inside a generator expression, which `await` would turn into an async generator.
 */
export function canAwaitAt(model: ModuleModel, node: Node): boolean {
  if (!model.inCoroutineBody(node)) return false;
  for (let n: Node | null = node.parent; n && n.type !== 'function_definition'; n = n.parent) {
    if (n.type === 'generator_expression') return false;
  }
  return true;
}

/** Positions where `await x` would bind looser than the surrounding expression, so parentheses are needed. */
const TIGHT_PARENTS = new Set(['attribute', 'subscript', 'call', 'binary_operator', 'unary_operator', 'await']);

/** The edits that put `await` in front of `node`, with parentheses when the surrounding syntax needs them. */
export function addAwait(node: Node): TextEdit[] {
  const parent = node.parent;
  if (parent && TIGHT_PARENTS.has(parent.type)) return [insertBefore(node, '(await '), insertAfter(node, ')')];
  return [insertBefore(node, 'await ')];
}

/** How a message names what was called: `async def fetch` for workspace functions, the dotted name otherwise. */
export function describeCoroutineFunction(callee: Callee): string {
  return callee.fn ? `\`async def ${callee.fn.name}\`` : `coroutine function \`${callee.canonical}\``;
}
