// Small syntax-tree helpers shared by the task-lifecycle and event-loop rules (AIO3xx/AIO4xx/AIO5xx).
import type { Node } from 'web-tree-sitter';
import type { CallSite, ModuleModel } from '../../model/moduleModel';
import { partitionPoint } from '../../sorted';

/** Node types that open a new scope: code inside them does not run as part of the enclosing statement. */
const NESTED_SCOPES = new Set(['function_definition', 'lambda', 'class_definition', 'decorated_definition']);

/** What is known about words of a module's text, found once per model (a focused view shares its model's root). */
interface Words {
  mentioned: Map<string, boolean>;
  /** The offsets of every occurrence, in ascending order. */
  occurrences: Map<string, number[]>;
}

const wordsByRoot = new WeakMap<Node, Words>();

function wordsOf(model: ModuleModel): Words {
  let words = wordsByRoot.get(model.root);
  if (!words) wordsByRoot.set(model.root, (words = { mentioned: new Map(), occurrences: new Map() }));
  return words;
}

/**
 * The module's text contains one of `words`: a cheap, sound gate before a rule walks the model (a name the rule
 * looks for cannot be used without appearing in the text).
 */
export function mentions(model: ModuleModel, ...words: string[]): boolean {
  const mentioned = wordsOf(model).mentioned;
  return words.some((word) => {
    let found = mentioned.get(word);
    if (found === undefined) mentioned.set(word, (found = model.source.includes(word)));
    return found;
  });
}

function occurrences(model: ModuleModel, word: string): readonly number[] {
  const byWord = wordsOf(model).occurrences;
  let found = byWord.get(word);
  if (!found) {
    found = [];
    for (let at = model.source.indexOf(word); at !== -1; at = model.source.indexOf(word, at + 1)) found.push(at);
    byWord.set(word, found);
  }
  return found;
}

/** The offsets where `word` occurs inside the text of `node`. */
export function occurrencesWithin(model: ModuleModel, node: Node, word: string): readonly number[] {
  const all = occurrences(model, word);
  const first = partitionPoint(all, (at) => at < node.startIndex);
  if (first === all.length) return [];
  const end = node.endIndex - word.length;
  return all.slice(first, partitionPoint(all, (at) => at <= end));
}

/** `(x)` → `x`, however deep. */
export function unwrapParens(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression') {
    const inner = n.namedChildren.find((c) => c?.type !== 'comment');
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** The statements of a block, without comments. */
export function statementsOf(block: Node | null | undefined): Node[] {
  if (!block) return [];
  return block.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
}

/** The block of a clause (`else:`, `except ...:`, `finally:`, `case ...:`), whatever field the grammar put it in. */
export function clauseBlock(clause: Node): Node | undefined {
  return (clause.childForFieldName('body') ?? clause.childForFieldName('consequence') ?? clause.namedChildren.find((c) => c?.type === 'block')) ?? undefined;
}

/**
 * Visits `root` and its descendants in source order, not entering nested functions, lambdas or classes (their code
 * runs at another time). `visit` returning false skips the node's children.
 */
export function walkSameScope(root: Node, visit: (node: Node) => boolean | void): void {
  const stack: Node[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node !== root && NESTED_SCOPES.has(node.type)) continue;
    if (visit(node) === false) continue;
    for (let i = node.namedChildCount - 1; i >= 0; i--) {
      const child = node.namedChild(i);
      if (child) stack.push(child);
    }
  }
}

/** The attribute name of a method call `obj.name(...)`, or undefined. */
export function methodName(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
}

/** The receiver `obj` of a method call `obj.name(...)`. */
export function methodReceiver(call: Node): Node | undefined {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' ? fn.childForFieldName('object') ?? undefined : undefined;
}

export interface CallArguments {
  positional: Node[];
  keywords: Map<string, Node>;
  /** `*args` / `**kwargs` present: the argument list cannot be read positionally. */
  hasSplat: boolean;
}

export function callArguments(call: Node): CallArguments {
  const result: CallArguments = { positional: [], keywords: new Map(), hasSplat: false };
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return result;
  for (const arg of list.namedChildren) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text;
      const value = arg.childForFieldName('value');
      if (name && value) result.keywords.set(name, value);
    } else if (arg.type === 'list_splat' || arg.type === 'dictionary_splat') {
      result.hasSplat = true;
    } else {
      result.positional.push(arg);
    }
  }
  return result;
}

/** `asyncio.tasks.sleep` → `asyncio.sleep`: asyncio re-exports its submodules' public names. */
export function asyncioName(canonical: string | undefined): string | undefined {
  if (!canonical) return undefined;
  const m = /^asyncio\.(?:tasks|locks|queues|streams|subprocess|events|futures|base_events|runners|exceptions|coroutines|timeouts|taskgroups)\.(.+)$/.exec(canonical);
  return m ? `asyncio.${m[1]}` : canonical;
}

/**
 * What the lifecycle rules ask of every call, memoised per model: reading a node's fields crosses into WASM and
 * resolving an attribute call can walk classes, so each is done at most once, and resolution only when needed.
 */
interface CallFacts {
  /** `name` of `obj.name(...)`; undefined for calls of a plain name (or anything else). */
  method?: string;
  resolved: boolean;
  /** The asyncio-normalised canonical name of the callee. */
  callee?: string;
}

interface ModelCallFacts {
  byCall: Map<number, CallFacts>;
  /** The tree has a syntax error somewhere. */
  hasError: boolean;
  /** Positions in `model.calls` by method name (undefined: not a method call), once something asked. */
  byMethod?: Map<string | undefined, number[]>;
  /** `callsThatMayCall` by its `names`. */
  candidates: Map<ReadonlySet<string>, CallSite[]>;
}

const callFactsByModel = new WeakMap<ModuleModel, ModelCallFacts>();

function modelCallFacts(model: ModuleModel): ModelCallFacts {
  let facts = callFactsByModel.get(model);
  if (!facts) {
    facts = { byCall: new Map(), hasError: model.root.hasError, candidates: new Map() };
    callFactsByModel.set(model, facts);
  }
  return facts;
}

function callFacts(model: ModuleModel, call: Node): CallFacts {
  const known = modelCallFacts(model);
  let facts = known.byCall.get(call.id);
  if (!facts) {
    facts = { method: calleeMethod(model, known, call), resolved: false };
    known.byCall.set(call.id, facts);
  }
  return facts;
}

function calleeMethod(model: ModuleModel, known: ModelCallFacts, call: Node): string | undefined {
  const callee = calleeFromSource(model, known, call);
  return callee ? callee[1] : methodName(call);
}

/**
 * A dotted name (`f`, `a.b.f`), capturing the last name after a dot, and then the `(` that opens the arguments, with
 * only spaces and line breaks between the tokens.
 */
const DOTTED_CALLEE = /[A-Za-z_][A-Za-z0-9_]*(?:[ \t\f\r\n]*\.[ \t\f\r\n]*([A-Za-z_][A-Za-z0-9_]*))*[ \t\f\r\n]*\(/y;

/**
 * The callee of `call` read from the source instead of asking the parser for two nodes, when the source says it for
 * certain: the call parsed without errors, no other call starts where it does, and its text opens with a dotted name
 * and `(`. The callee starts where the call does and the arguments open with the first `(` after it (a `(` inside
 * the callee would belong to another call starting there), so the callee is that dotted name: an attribute whose
 * name is the last one when there is a dot. The match (group 1: that name), or undefined: the parser is asked.
 */
function calleeFromSource(model: ModuleModel, known: ModelCallFacts, call: Node): RegExpExecArray | undefined {
  const start = call.startIndex;
  if (model.sharesStartWithAnotherCall(call)) return undefined;
  DOTTED_CALLEE.lastIndex = start;
  const match = DOTTED_CALLEE.exec(model.source);
  // Error recovery can put an ERROR node between a callee and its arguments (`asyncio.async(...)`).
  if (!match || (known.hasError && call.hasError)) return undefined;
  return match;
}

/** `name` of a method call `obj.name(...)` (memoised). */
export function callMethod(model: ModuleModel, call: Node): string | undefined {
  return callFacts(model, call).method;
}

/**
 * Whether the call can be one of the callees whose last name is in `names`: a call of a plain name (which may be
 * an alias), or a method call with one of those names. A cheap filter before resolving.
 */
export function mayCall(model: ModuleModel, call: Node, names: ReadonlySet<string>): boolean {
  const method = callFacts(model, call).method;
  return method === undefined || names.has(method);
}

/**
 * The calls of the model (in source order) that `mayCall` lets through for `names`, listed once per model for each
 * set of names (pass the same set object): rules that look for a few callees then skip the other calls at no cost.
 */
export function callsThatMayCall(model: ModuleModel, names: ReadonlySet<string>): readonly CallSite[] {
  const known = modelCallFacts(model);
  let found = known.candidates.get(names);
  if (found) return found;
  if (!known.byMethod) {
    known.byMethod = new Map();
    // Facts are recorded for the candidates only, when asked: most calls are never looked at again.
    model.calls.forEach((site, i) => {
      const facts = known.byCall.get(site.node.id);
      const method = facts ? facts.method : calleeMethod(model, known, site.node);
      const list = known.byMethod!.get(method);
      if (list) list.push(i);
      else known.byMethod!.set(method, [i]);
    });
  }
  const positions = [...(known.byMethod.get(undefined) ?? [])];
  for (const name of names) positions.push(...(known.byMethod.get(name) ?? []));
  found = positions.sort((a, b) => a - b).map((i) => model.calls[i]);
  known.candidates.set(names, found);
  return found;
}

/** The asyncio-normalised canonical name of the function a call invokes. */
export function resolveAsyncioCall(model: ModuleModel, call: Node): string | undefined {
  const facts = callFacts(model, call);
  if (!facts.resolved) {
    facts.callee = asyncioName(model.resolveCall(call));
    facts.resolved = true;
  }
  return facts.callee;
}

const identifiersByModel = new WeakMap<ModuleModel, Map<number, Node[]>>();

/** Every identifier node inside `node` (memoised per model and node). */
export function identifiersIn(model: ModuleModel, node: Node): readonly Node[] {
  let byNode = identifiersByModel.get(model);
  if (!byNode) {
    byNode = new Map();
    identifiersByModel.set(model, byNode);
  }
  let ids = byNode.get(node.id);
  if (!ids) {
    ids = node.descendantsOfType('identifier').filter((id): id is Node => !!id);
    byNode.set(node.id, ids);
  }
  return ids;
}

const SLEEP = new Set(['sleep']);

export function isSleepCall(model: ModuleModel, node: Node): boolean {
  const n = unwrapParens(node);
  return n.type === 'call' && mayCall(model, n, SLEEP) && resolveAsyncioCall(model, n) === 'asyncio.sleep';
}

/** The statement that directly contains `node` (the child of a block or of the module). */
export function enclosingStatement(model: ModuleModel, node: Node): Node | undefined {
  for (let n: Node | null = node; n; ) {
    const parent = model.parentOf(n);
    if (parent && (parent.type === 'block' || parent.type === 'module')) return n;
    n = parent;
  }
  return undefined;
}

/** The top-level statement (a child of the module) that contains `node`. */
export function topLevelStatement(model: ModuleModel, node: Node): Node | undefined {
  for (let n: Node | null = node; n; ) {
    const parent = model.parentOf(n);
    if (parent?.id === model.root.id) return n;
    n = parent;
  }
  return undefined;
}

/** `node` lies inside a `for` or `while` body within `limit` (the function it runs in). */
export function insideLoop(node: Node, limit: Node): boolean {
  for (let n: Node | null = node.parent; n && n.id !== limit.id; n = n.parent) {
    if (n.type === 'for_statement' || n.type === 'while_statement') {
      const body = n.childForFieldName('body');
      if (body && body.startIndex <= node.startIndex && node.endIndex <= body.endIndex) return true;
    }
    if (n.type === 'list_comprehension' || n.type === 'set_comprehension' || n.type === 'generator_expression' || n.type === 'dictionary_comprehension') return true;
  }
  return false;
}

/**
 * The `async` keyword opens this `for`/`with`/`def` (or comprehension `for` clause). It can only come before the
 * `for`/`with`/`def` keyword, so a node whose text starts with that keyword is not async, which the source tells without
 * asking the parser for every child.
 */
export function isAsyncStatement(model: ModuleModel, node: Node): boolean {
  const at = node.startIndex;
  if (model.source.startsWith('for', at) || model.source.startsWith('with', at) || model.source.startsWith('def', at)) return false;
  return node.children.some((c) => c?.type === 'async');
}


/**
 * An identifier node that reads a variable: not an attribute name (`x.name`), not a keyword-argument name
 * (`f(name=...)`), not a parameter.
 */
export function isVariableReference(id: Node): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (parent.type === 'attribute' && parent.childForFieldName('attribute')?.id === id.id) return false;
  if (parent.type === 'keyword_argument' && parent.childForFieldName('name')?.id === id.id) return false;
  if (parent.type === 'parameters' || parent.type === 'default_parameter' || parent.type === 'typed_parameter' || parent.type === 'typed_default_parameter') return false;
  return true;
}

/** `node` is written here: an assignment or walrus target (directly or inside a tuple pattern), a `for` target, `del`. */
export function isStoreTarget(node: Node): boolean {
  let n = node;
  for (let parent = n.parent; parent; n = parent, parent = parent.parent) {
    if (parent.type === 'pattern_list' || parent.type === 'tuple_pattern' || parent.type === 'list_pattern') continue;
    if (parent.type === 'assignment' || parent.type === 'augmented_assignment') return parent.childForFieldName('left')?.id === n.id && parent.type === 'assignment';
    if (parent.type === 'for_statement' || parent.type === 'for_in_clause') return parent.childForFieldName('left')?.id === n.id;
    if (parent.type === 'named_expression') return parent.childForFieldName('name')?.id === n.id;
    if (parent.type === 'delete_statement') return true;
    return false;
  }
  return false;
}
