// What happens to a coroutine object after it is created (AIO101): whether anything could ever await it, and whether
// the code uses it as if it were the coroutine's result.
import type { Node } from 'web-tree-sitter';
import type { ModuleModel } from '../../model/moduleModel';

/** Methods and attributes of a coroutine object that drive, close or inspect it on purpose. */
const COROUTINE_ATTRIBUTES = new Set(['close', 'send', 'throw', '__await__', '__name__', '__qualname__', '__class__', 'cr_await', 'cr_code', 'cr_frame', 'cr_running', 'cr_origin', 'cr_suspended']);

/** Containers a target may be nested in on the left of `=` or `for ... in`. */
const TARGET_PATTERNS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'list_splat_pattern', 'parenthesized_expression']);

/**
 * How a value is used where it appears:
 * - `awaited`: `await x`;
 * - `handled`: anything that may still await or schedule it — returned, passed to a call, stored, aliased, yielded,
 *   closed or driven by hand (`x.close()`, `x.send(None)`);
 * - `misuse`: used as if it were the coroutine's result — an attribute, an index, a loop, unpacking, an operator, a
 *   comparison other than identity or membership;
 * - `test`: tested for truth or identity (`if x:`, `x is None`): always the same answer for a coroutine, so a sign
 *   the code expects a result, unless it also awaits the name;
 * - `neutral`: membership (`x in pending`): says nothing either way.
 */
export type Use = 'awaited' | 'handled' | 'misuse' | 'test' | 'neutral';

export function useOf(model: ModuleModel, node: Node): Use {
  let n = node;
  let parent = model.parentOf(n);
  while (parent?.type === 'parenthesized_expression') {
    n = parent;
    parent = model.parentOf(n);
  }
  if (!parent) return 'handled';
  const is = (field: string) => parent.childForFieldName(field)?.id === n.id;
  switch (parent.type) {
    case 'await':
      return 'awaited';
    case 'attribute':
      return COROUTINE_ATTRIBUTES.has(parent.childForFieldName('attribute')?.text ?? '') ? 'handled' : 'misuse';
    case 'subscript':
      return is('value') ? 'misuse' : 'handled';
    case 'for_statement':
    case 'for_in_clause':
      return is('right') ? 'misuse' : 'handled';
    case 'assignment':
      // `a, b = coro`: unpacking iterates it.
      return is('right') && TARGET_PATTERNS.has(parent.childForFieldName('left')?.type ?? '') ? 'misuse' : 'handled';
    case 'binary_operator':
    case 'unary_operator':
      return 'misuse';
    case 'comparison_operator':
      if (parent.children.some((c) => c?.type === 'in' || c?.type === 'not in')) return 'neutral';
      return parent.children.some((c) => c?.type === 'is' || c?.type === 'is not') ? 'test' : 'misuse';
    case 'if_statement':
    case 'elif_clause':
    case 'while_statement':
      return is('condition') ? 'test' : 'handled';
    case 'assert_statement':
      return parent.namedChild(0)?.id === n.id ? 'test' : 'handled';
    case 'conditional_expression':
      return parent.namedChild(1)?.id === n.id ? 'test' : 'handled';
    case 'not_operator':
      return 'test';
    case 'boolean_operator':
      return is('left') ? 'test' : 'handled';
    default:
      return 'handled';
  }
}

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

const NESTED_SCOPES = new Set(['function_definition', 'lambda', 'class_definition']);

function insideNestedScope(node: Node, fn: Node): boolean {
  for (let n = node.parent; n && n.id !== fn.id; n = n.parent) if (NESTED_SCOPES.has(n.type)) return true;
  return false;
}

export interface NameFate {
  /** Some read may await, schedule, return, pass on or store the value (a read in a nested scope counts). */
  handled: boolean;
  awaited: boolean;
  /** The first read that uses the value as a result, and the first truth or identity test. */
  misuse?: Node;
  test?: Node;
}

/** Every read of the local `name` in the body of `fn` (other than `binding` itself), classified. */
export function fateOf(model: ModuleModel, fn: Node, name: string, binding: Node): NameFate {
  const fate: NameFate = { handled: false, awaited: false };
  const body = fn.childForFieldName('body');
  if (!body) return { handled: true, awaited: false };
  const cursor = body.walk();
  try {
    for (;;) {
      if (cursor.nodeType === 'identifier' && cursor.nodeText === name) {
        const node = cursor.currentNode;
        if (node.id !== binding.id && !isNotAReference(node) && !isStoreOrDelete(node)) {
          const use = insideNestedScope(node, fn) ? 'handled' : useOf(model, node);
          if (use === 'awaited') fate.awaited = fate.handled = true;
          else if (use === 'handled') fate.handled = true;
          else if (use === 'misuse') fate.misuse ??= node;
          else if (use === 'test') fate.test ??= node;
        }
      }
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || cursor.nodeId === body.id) return fate;
      }
    }
  } finally {
    cursor.delete();
  }
}
