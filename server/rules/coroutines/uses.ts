// How a local name holding a coroutine is used afterwards: whether anything could ever await it (AIO101).
import type { Node } from 'web-tree-sitter';

/** Methods and attributes of a coroutine object that drive, close or inspect it on purpose. */
const COROUTINE_ATTRIBUTES = new Set(['close', 'send', 'throw', '__await__', 'cr_await', 'cr_code', 'cr_frame', 'cr_running', 'cr_origin', 'cr_suspended']);

/** Containers a target may be nested in on the left of `=` or `for ... in`. */
const TARGET_PATTERNS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'list_splat_pattern', 'parenthesized_expression']);

/** `node` (an identifier) is written, not read: an assignment or loop target, or the name of `del`. */
function isStoreOrDelete(node: Node): boolean {
  let n = node;
  while (n.parent && TARGET_PATTERNS.has(n.parent.type)) n = n.parent;
  const parent = n.parent;
  if (!parent) return false;
  switch (parent.type) {
    case 'assignment':
    case 'for_statement':
    case 'for_in_clause':
      return parent.childForFieldName('left')?.id === n.id;
    case 'named_expression':
      return parent.childForFieldName('name')?.id === n.id;
    case 'as_pattern_target':
    case 'delete_statement':
      return true;
    default:
      return false;
  }
}

/** `node` is an identifier token that is not a name reference: an attribute name or a keyword argument's name. */
function isNotAReference(node: Node): boolean {
  const parent = node.parent;
  if (parent?.type === 'attribute') return parent.childForFieldName('attribute')?.id === node.id;
  if (parent?.type === 'keyword_argument') return parent.childForFieldName('name')?.id === node.id;
  return false;
}

/**
 * A read of the name that cannot await, schedule, return, pass on or store the coroutine: an attribute other than
 * the coroutine's own, an index, a loop over it, a truth test, an operator.
 */
function isDeadEndRead(node: Node): boolean {
  let n = node;
  while (n.parent?.type === 'parenthesized_expression') n = n.parent;
  const parent = n.parent;
  if (!parent) return false;
  switch (parent.type) {
    case 'attribute':
      return !COROUTINE_ATTRIBUTES.has(parent.childForFieldName('attribute')?.text ?? '');
    case 'subscript':
      return parent.childForFieldName('value')?.id === n.id;
    case 'for_statement':
    case 'for_in_clause':
      return parent.childForFieldName('right')?.id === n.id;
    case 'if_statement':
    case 'elif_clause':
    case 'while_statement':
      return parent.childForFieldName('condition')?.id === n.id;
    case 'not_operator':
    case 'comparison_operator':
    case 'binary_operator':
    case 'unary_operator':
    case 'boolean_operator':
      return true;
    case 'conditional_expression':
      return parent.namedChild(1)?.id === n.id;
    case 'assert_statement':
      return parent.namedChild(0)?.id === n.id;
    default:
      return false;
  }
}

const NESTED_SCOPES = new Set(['function_definition', 'lambda', 'class_definition']);

/**
 * Whether the coroutine bound to `name` by `binding` (an identifier in the body of `fn`) may be awaited, scheduled,
 * returned, passed on or stored anywhere in `fn`. Any other read of the name in a nested scope counts as such a use:
 * a closure may await it.
 */
export function mayBeAwaited(fn: Node, name: string, binding: Node): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return true;
  const cursor = body.walk();
  try {
    for (;;) {
      if (cursor.nodeType === 'identifier' && cursor.nodeText === name) {
        const node = cursor.currentNode;
        if (node.id !== binding.id && !isNotAReference(node) && !isStoreOrDelete(node)) {
          if (insideNestedScope(node, fn) || !isDeadEndRead(node)) return true;
        }
      }
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || cursor.nodeId === body.id) return false;
      }
    }
  } finally {
    cursor.delete();
  }
}

function insideNestedScope(node: Node, fn: Node): boolean {
  for (let n = node.parent; n && n.id !== fn.id; n = n.parent) if (NESTED_SCOPES.has(n.type)) return true;
  return false;
}
